/**
 * The CLI as a user runs it: `dev/node_sim/main.ts --kubeconfig <path>` runs pods until SIGTERM
 * or SIGINT, then exits 0 without leaving a performer process behind.
 */

import * as k8s from "@kubernetes/client-node";
import assert from "node:assert/strict";
import { freshNamespace, testCluster } from "../../tests/fixture/cluster.ts";
import { eventually } from "../../tests/fixture/eventually.ts";
import { alive, condition, containerPid, helloPod, opts } from "./_test_util.ts";
import { parseArgs } from "./main.ts";

const MAIN = new URL("./main.ts", import.meta.url).pathname;

Deno.test("parseArgs reads --flag value and --flag=value, rejects the rest", () => {
  assert.deepEqual(parseArgs(["--kubeconfig", "/k", "--node-name=n"]), {
    kubeconfig: "/k",
    "node-name": "n",
  });
  assert.throws(() => parseArgs(["--bogus", "1"]), /Unknown flag "--bogus"/);
  assert.throws(() => parseArgs(["--kubeconfig"]), /needs a value/);
});

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  Deno.test(`the CLI runs a pod and stops cleanly on ${signal}`, opts, async () => {
    const cluster = await testCluster();
    const core = cluster.kubeConfig.makeApiClient(k8s.CoreV1Api);
    const namespace = await freshNamespace(cluster, "sim-cli");
    const nodeName = `sim-cli-${crypto.randomUUID().slice(0, 8)}`;
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", MAIN, "--kubeconfig", cluster.kubeconfigPath, "--node-name", nodeName],
      stdout: "piped",
      stderr: "null",
    }).spawn();
    try {
      const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
      const { value } = await reader.read();
      reader.releaseLock();
      assert.match(value ?? "", new RegExp(`node simulator ready: node ${nodeName}`));

      await core.createNamespacedPod({ namespace, body: helloPod("p") });
      const pod = await eventually(async () => {
        const p = await core.readNamespacedPod({ name: "p", namespace });
        assert.equal(condition(p, "Ready")?.status, "True", "the pod is not Ready yet");
        return p;
      });
      assert.equal(pod.spec?.nodeName, nodeName);
      const pid = containerPid(pod);

      child.kill(signal);
      const status = await child.status;
      assert.equal(status.code, 0);
      assert.equal(alive(pid), false, "the performer process is gone");
      const node = await core.readNode({ name: nodeName });
      const ready = node.status?.conditions?.find((c) => c.type === "Ready");
      assert.equal(ready?.status, "Unknown", "a stopped simulator's node is no longer Ready");
    } finally {
      try {
        child.kill("SIGKILL");
      } catch { /* already exited */ }
      await child.stdout.cancel().catch(() => {});
      await core.deleteCollectionNamespacedPod({ namespace, gracePeriodSeconds: 0 }).catch(
        () => {},
      );
      await core.deleteNode({ name: nodeName }).catch(() => {});
    }
  });
}
