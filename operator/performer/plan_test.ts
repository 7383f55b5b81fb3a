import type * as k8s from "@kubernetes/client-node";
import assert from "node:assert/strict";
import { buildPod, buildService } from "./builders.ts";
import { performerWith } from "./_test_util.ts";
import { LABEL } from "./labels.ts";
import type { PerformerObject } from "./performer_object.ts";
import {
  type ChildAction,
  hasOrphans,
  type Observed,
  planDeletion,
  planOrphans,
  planReconcile,
  STATUS_GRACE_MS,
  statusChanged,
  SWITCH_SETTLE_MS,
} from "./plan.ts";

const NOW = new Date("2026-11-26T10:00:00Z");
const LATER = new Date("2026-11-26T10:05:00Z");

type PodState = "ready" | "starting" | "pull-error" | "crash-loop" | "unschedulable";

/** The pod the operator would create for `performer`, in the given state. */
function podOf(performer: PerformerObject, state: PodState, uid = "pod-uid"): k8s.V1Pod {
  const { pod } = buildPod(performer);
  const conditions: k8s.V1PodCondition[] = [];
  let containerStatuses: k8s.V1ContainerStatus[] | undefined;
  if (state === "ready") conditions.push({ type: "Ready", status: "True" });
  if (state === "unschedulable") {
    conditions.push({
      type: "PodScheduled",
      status: "False",
      reason: "Unschedulable",
      message: "0/1 nodes",
    });
  }
  if (state === "pull-error" || state === "crash-loop") {
    containerStatuses = [{
      name: "performer",
      image: performer.spec.image,
      imageID: "",
      ready: false,
      restartCount: state === "crash-loop" ? 4 : 0,
      state: {
        waiting: { reason: state === "pull-error" ? "ImagePullBackOff" : "CrashLoopBackOff" },
      },
    }];
  }
  return {
    ...pod,
    metadata: { ...pod.metadata, uid },
    status: { phase: state === "ready" ? "Running" : "Pending", conditions, containerStatuses },
  };
}

function serviceFor(performer: PerformerObject, pod: k8s.V1Pod, port = 9090): k8s.V1Service {
  return buildService(performer, pod.metadata!.labels![LABEL.revision], port);
}

function kinds(actions: ChildAction[]): string[] {
  return actions.map((a) =>
    a.kind === "deletePod" || a.kind === "patchService" ? `${a.kind}:${a.name}` : a.kind
  );
}

function condition(plan: ReturnType<typeof planReconcile>, type: string) {
  return plan.status.conditions?.find((c) => c.type === type);
}

Deno.test("a new Performer gets a pod and a Service, and reports Pending", () => {
  const performer = performerWith();
  const plan = planReconcile(performer, { pods: [] }, NOW);
  assert.deepEqual(kinds(plan.actions), ["createPod", "createService"]);
  assert.equal(plan.status.phase, "Pending");
  assert.equal(plan.status.ready, false);
  assert.equal(plan.status.grpcEndpoint, "performer-hello.avs.svc.cluster.local:9090");
  assert.equal(plan.status.observedGeneration, 1);
  assert.equal(condition(plan, "Progressing")?.reason, "PodStarting");
});

Deno.test("a Ready pod makes the Performer Running; planning again changes nothing", () => {
  const performer = performerWith();
  const pod = podOf(performer, "ready");
  const observed = { pods: [pod], service: serviceFor(performer, pod) };
  const plan = planReconcile(performer, observed, NOW);
  assert.deepEqual(plan.actions, []);
  assert.equal(plan.status.phase, "Running");
  assert.equal(plan.status.ready, true);
  assert.equal(plan.status.readyTime, "2026-11-26T10:00:00Z");
  assert.equal(plan.status.podName, pod.metadata?.name);
  assert.equal(condition(plan, "Available")?.status, "True");
  assert.equal(condition(plan, "Degraded")?.status, "False");

  const again = planReconcile({ ...performer, status: plan.status }, observed, LATER);
  assert.deepEqual(again.actions, []);
  assert.equal(statusChanged(plan.status, again.status), false, "steady state: no status write");
  assert.deepEqual(again.events, []);
});

Deno.test("an image change starts a new pod while the Service keeps selecting the old one", () => {
  const v1 = performerWith();
  const oldPod = podOf(v1, "ready", "old");
  const v2 = {
    ...performerWith({ image: "hourglass/hello-performer:v2" }),
    status: { ready: true },
  };
  const plan = planReconcile(v2, { pods: [oldPod], service: serviceFor(v1, oldPod) }, NOW);
  assert.deepEqual(kinds(plan.actions), ["createPod"]);
  assert.equal(plan.status.phase, "Upgrading");
  assert.equal(plan.status.ready, true, "the old pod still serves");
  assert.equal(plan.status.podName, oldPod.metadata?.name);
  assert.equal(condition(plan, "Progressing")?.reason, "Upgrading");
  assert.ok(plan.events.some((e) => e.reason === "Upgrading"));
  // Upgrading is written only if the new pod is not Ready within the grace period.
  assert.equal(plan.statusDelayMs, STATUS_GRACE_MS);
  const newPod = podOf(v2, "starting", "new");
  newPod.metadata!.creationTimestamp = NOW;
  const observed = { pods: [oldPod, newPod], service: serviceFor(v1, oldPod) };
  const late = planReconcile(v2, observed, new Date(NOW.getTime() + 2500));
  assert.equal(late.status.phase, "Upgrading");
  assert.equal(late.statusDelayMs, undefined);
  const written = { ...v2, status: late.status };
  assert.equal(planReconcile(written, observed, NOW).statusDelayMs, undefined);
});

Deno.test("when the new pod is Ready the Service switches, and the old pod goes a moment later", () => {
  const v1 = performerWith();
  const v2 = performerWith({ image: "hourglass/hello-performer:v2" });
  const oldPod = podOf(v1, "ready", "old");
  const newPod = podOf(v2, "ready", "new");
  const plan = planReconcile(v2, { pods: [oldPod, newPod], service: serviceFor(v1, oldPod) }, NOW);
  assert.deepEqual(kinds(plan.actions), ["patchService:performer-hello"]);
  const patch =
    (plan.actions[0] as { patch: { spec: { selector: Record<string, string> } } }).patch;
  assert.equal(patch.spec.selector[LABEL.revision], newPod.metadata?.labels?.[LABEL.revision]);
  assert.equal(plan.status.phase, "Running");
  assert.equal(plan.status.lastUpgrade, "2026-11-26T10:00:00Z");
  assert.equal(plan.status.podName, newPod.metadata?.name);
  assert.ok(plan.events.some((e) => e.reason === "Upgraded"));
  // The old pod is held while the switch settles, and the reconcile looks again after it.
  assert.equal(plan.requeueAfterMs, SWITCH_SETTLE_MS);

  const switched = { ...v2, status: plan.status };
  const observed = { pods: [oldPod, newPod], service: serviceFor(v2, newPod) };
  const soon = planReconcile(switched, observed, new Date(NOW.getTime() + 500));
  assert.deepEqual(kinds(soon.actions), [], "still held half a second after the switch");
  assert.ok(soon.requeueAfterMs! > 0 && soon.requeueAfterMs! <= 1500);
  assert.equal(statusChanged(switched.status, soon.status), false, "no status write meanwhile");
  const after = planReconcile(switched, observed, new Date(NOW.getTime() + 2000));
  assert.deepEqual(kinds(after.actions), [`deletePod:${oldPod.metadata?.name}`]);
  assert.equal(after.requeueAfterMs, undefined);
});

Deno.test("a new Performer's first status waits for its pod, up to the grace period", () => {
  const performer = performerWith();
  const first = planReconcile(performer, { pods: [] }, NOW);
  assert.equal(first.status.phase, "Pending");
  assert.equal(first.statusDelayMs, STATUS_GRACE_MS, "the pod is being created now");

  const starting = podOf(performer, "starting");
  starting.metadata!.creationTimestamp = NOW;
  const service = serviceFor(performer, starting);
  const soon = planReconcile(
    performer,
    { pods: [starting], service },
    new Date(NOW.getTime() + 500),
  );
  assert.equal(soon.statusDelayMs, STATUS_GRACE_MS - 500);
  const late = planReconcile(
    performer,
    { pods: [starting], service },
    new Date(NOW.getTime() + 2500),
  );
  assert.equal(late.statusDelayMs, undefined, "a slow pod: Pending is written after the grace");

  const ready = podOf(performer, "ready");
  const running = planReconcile(performer, { pods: [ready], service }, NOW);
  assert.equal(running.statusDelayMs, undefined, "Ready is written at once");
  const failing = planReconcile(
    performer,
    { pods: [podOf(performer, "pull-error")], service },
    NOW,
  );
  assert.equal(failing.statusDelayMs, undefined, "a failure is written at once");
  const written = { ...performer, status: first.status };
  assert.equal(planReconcile(written, { pods: [starting], service }, NOW).statusDelayMs, undefined);
});

Deno.test("one event per creation: CreatingPod, no Ready event for the first Ready", () => {
  const performer = performerWith();
  const created = planReconcile(performer, { pods: [] }, NOW);
  assert.deepEqual(created.events.map((e) => e.reason), ["CreatingPod"]);
  const pod = podOf(performer, "ready");
  const ready = planReconcile(performer, { pods: [pod], service: serviceFor(performer, pod) }, NOW);
  assert.deepEqual(ready.events, []);
  // Ready again after a reported failure is worth telling.
  const broken = podOf(performer, "crash-loop");
  const degraded = planReconcile(performer, {
    pods: [broken],
    service: serviceFor(performer, pod),
  }, NOW);
  const recovered = planReconcile({ ...performer, status: degraded.status }, {
    pods: [pod],
    service: serviceFor(performer, pod),
  }, LATER);
  assert.deepEqual(recovered.events.map((e) => e.reason), ["Ready"]);
});

Deno.test("children of a gone Performer are orphans; the live one's are not", () => {
  const old = performerWith({}, "hello");
  const oldPod = podOf(old, "ready", "old-pod");
  const observed = { pods: [oldPod], service: serviceFor(old, oldPod) };
  assert.deepEqual(kinds(planOrphans(observed, undefined).actions), [
    `deletePod:${oldPod.metadata?.name}`,
    "deleteService",
  ]);
  assert.deepEqual(planOrphans(observed, "uid-1").actions, [], "uid-1 is alive");
  assert.equal(hasOrphans(observed, "uid-1"), false);
  assert.equal(hasOrphans(observed, "uid-2"), true, "a new Performer of the same name");
  const terminating = {
    ...oldPod,
    metadata: { ...oldPod.metadata, deletionTimestamp: NOW },
  };
  const gone = planOrphans({ pods: [terminating] }, undefined);
  assert.deepEqual(gone.actions, [], "a terminating pod is not deleted twice");
  assert.equal(gone.remaining, 1);
  // A pod no Performer controls (e.g. made by hand with the labels) is left alone.
  const stray = { ...oldPod, metadata: { ...oldPod.metadata, ownerReferences: [] } };
  assert.deepEqual(planOrphans({ pods: [stray] }, undefined).actions, []);
});

for (const state of ["pull-error", "crash-loop", "unschedulable"] as const) {
  Deno.test(`a new revision stuck in ${state} leaves the old pod serving and reports Degraded`, () => {
    const v1 = performerWith();
    const v2 = performerWith({ image: "hourglass/hello-performer:v2" });
    const oldPod = podOf(v1, "ready", "old");
    const plan = planReconcile(v2, {
      pods: [oldPod, podOf(v2, state, "new")],
      service: serviceFor(v1, oldPod),
    }, NOW);
    assert.deepEqual(
      plan.actions,
      [],
      "the old pod is not deleted, the broken one is not recreated",
    );
    assert.equal(plan.status.ready, true);
    assert.equal(plan.status.phase, "Running");
    const degraded = condition(plan, "Degraded");
    const reason = {
      "pull-error": "ImagePullFailed",
      "crash-loop": "CrashLooping",
      unschedulable: "Unschedulable",
    }[
      state
    ];
    assert.equal(degraded?.status, "True");
    assert.equal(degraded?.reason, reason);
    assert.ok(plan.events.some((e) => e.type === "Warning" && e.reason === reason));
  });
}

Deno.test("an unschedulable pod is reported, not recreated, and the status settles", () => {
  const performer = performerWith({ hardwareRequirements: { gpuCount: 2 } });
  const pod = podOf(performer, "unschedulable");
  const observed: Observed = { pods: [pod], service: serviceFor(performer, pod) };
  const first = planReconcile(performer, observed, NOW);
  assert.deepEqual(first.actions, []);
  assert.equal(first.status.phase, "Pending");
  assert.equal(condition(first, "Degraded")?.reason, "Unschedulable");
  const second = planReconcile({ ...performer, status: first.status }, observed, LATER);
  assert.deepEqual(second.actions, []);
  assert.equal(statusChanged(first.status, second.status), false);
  assert.deepEqual(second.events, [], "no repeated warning");
});

Deno.test("a failing first pod without anything serving reports Failed", () => {
  const performer = performerWith({ image: "nowhere/missing:v1" });
  const pod = podOf(performer, "pull-error");
  const plan = planReconcile(performer, { pods: [pod], service: serviceFor(performer, pod) }, NOW);
  assert.equal(plan.status.phase, "Failed");
  assert.equal(plan.status.ready, false);
  assert.equal(condition(plan, "Available")?.reason, "ImagePullFailed");
});

Deno.test("a deleted pod is replaced, and ready/readyTime are reset meanwhile", () => {
  const performer = performerWith();
  const pod = podOf(performer, "ready");
  const service = serviceFor(performer, pod);
  const running = planReconcile(performer, { pods: [pod], service }, NOW).status;
  const plan = planReconcile({ ...performer, status: running }, { pods: [], service }, LATER);
  assert.deepEqual(kinds(plan.actions), ["createPod"]);
  assert.equal(plan.status.ready, false);
  assert.equal(plan.status.readyTime, undefined);
  assert.equal(plan.status.phase, "Pending");
});

Deno.test("a port change keeps the Service on the old port until the switch", () => {
  const v1 = performerWith();
  const v2 = performerWith({ config: { grpcPort: 9191 } });
  const oldPod = podOf(v1, "ready", "old");
  const during = planReconcile(v2, {
    pods: [oldPod, podOf(v2, "starting", "new")],
    service: serviceFor(v1, oldPod),
  }, NOW);
  assert.deepEqual(during.actions, []);
  assert.equal(during.status.grpcEndpoint, "performer-hello.avs.svc.cluster.local:9090");
  const after = planReconcile(v2, {
    pods: [oldPod, podOf(v2, "ready", "new")],
    service: serviceFor(v1, oldPod),
  }, NOW);
  const patch = (after.actions[0] as { patch: { spec: { ports: k8s.V1ServicePort[] } } }).patch;
  assert.equal(patch.spec.ports[0].port, 9191);
  assert.equal(after.status.grpcEndpoint, "performer-hello.avs.svc.cluster.local:9191");
});

Deno.test("a superseded broken revision is deleted; the serving one is kept", () => {
  const v1 = performerWith();
  const broken = performerWith({ image: "nowhere/missing:v2" });
  const v3 = performerWith({ image: "hourglass/hello-performer:v3" });
  const oldPod = podOf(v1, "ready", "old");
  const brokenPod = podOf(broken, "pull-error", "broken");
  const plan = planReconcile(
    v3,
    { pods: [oldPod, brokenPod], service: serviceFor(v1, oldPod) },
    NOW,
  );
  assert.deepEqual(kinds(plan.actions), ["createPod", `deletePod:${brokenPod.metadata?.name}`]);
});

Deno.test("pods owned by another Performer or terminating are left alone", () => {
  const performer = performerWith();
  const pod = podOf(performer, "ready");
  const foreign = {
    ...podOf(performerWith({ image: "x:1" }), "ready", "f"),
    metadata: { ...pod.metadata, name: "other", ownerReferences: [] },
  };
  const plan = planReconcile(performer, {
    pods: [pod, foreign],
    service: serviceFor(performer, pod),
  }, NOW);
  assert.deepEqual(plan.actions, []);
});

Deno.test("a Service of the same name that we do not own is reported, not taken over", () => {
  const performer = performerWith();
  const pod = podOf(performer, "ready");
  const service = {
    ...serviceFor(performer, pod),
    metadata: { name: "performer-hello", namespace: "avs" },
  };
  const plan = planReconcile(performer, { pods: [pod], service }, NOW);
  assert.ok(!plan.actions.some((a) => a.kind.includes("Service")));
  assert.equal(condition(plan, "Degraded")?.reason, "ServiceConflict");
});

Deno.test("deletion deletes every owned child and counts what remains", () => {
  const performer = performerWith();
  const pod = podOf(performer, "ready");
  const service = serviceFor(performer, pod);
  const plan = planDeletion(performer.metadata.uid, { pods: [pod], service });
  assert.deepEqual(plan.actions.map((a) => a.kind), ["deletePod", "deleteService"]);
  assert.equal(plan.remaining, 2);
  assert.equal(planDeletion(performer.metadata.uid, { pods: [] }).remaining, 0);
});
