/**
 * `deno task operator`: the Hourglass operator. Parse the command line, validate the settings
 * (`shared/config/operator_config.ts`: flags, `OPERATOR_*` variables, an optional `--config`
 * file), start. Flags keep the names of the earlier Go operator (`--metrics-bind-address`,
 * `--health-probe-bind-address`, `--leader-elect`).
 *
 * Exit codes: 0 stopped, 1 failed while running (or lost the Lease), 2 bad flags or settings.
 * @module
 */

import { FlagError } from "../shared/cli/flags.ts";
import type { OperatorConfig } from "../shared/config/operator_config.ts";
import {
  loadOperatorConfig,
  OperatorConfigError,
  operatorUsage,
  parseOperatorCommandLine,
} from "../shared/config/operator_load.ts";
import { loadKubeConnection } from "../shared/kube/rest.ts";
import { createLogger, type Logger } from "../shared/runtime/log.ts";
import { shutdownSignal } from "../shared/runtime/shutdown_signal.ts";
import { startOperator } from "./manager.ts";

/** Version of this build. */
export const OPERATOR_VERSION = "0.1.0";

async function main(): Promise<number> {
  let commandLine;
  try {
    commandLine = parseOperatorCommandLine(Deno.args);
  } catch (err) {
    if (!(err instanceof FlagError)) throw err;
    console.error(`operator: ${err.message}`);
    return 2;
  }
  if (commandLine.help) {
    console.log(operatorUsage());
    return 0;
  }
  if (commandLine.version) {
    console.log(`hourglass-operator ${OPERATOR_VERSION}`);
    return 0;
  }
  let config;
  try {
    config = await loadOperatorConfig(commandLine, { env: Deno.env.toObject() });
  } catch (err) {
    if (!(err instanceof OperatorConfigError)) throw err;
    console.error(`operator: ${err.message}`);
    return 2;
  }
  const log = createLogger({
    level: config.logLevel,
    format: config.logFormat,
    base: { component: "operator" },
  });
  try {
    return await run(config, log);
  } catch (err) {
    log("error", err instanceof Error ? err.message : String(err));
    return 1;
  }
}

async function run(config: OperatorConfig, log: Logger): Promise<number> {
  const connection = loadKubeConnection({ kubeconfigPath: config.kubeConfigPath });
  const operator = startOperator({
    connection,
    namespace: config.namespace,
    concurrency: config.concurrency,
    qps: config.kubeApi.qps,
    burst: config.kubeApi.burst,
    leaderElect: config.leaderElection.enabled,
    leaderElectionNamespace: config.leaderElection.namespace ?? podNamespace() ?? "default",
    leaderElectionId: config.leaderElection.id,
    leaseDurationMs: config.leaderElection.leaseDuration,
    renewDeadlineMs: config.leaderElection.renewDeadline,
    retryPeriodMs: config.leaderElection.retryPeriod,
    requestTimeoutMs: config.kubeApi.timeout,
    identity: `${Deno.env.get("HOSTNAME") ?? "operator"}_${crypto.randomUUID().slice(0, 8)}`,
    healthAddress: config.healthProbeBindAddress,
    metricsAddress: config.metricsBindAddress,
    log,
  });
  log("info", "operator started", {
    version: OPERATOR_VERSION,
    cluster: connection.server,
    namespace: config.namespace ?? "(all)",
    healthPort: operator.endpoints.healthPort,
    metricsPort: operator.endpoints.metricsPort,
  });
  const reason = await Promise.race([shutdownSignal(), operator.done]);
  if (reason === "lost") {
    // Its workers have stopped; exit at once, as controller-runtime does, rather than wait on
    // an API server that may not answer (a replica restarts as a standby).
    log("error", "leadership lost; exiting");
    return 1;
  }
  log("info", "operator stopping", { reason });
  await operator.stop();
  log("info", "operator stopped");
  return 0;
}

function podNamespace(): string | undefined {
  try {
    return Deno.readTextFileSync("/var/run/secrets/kubernetes.io/serviceaccount/namespace").trim();
  } catch {
    return undefined;
  }
}

Deno.exit(await main());
