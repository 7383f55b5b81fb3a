import type * as k8s from "@kubernetes/client-node";
import assert from "node:assert/strict";
import { silentLog } from "./log.ts";
import { computeStatus } from "./pod_status.ts";
import { PodWorker, type PodWorkerContext } from "./pod_worker.ts";
import { buildNode, NODE_CAPACITY, STATUS_ONLY_CAPACITY } from "./node.ts";

const pod: k8s.V1Pod = {
  metadata: { name: "p", namespace: "ns", uid: "u1" },
  spec: {
    containers: [{ name: "performer", image: "no.such/image:v9" }],
    restartPolicy: "Always",
  },
};

function context(statusOnly: boolean): PodWorkerContext {
  return {
    hostIP: "127.0.0.1",
    images: new Map(),
    repoRoot: "/nonexistent",
    configSource: {
      secret: () => Promise.resolve(undefined),
      configMap: () => Promise.resolve(undefined),
    },
    backoffBaseMs: 10,
    logDir: "/nonexistent/logs",
    log: silentLog,
    statusOnly,
  };
}

Deno.test("status-only: every container Running and Ready at once, any image, no process", async () => {
  const worker = new PodWorker(pod, "127.0.9.9", context(true), () => {});
  await worker.start(); // no log directory, no process: it would fail otherwise
  const snap = worker.snapshot();
  assert.equal(snap.containers.length, 1);
  const [c] = snap.containers;
  assert.equal(c.name, "performer");
  assert.equal(c.image, "no.such/image:v9");
  assert.ok(c.ready && c.started);
  assert.ok(c.state.running);
  assert.equal(c.restartCount, 0);
  const status = computeStatus(pod, snap, [], "2026-01-01T00:00:00Z");
  assert.equal(status.phase, "Running");
  assert.equal(status.conditions.find((x) => x.type === "Ready")?.status, "True");
  assert.equal(status.podIP, "127.0.9.9");
  await worker.stop(0);
});

Deno.test("status-only nodes are large; the default node keeps its small capacity", () => {
  assert.deepEqual(buildNode("n").status?.capacity, NODE_CAPACITY);
  const big = buildNode("n", new Date(), STATUS_ONLY_CAPACITY).status;
  assert.equal(big?.capacity?.pods, "20000");
  assert.deepEqual(big?.allocatable, big?.capacity);
});
