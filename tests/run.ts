/**
 * `deno task test [deno test args…]`: starts the local control plane once, runs `deno test`
 * with its kubeconfig, stops it, and ends with the line CI reads: `tests: N passed, N failed`.
 * @module
 */

import { startLocalCluster } from "../dev/cluster/local_cluster.ts";
import { shutdownSignal } from "../shared/runtime/shutdown_signal.ts";
import { CLUSTER_ENV } from "./fixture/cluster.ts";

const log = (line: string) => console.error(`[test] ${line}`);
const started = Date.now();
log("starting the local control plane (the first run builds etcd and kube-apiserver: minutes)");
const cluster = await startLocalCluster({ log });
log(`control plane ready in ${seconds(started)} s`);
// Interrupted: stop the control plane rather than leave it to the next run's reaper.
shutdownSignal().then(async (reason) => {
  log(`interrupted (${reason}): stopping the control plane`);
  await cluster.stop();
  Deno.exit(130);
});

let code = 1;
let summary = { passed: 0, failed: 0, ignored: 0 };
try {
  const result = await runDenoTest(Deno.args, {
    [CLUSTER_ENV.kubeconfig]: cluster.kubeconfigPath,
    [CLUSTER_ENV.auditLog]: cluster.auditLogPath,
    [CLUSTER_ENV.etcd]: cluster.etcdEndpoint,
  });
  code = result.code;
  summary = result.summary;
} finally {
  await cluster.stop();
}
if (code !== 0 && summary.failed === 0) summary.failed = 1; // e.g. a type error before any test
log(`finished in ${seconds(started)} s`);
const ignored = summary.ignored > 0 ? `, ${summary.ignored} skipped` : "";
console.log(`tests: ${summary.passed} passed, ${summary.failed} failed${ignored}`);
Deno.exit(code);

/** Runs deno test, echoing its output and reading its closing summary line. */
async function runDenoTest(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; summary: typeof summary }> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["test", "-A", "--unstable-kv", ...args],
    env: { ...env, NO_COLOR: "1" },
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const found = { passed: 0, failed: 0, ignored: 0 };
  let buffered = "";
  const decoder = new TextDecoder();
  for await (const chunk of child.stdout) {
    await Deno.stdout.write(chunk);
    buffered += decoder.decode(chunk, { stream: true });
    const lines = buffered.split("\n");
    buffered = lines.pop() ?? "";
    for (const line of lines) readSummary(line, found);
  }
  readSummary(buffered, found);
  const status = await child.status;
  return { code: status.code, summary: found };
}

/** Reads `ok | 12 passed (3 steps) | 0 failed | 1 ignored (2s)` into `found`. */
function readSummary(line: string, found: typeof summary): void {
  if (!/^(ok|FAILED) \| \d+ passed/.test(line)) return;
  found.passed = Number(/(\d+) passed/.exec(line)?.[1] ?? 0);
  found.failed = Number(/(\d+) failed/.exec(line)?.[1] ?? 0);
  found.ignored = Number(/(\d+) ignored/.exec(line)?.[1] ?? 0);
}

function seconds(since: number): number {
  return Math.round((Date.now() - since) / 1000);
}
