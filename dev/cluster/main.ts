/**
 * `deno task cluster`: runs the local control plane until SIGINT or SIGTERM.
 *
 * Prints `KUBECONFIG=<path>` on a line of its own, then `cluster ready`.
 * @module
 */

import { shutdownSignal } from "../../shared/runtime/shutdown_signal.ts";
import { startLocalCluster } from "./local_cluster.ts";

const log = (line: string) => console.error(`[cluster] ${line}`);
log("starting etcd and kube-apiserver (the first run builds them from Go modules: minutes)");
const cluster = await startLocalCluster({ log, keepDir: Deno.args.includes("--keep") });
console.log(`KUBECONFIG=${cluster.kubeconfigPath}`);
console.log("cluster ready");
log(`try: kubectl --kubeconfig ${cluster.kubeconfigPath} get performers -A`);

const reason = await shutdownSignal();
log(`stopping (${reason})`);
await cluster.stop();
log("stopped");
Deno.exit(0);
