/**
 * `deno task cluster [--keep] [--node-sim=process|status-only|none]`: runs the local control
 * plane, and the node simulator on it, until SIGINT or SIGTERM.
 *
 * The node simulator starts by default (`process`: performers run as local processes with their
 * probes), so that `deno task cluster`, like `deno task dev` and the bench, gives running pods to
 * whoever applies a Performer; `status-only` reports every pod Running and Ready at once without a
 * process (for scale tests); `none` leaves the cluster without a node.
 *
 * Prints `KUBECONFIG=<path>` on a line of its own, `node simulator ready: node <name> (<mode>)`
 * unless `none`, then `cluster ready`. Exits 2 on an unknown flag.
 * @module
 */

import * as k8s from "@kubernetes/client-node";
import { createLogger } from "../../shared/runtime/log.ts";
import { shutdownSignal } from "../../shared/runtime/shutdown_signal.ts";
import { type NodeSimulator, startNodeSimulator } from "../node_sim/simulator.ts";
import { startLocalCluster } from "./local_cluster.ts";

/** What `--node-sim` selects. */
export type NodeSimChoice = "process" | "status-only" | "none";

/** The parsed command line. */
export interface ClusterArgs {
  keep: boolean;
  nodeSim: NodeSimChoice;
}

const USAGE = "usage: deno task cluster [--keep] [--node-sim=process|status-only|none]";
const CHOICES: readonly NodeSimChoice[] = ["process", "status-only", "none"];

/** Parses the command line; throws a TypeError naming the problem. */
export function parseClusterArgs(args: string[]): ClusterArgs {
  const out: ClusterArgs = { keep: false, nodeSim: "process" };
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i].split(/=(.*)/s, 2);
    if (flag === "--keep" && inline === undefined) {
      out.keep = true;
    } else if (flag === "--node-sim") {
      const value = inline ?? args[++i];
      if (!CHOICES.includes(value as NodeSimChoice)) {
        throw new TypeError(
          `--node-sim must be one of ${CHOICES.join(", ")}, not ${JSON.stringify(value ?? "")}`,
        );
      }
      out.nodeSim = value as NodeSimChoice;
    } else {
      throw new TypeError(`Unknown flag "${args[i]}"; ${USAGE}`);
    }
  }
  return out;
}

if (import.meta.main) {
  let args: ClusterArgs;
  try {
    args = parseClusterArgs(Deno.args);
  } catch (err) {
    console.error((err as Error).message);
    Deno.exit(2);
  }
  const log = (line: string) => console.error(`[cluster] ${line}`);
  log("starting etcd and kube-apiserver (the first run builds them from Go modules: minutes)");
  const cluster = await startLocalCluster({ log, keepDir: args.keep });
  let sim: NodeSimulator | undefined;
  try {
    if (args.nodeSim !== "none") {
      const kubeConfig = new k8s.KubeConfig();
      kubeConfig.loadFromFile(cluster.kubeconfigPath);
      const simLogPath = `${cluster.dir}/node-sim.log`;
      sim = await startNodeSimulator({
        kubeConfig,
        mode: args.nodeSim,
        log: createLogger({
          level: "info",
          write: (line) => Deno.writeTextFileSync(simLogPath, line + "\n", { append: true }),
        }),
      });
    }
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  console.log(`KUBECONFIG=${cluster.kubeconfigPath}`);
  if (sim) console.log(`node simulator ready: node ${sim.nodeName} (${args.nodeSim})`);
  console.log("cluster ready");
  log(`try: kubectl --kubeconfig ${cluster.kubeconfigPath} get performers,pods -A`);
  if (sim) log(`node simulator log: ${cluster.dir}/node-sim.log`);

  const reason = await shutdownSignal();
  log(`stopping (${reason})`);
  await sim?.stop();
  await cluster.stop();
  log("stopped");
  Deno.exit(0);
}
