import type * as k8s from "@kubernetes/client-node";
import assert from "node:assert/strict";
import { computeStatus, podPhase, sameStatus, statusPatch } from "./pod_status.ts";
import type { ContainerStatusJson } from "./status_types.ts";

const T0 = "2026-01-01T00:00:00Z";
const T1 = "2026-01-01T00:01:00Z";

function container(state: ContainerStatusJson["state"], extra: Partial<ContainerStatusJson> = {}) {
  return {
    name: "performer",
    image: "hourglass/hello-performer:v1",
    imageID: "",
    ready: false,
    started: false,
    restartCount: 0,
    state,
    lastState: {},
    ...extra,
  };
}
const running = { running: { startedAt: T0 } };
const exited = (exitCode: number) => ({
  terminated: {
    exitCode,
    reason: exitCode ? "Error" : "Completed",
    startedAt: T0,
    finishedAt: T1,
    containerID: "sim://1",
  },
});
const pod: k8s.V1Pod = { metadata: { name: "p", namespace: "ns" }, spec: { containers: [] } };
const snap = (containers: ContainerStatusJson[]) => ({
  podIP: "127.0.1.2",
  hostIP: "127.0.0.1",
  startTime: T0,
  containers,
});

Deno.test("phase follows the kubelet's rules for each restart policy", () => {
  const waiting = container({ waiting: { reason: "ErrImagePull" } });
  const crashLooping = container({ waiting: { reason: "CrashLoopBackOff" } }, {
    lastState: exited(1),
  });
  assert.equal(podPhase("Always", [waiting]), "Pending");
  assert.equal(podPhase("Always", [container(running)]), "Running");
  assert.equal(podPhase("Always", [crashLooping]), "Running");
  assert.equal(podPhase("Never", [container(exited(0))]), "Succeeded");
  assert.equal(podPhase("Never", [container(exited(2))]), "Failed");
  assert.equal(podPhase("OnFailure", [container(exited(0))]), "Succeeded");
  assert.equal(podPhase("OnFailure", [crashLooping]), "Running");
});

Deno.test("conditions follow readiness; transition times move only on transitions", () => {
  const unready = computeStatus(pod, snap([container(running)]), [], T0);
  const ready = unready.conditions.find((c) => c.type === "Ready")!;
  assert.equal(ready.status, "False");
  assert.equal(ready.reason, "ContainersNotReady");
  assert.equal(ready.message, "containers with unready status: [performer]");

  const later = computeStatus(
    pod,
    snap([container(running, { ready: true, started: true })]),
    unready.conditions,
    T1,
  );
  const byType = Object.fromEntries(later.conditions.map((c) => [c.type, c]));
  assert.equal(byType.Ready.status, "True");
  assert.equal(byType.Ready.lastTransitionTime, T1);
  assert.equal(byType.ContainersReady.lastTransitionTime, T1);
  assert.equal(byType.Initialized.lastTransitionTime, T0, "unchanged condition keeps its time");
  assert.equal(later.phase, "Running");
  assert.equal(later.podIP, "127.0.1.2");
  assert.ok(!sameStatus(unready, later));
  assert.ok(
    sameStatus(
      later,
      computeStatus(
        pod,
        snap([container(running, { ready: true, started: true })]),
        later.conditions,
        "2030-01-01T00:00:00Z",
      ),
    ),
  );
});

Deno.test("readiness gates hold Ready until their condition is True", () => {
  const gated: k8s.V1Pod = {
    ...pod,
    spec: { containers: [], readinessGates: [{ conditionType: "example.com/ok" }] },
  };
  const status = computeStatus(
    gated,
    snap([container(running, { ready: true, started: true })]),
    [],
    T0,
  );
  const ready = status.conditions.find((c) => c.type === "Ready")!;
  assert.equal(ready.status, "False");
  assert.equal(ready.reason, "ReadinessGatesNotReady");
  assert.equal(status.conditions.find((c) => c.type === "ContainersReady")?.status, "True");
});

Deno.test("the patch clears stale reasons and other container states", () => {
  const status = computeStatus(
    pod,
    snap([container(running, { ready: true, started: true })]),
    [],
    T0,
  );
  const patch = statusPatch(status).status as {
    conditions: Record<string, unknown>[];
    containerStatuses: { state: Record<string, unknown> }[];
  };
  const ready = patch.conditions.find((c) => c.type === "Ready")!;
  assert.equal(ready.reason, null);
  assert.equal(ready.message, null);
  assert.deepEqual(patch.containerStatuses[0].state, {
    waiting: null,
    terminated: null,
    running: { startedAt: T0 },
  });
});
