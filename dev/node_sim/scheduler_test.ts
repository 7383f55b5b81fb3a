/**
 * The node and the scheduler part against the real API server: the Node object, binding,
 * Unschedulable without churn, and images the node cannot "pull".
 */

import * as k8s from "@kubernetes/client-node";
import assert from "node:assert/strict";
import { eventually } from "../../tests/fixture/eventually.ts";
import { condition, opts, readPod, simTest, waitForPod } from "./_test_util.ts";
import { Scheduler } from "./scheduler.ts";

Deno.test("the scheduler part takes pending pods of the default scheduler only", () => {
  const pod = (spec: Partial<k8s.V1PodSpec>, extra: Partial<k8s.V1Pod> = {}): k8s.V1Pod => ({
    metadata: { name: "p" },
    spec: { containers: [], ...spec },
    ...extra,
  });
  assert.equal(Scheduler.wants(pod({})), true);
  assert.equal(Scheduler.wants(pod({ schedulerName: "default-scheduler" })), true);
  assert.equal(Scheduler.wants(pod({ schedulerName: "other" })), false);
  assert.equal(Scheduler.wants(pod({ nodeName: "n" })), false);
  assert.equal(Scheduler.wants(pod({ schedulingGates: [{ name: "wait" }] })), false);
  assert.equal(Scheduler.wants(pod({}, { status: { phase: "Failed" } })), false);
  assert.equal(
    Scheduler.wants(pod({}, { metadata: { name: "p", deletionTimestamp: new Date() } })),
    false,
  );
});

Deno.test("the simulator registers a Ready node without GPUs or TEE labels", opts, async () => {
  const t = await simTest("sim-node");
  try {
    const node = await t.core.readNode({ name: t.sim.nodeName });
    const labels = node.metadata?.labels ?? {};
    assert.equal(labels["kubernetes.io/hostname"], t.sim.nodeName);
    assert.equal(labels["kubernetes.io/os"], "linux");
    assert.equal(labels["kubernetes.io/arch"], "amd64");
    assert.ok(!Object.keys(labels).some((k) => k.includes("feature.node.kubernetes.io")));
    assert.deepEqual(node.spec?.taints, undefined);
    for (const field of ["capacity", "allocatable"] as const) {
      const resources = node.status?.[field] ?? {};
      assert.equal(resources.cpu, "2");
      assert.equal(resources.memory, "8Gi");
      assert.equal(resources.pods, "110");
      assert.equal(resources["nvidia.com/gpu"], undefined);
    }
    assert.equal(node.status?.conditions?.find((c) => c.type === "Ready")?.status, "True");
    assert.deepEqual(
      node.status?.addresses?.find((a) => a.type === "InternalIP")?.address,
      "127.0.0.1",
    );
  } finally {
    await t.cleanup();
  }
});

Deno.test(
  "pods that do not fit are Unschedulable, written once; a matching label admits them",
  opts,
  async () => {
    const t = await simTest("sim-unsched", { resyncMs: 500 });
    try {
      const pod = (
        name: string,
        spec: Partial<k8s.V1PodSpec>,
        resources?: k8s.V1ResourceRequirements,
      ) => ({
        metadata: { name },
        spec: {
          containers: [{ name: "c", image: "hourglass/never-pulled:v1", resources }],
          ...spec,
        },
      });
      const ns = t.namespace;
      await t.core.createNamespacedPod({
        namespace: ns,
        body: pod("selector", { nodeSelector: { "test.hourglass/zone": "a" } }),
      });
      const gpu = { limits: { "nvidia.com/gpu": "1" }, requests: { "nvidia.com/gpu": "1" } };
      await t.core.createNamespacedPod({ namespace: ns, body: pod("gpu", {}, gpu) });
      const unschedulable = (p: k8s.V1Pod) =>
        condition(p, "PodScheduled")?.reason === "Unschedulable";
      const selector = await waitForPod(t, "selector", "Unschedulable", unschedulable);
      const gpuPod = await waitForPod(t, "gpu", "Unschedulable", unschedulable);
      assert.equal(
        condition(selector, "PodScheduled")?.message,
        "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector.",
      );
      assert.equal(
        condition(gpuPod, "PodScheduled")?.message,
        "0/1 nodes are available: 1 Insufficient nvidia.com/gpu.",
      );
      for (const p of [selector, gpuPod]) {
        assert.equal(condition(p, "PodScheduled")?.status, "False");
        assert.equal(p.status?.phase, "Pending");
        assert.equal(p.spec?.nodeName, undefined);
      }

      // Several resyncs later (every 500 ms), nothing was written again.
      await new Promise((r) => setTimeout(r, 3000));
      assert.equal(
        (await readPod(t, "selector"))?.metadata?.resourceVersion,
        selector.metadata?.resourceVersion,
      );
      assert.equal(
        (await readPod(t, "gpu"))?.metadata?.resourceVersion,
        gpuPod.metadata?.resourceVersion,
      );

      await t.core.patchNode(
        { name: t.sim.nodeName, body: { metadata: { labels: { "test.hourglass/zone": "a" } } } },
        k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch),
      );
      const bound = await waitForPod(
        t,
        "selector",
        "bound after the node got the label",
        (p) => p.spec?.nodeName === t.sim.nodeName,
      );
      assert.equal(condition(bound, "PodScheduled")?.status, "True");
      assert.equal((await readPod(t, "gpu"))?.spec?.nodeName, undefined, "still no GPU");
    } finally {
      await t.cleanup();
    }
  },
);

Deno.test(
  "an unknown image is ErrImagePull, then ImagePullBackOff naming it, never Running",
  opts,
  async () => {
    const t = await simTest("sim-pull");
    try {
      const image = "registry.example/acme/unknown:v9";
      await t.core.createNamespacedPod({
        namespace: t.namespace,
        body: { metadata: { name: "p" }, spec: { containers: [{ name: "performer", image }] } },
      });
      const reasons = new Set<string>();
      const phases = new Set<string>();
      const deadline = Date.now() + 5000;
      let backoffMessage = "";
      while (Date.now() < deadline || !reasons.has("ImagePullBackOff")) {
        const pod = await readPod(t, "p");
        const waiting = pod?.status?.containerStatuses?.[0]?.state?.waiting;
        if (waiting?.reason) reasons.add(waiting.reason);
        if (waiting?.reason === "ImagePullBackOff") backoffMessage = waiting.message ?? "";
        if (pod?.status?.phase) phases.add(pod.status.phase);
        assert.notEqual(condition(pod!, "Ready")?.status, "True");
        if (Date.now() > deadline + 20_000) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.ok(reasons.has("ErrImagePull"), `saw ${[...reasons]}`);
      assert.ok(reasons.has("ImagePullBackOff"), `saw ${[...reasons]}`);
      assert.equal(backoffMessage, `Back-off pulling image "${image}"`);
      assert.deepEqual([...phases], ["Pending"]);
      await eventually(async () => {
        const pod = await readPod(t, "p");
        const running = pod?.status?.containerStatuses?.[0]?.state?.running;
        assert.equal(running, undefined, "a container status claims to run");
      });
    } finally {
      await t.cleanup();
    }
  },
);
