import type * as k8s from "@kubernetes/client-node";
import assert from "node:assert/strict";
import { buildPod, buildService } from "./builders.ts";
import { performerWith } from "./_test_util.ts";
import { projectPerformer, projectPod, projectService } from "./cache_projection.ts";
import { LABEL } from "./labels.ts";
import type { PerformerObject } from "./performer_object.ts";
import { planReconcile } from "./plan.ts";

const NOW = new Date("2026-11-26T10:00:00Z");

/** A pod as the API server returns it: the built one plus what the server and kubelet add. */
function serverPod(performer: PerformerObject, status: k8s.V1PodStatus, uid: string): k8s.V1Pod {
  const { pod } = buildPod(performer);
  return {
    ...pod,
    metadata: {
      ...pod.metadata,
      uid,
      resourceVersion: "42",
      creationTimestamp: new Date("2026-11-26T09:59:59Z"),
      managedFields: [{ manager: "hourglass-operator", operation: "Update", fieldsV1: {} }],
      annotations: { "kubectl.kubernetes.io/last-applied-configuration": "x".repeat(2000) },
    },
    spec: {
      ...pod.spec!,
      nodeName: "node-1",
      volumes: [{ name: "kube-api-access", projected: { sources: [] } }],
    },
    status: { hostIP: "10.0.0.1", podIP: "10.1.0.7", startTime: NOW, ...status },
  };
}

const STATES: Record<string, k8s.V1PodStatus> = {
  ready: {
    phase: "Running",
    conditions: [{ type: "Ready", status: "True", lastTransitionTime: NOW }],
  },
  starting: { phase: "Pending", conditions: [{ type: "Ready", status: "False" }] },
  "pull-error": {
    phase: "Pending",
    containerStatuses: [{
      name: "performer",
      image: "hourglass/hello-performer:v2",
      imageID: "",
      ready: false,
      restartCount: 0,
      state: { waiting: { reason: "ImagePullBackOff", message: "back-off pulling" } },
    }],
  },
  "crash-loop": {
    phase: "Running",
    containerStatuses: [{
      name: "performer",
      image: "hourglass/hello-performer:v2",
      imageID: "",
      ready: false,
      restartCount: 5,
      state: { waiting: { reason: "CrashLoopBackOff" } },
      lastState: { terminated: { exitCode: 3, startedAt: NOW, finishedAt: NOW } },
    }],
  },
  unschedulable: {
    phase: "Pending",
    conditions: [{
      type: "PodScheduled",
      status: "False",
      reason: "Unschedulable",
      message: "0/1 nodes",
    }],
  },
  failed: { phase: "Failed", reason: "Evicted" },
};

for (const [name, state] of Object.entries(STATES)) {
  Deno.test(`the planner decides the same on projected objects: new revision ${name}`, () => {
    const v1 = performerWith();
    const v2 = performerWith({ image: "hourglass/hello-performer:v2" });
    const oldPod = serverPod(v1, STATES.ready, "old");
    const newPod = serverPod(v2, state, "new");
    const service: k8s.V1Service = {
      ...buildService(v1, oldPod.metadata!.labels![LABEL.revision], 9090),
      spec: {
        ...buildService(v1, oldPod.metadata!.labels![LABEL.revision], 9090).spec,
        clusterIP: "10.96.0.10",
        clusterIPs: ["10.96.0.10"],
        sessionAffinity: "None",
      },
    };
    const full = planReconcile(v2, { pods: [oldPod, newPod], service }, NOW);
    const projected = planReconcile(v2, {
      pods: [projectPod(oldPod), projectPod(newPod)],
      service: projectService(service),
    }, NOW);
    assert.deepEqual(projected, full);
  });
}

Deno.test("projections drop what nobody reads and keep identity and ordering", () => {
  const pod = projectPod(serverPod(performerWith(), STATES.ready, "p"));
  assert.equal(pod.metadata?.managedFields, undefined);
  assert.equal(pod.metadata?.annotations, undefined);
  assert.equal(pod.spec?.volumes, undefined);
  assert.equal(pod.spec?.containers[0].env, undefined);
  assert.equal(pod.metadata?.resourceVersion, "42");
  assert.equal(pod.metadata?.uid, "p");
  const performer = projectPerformer({
    apiVersion: "hourglass.eigenlayer.io/v1alpha1",
    kind: "Performer",
    metadata: {
      name: "hello",
      namespace: "avs",
      uid: "u",
      resourceVersion: "9",
      generation: 3,
      managedFields: [{ manager: "kubectl" }],
      finalizers: ["f"],
    },
    spec: { image: "x" },
    status: { phase: "Running" },
  });
  assert.deepEqual(performer.metadata, {
    name: "hello",
    namespace: "avs",
    uid: "u",
    resourceVersion: "9",
    generation: 3,
    finalizers: ["f"],
  });
  assert.deepEqual(performer.spec, { image: "x" });
  assert.deepEqual(performer.status, { phase: "Running" });
});
