/**
 * The local control plane as its users meet it: `deno task cluster` prints a kubeconfig that
 * kubectl can use and stops without leaving processes behind; RBAC and service-account tokens
 * behave as on a real cluster.
 */

import * as k8s from "@kubernetes/client-node";
import assert from "node:assert/strict";
import { freshNamespace, kubectl, KubectlError, testCluster } from "./fixture/cluster.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const CLUSTER_MAIN = new URL("../dev/cluster/main.ts", import.meta.url).pathname;

/** Starts `dev/cluster/main.ts` and reads stdout until `cluster ready`. */
async function startClusterCommand(args: string[] = []) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLUSTER_MAIN, ...args],
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const lines: string[] = [];
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  while (!lines.includes("cluster ready")) {
    const { value, done } = await reader.read();
    if (done) break;
    buffered += value;
    const parts = buffered.split("\n");
    buffered = parts.pop()!;
    lines.push(...parts);
  }
  reader.releaseLock();
  return { child, lines };
}

function alive(pid: number): boolean {
  try {
    Deno.statSync(`/proc/${pid}`);
    return !Deno.readTextFileSync(`/proc/${pid}/stat`).split(" ")[2].startsWith("Z");
  } catch {
    return false;
  }
}

for (
  const [signal, args] of [["SIGINT", []], ["SIGTERM", ["--node-sim=none"]]] as const
) {
  Deno.test(
    `deno task cluster ${args.join(" ")} prints its kubeconfig and stops cleanly on ${signal}`,
    opts,
    async () => {
      const cluster = await testCluster();
      const { child, lines } = await startClusterCommand([...args]);
      // The node simulator runs unless --node-sim=none, so applied Performers get running pods.
      const simulated = args.length === 0;
      assert.equal(
        lines.includes("node simulator ready: node hourglass-sim-node (process)"),
        simulated,
        lines.join(" | "),
      );
      const kubeconfigLine = lines.find((l) => l.startsWith("KUBECONFIG="));
      assert.ok(kubeconfigLine, `a KUBECONFIG=<path> line, got: ${lines.join(" | ")}`);
      assert.ok(lines.includes("cluster ready"));
      const kubeconfig = kubeconfigLine.slice("KUBECONFIG=".length);
      const dir = kubeconfig.slice(0, kubeconfig.lastIndexOf("/"));
      const { pids } = JSON.parse(await Deno.readTextFile(`${dir}/owner.json`));
      assert.equal(pids.length, 2, "etcd and kube-apiserver");

      const out = await new Deno.Command(cluster.kubectl, {
        args: ["--kubeconfig", kubeconfig, "get", "performers", "-A"],
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.ok(out.success, new TextDecoder().decode(out.stderr));
      assert.match(new TextDecoder().decode(out.stderr), /No resources found/);
      const nodes = await new Deno.Command(cluster.kubectl, {
        args: ["--kubeconfig", kubeconfig, "get", "nodes", "-o", "name"],
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.equal(
        new TextDecoder().decode(nodes.stdout).trim(),
        simulated ? "node/hourglass-sim-node" : "",
      );

      child.kill(signal);
      const status = await child.status;
      await child.stdout.cancel().catch(() => {});
      assert.equal(status.code, 0);
      for (const pid of pids) assert.equal(alive(pid), false, `process ${pid} is gone`);
      await assert.rejects(
        Deno.stat(dir),
        Deno.errors.NotFound,
        "the cluster directory is removed",
      );
    },
  );
}

Deno.test("RBAC is enforced and service-account tokens authenticate", opts, async () => {
  const cluster = await testCluster();
  const ns = await freshNamespace(cluster, "rbac");
  await kubectl(cluster, ["-n", ns, "create", "serviceaccount", "reader"]);
  const token = (await kubectl(cluster, ["-n", ns, "create", "token", "reader"])).trim();
  const asReader = ["--token", token, "--user", ""];
  const listAsReader = () =>
    kubectl(cluster, ["-n", ns, "get", "performers", ...asReader]).catch((err) => {
      if (err instanceof KubectlError) return `ERROR ${err.stderr}`;
      throw err;
    });

  const denied = await listAsReader();
  assert.match(denied, /Forbidden/);
  assert.match(denied, new RegExp(`system:serviceaccount:${ns}:reader`), "the token names its SA");

  await kubectl(cluster, [
    "-n",
    ns,
    "create",
    "role",
    "performer-reader",
    "--verb=get,list,watch",
    "--resource=performers.hourglass.eigenlayer.io",
  ]);
  await kubectl(cluster, [
    "-n",
    ns,
    "create",
    "rolebinding",
    "performer-reader",
    "--role=performer-reader",
    `--serviceaccount=${ns}:reader`,
  ]);
  const allowed = await listAsReader();
  assert.doesNotMatch(allowed, /ERROR/);

  // The grant is namespaced: other namespaces stay closed.
  const core = cluster.kubeConfig.makeApiClient(k8s.CoreV1Api);
  const other = await freshNamespace(cluster, "rbac");
  assert.ok((await core.readNamespace({ name: other })).metadata?.name === other);
  assert.match(
    await kubectl(cluster, ["-n", other, "get", "performers", ...asReader]).catch((e) => e.stderr),
    /Forbidden/,
  );
});
