/**
 * `deno task executor <command>`: the Hourglass executor.
 *
 *   executor run --config <file>        serve tasks until SIGINT/SIGTERM
 *   executor validate --config <file>   print every problem of a config; exit 3 if any
 *   executor version
 *
 * Exit codes: 0 success, 1 failure while running, 2 bad command line, 3 invalid config.
 * @module
 */

import { FlagError, flagHelp, parseFlags } from "../shared/cli/flags.ts";
import { ConfigError, ENV_OVERRIDE_NAMES, loadExecutorConfig } from "../shared/config/load.ts";
import { deploymentModeOf } from "../shared/config/executor_config.ts";
import { createLogger, type Logger } from "../shared/runtime/log.ts";
import { shutdownSignal } from "../shared/runtime/shutdown_signal.ts";
import { startExecutor } from "./app.ts";

/** Version of this build. */
export const EXECUTOR_VERSION = "0.1.0";

const FLAGS = {
  config: { kind: "string", help: "Path of the executor config (YAML)" },
  host: { kind: "string", default: "0.0.0.0", help: "Address the gRPC and HTTP servers bind to" },
  help: { kind: "bool", default: false, help: "Print this help" },
} as const;

const USAGE = `Usage: executor <run|validate|version> [flags]

${flagHelp(FLAGS)}

Environment overrides: ${ENV_OVERRIDE_NAMES.join(", ")}`;

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseFlags(Deno.args, FLAGS);
  } catch (err) {
    if (!(err instanceof FlagError)) throw err;
    console.error(`executor: ${err.message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positional } = parsed;
  const command = positional[0];
  if (values.help || command === "help") {
    console.log(USAGE);
    return 0;
  }
  if (command === "version") {
    console.log(`hourglass-executor ${EXECUTOR_VERSION}`);
    return 0;
  }
  if (command !== "run" && command !== "validate") {
    console.error(
      `executor: ${command ? `unknown command "${command}"` : "a command is required"}\n\n${USAGE}`,
    );
    return 2;
  }
  const path = values.config as string | undefined;
  if (!path) {
    console.error(`executor: ${command} needs --config <file>`);
    return 2;
  }
  const env = Deno.env.toObject();
  let loaded;
  try {
    loaded = await loadExecutorConfig(path, { env: pick(env, (k) => k.startsWith("EXECUTOR_")) });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(err.message);
    return 3;
  }
  const { config, warnings } = loaded;
  const log = createLogger({
    level: config.logLevel,
    format: config.logFormat,
    base: { component: "executor" },
  });
  for (const warning of warnings) log("warn", "config", { warning });
  if (command === "validate") {
    console.log(
      `${path}: valid (${config.avsPerformers.length} AVS, deployment mode ${
        deploymentModeOf(config)
      })`,
    );
    return 0;
  }
  return await run(config, path, values.host as string, env, log);
}

async function run(
  config: Awaited<ReturnType<typeof loadExecutorConfig>>["config"],
  path: string,
  host: string,
  env: Record<string, string>,
  log: Logger,
): Promise<number> {
  const baseDir = path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : ".";
  let executor;
  try {
    executor = await startExecutor(config, { log, env, baseDir, host });
  } catch (err) {
    log("error", "cannot start the executor", { error: (err as Error).message });
    return 1;
  }
  const reason = await shutdownSignal();
  log("info", "executor stopping", { reason });
  await executor.stop();
  return 0;
}

function pick(env: Record<string, string>, keep: (key: string) => boolean): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter(([k]) => keep(k)));
}

Deno.exit(await main());
