/**
 * `deno run -A dev/node_sim/main.ts --kubeconfig <path> [--node-name <name>]
 * [--restart-backoff-ms <ms>] [--mode process|status-only] [--log-level debug|info|warn|error]`:
 * runs the node simulator
 * until SIGINT or SIGTERM (or its parent goes away). Prints `node simulator ready` once the node
 * is registered and the pods are listed.
 * @module
 */

import * as k8s from "@kubernetes/client-node";
import { shutdownSignal } from "../../shared/runtime/shutdown_signal.ts";
import { createLogger, LOG_LEVELS, type LogLevel } from "../../shared/runtime/log.ts";
import { startNodeSimulator } from "./simulator.ts";

const USAGE = "usage: main.ts --kubeconfig <path> [--node-name <name>] " +
  "[--restart-backoff-ms <ms>] [--mode process|status-only] [--log-level debug|info|warn|error]";

/** Parses `--name value` pairs; throws on unknown or incomplete flags. */
export function parseArgs(args: string[]): Record<string, string> {
  const known = ["--kubeconfig", "--node-name", "--restart-backoff-ms", "--mode", "--log-level"];
  const out: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i].split(/=(.*)/s, 2);
    if (!known.includes(flag)) throw new TypeError(`Unknown flag "${args[i]}"; ${USAGE}`);
    const value = inline ?? args[++i];
    if (value === undefined) throw new TypeError(`Flag "${flag}" needs a value; ${USAGE}`);
    out[flag.slice(2)] = value;
  }
  return out;
}

function isLogLevel(name: string): name is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(name);
}

if (import.meta.main) {
  let flags: Record<string, string>;
  try {
    flags = parseArgs(Deno.args);
    if (!flags.kubeconfig) throw new TypeError(`--kubeconfig is required; ${USAGE}`);
  } catch (err) {
    console.error((err as Error).message);
    Deno.exit(2);
  }
  const kubeConfig = new k8s.KubeConfig();
  kubeConfig.loadFromFile(flags.kubeconfig);
  const level = flags["log-level"] ?? "info";
  if (!isLogLevel(level)) {
    console.error(`Unknown log level "${level}"; ${USAGE}`);
    Deno.exit(2);
  }
  const mode = flags.mode ?? "process";
  if (mode !== "process" && mode !== "status-only") {
    console.error(`Unknown mode "${mode}"; ${USAGE}`);
    Deno.exit(2);
  }
  const sim = await startNodeSimulator({
    mode,
    kubeConfig,
    nodeName: flags["node-name"],
    restartBackoffMs: flags["restart-backoff-ms"] ? Number(flags["restart-backoff-ms"]) : undefined,
    log: createLogger({ level }),
  });
  console.log(`node simulator ready: node ${sim.nodeName}`);
  const reason = await shutdownSignal();
  console.error(`node simulator stopping (${reason})`);
  await sim.stop();
  Deno.exit(0);
}
