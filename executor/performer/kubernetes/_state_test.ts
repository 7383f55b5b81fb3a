import type * as k8s from "@kubernetes/client-node";
import assert from "node:assert/strict";
import { ANNOTATIONS } from "./_performer_object.ts";
import {
  endpointOf,
  failureOf,
  instanceOf,
  type PerformerResource,
  readiness,
  readStatus,
  runtimeStateOf,
} from "./_state.ts";

const NAME = "ab12cd34-0a1b2c3d";
const UID = "7c9e6679-7425-40de-944b-e07fc1f90ae7";

function condition(type: string, status: string, reason: string, message = "", gen?: number) {
  return {
    type,
    status,
    reason,
    message,
    lastTransitionTime: "2025-01-01T00:00:00Z",
    observedGeneration: gen,
  };
}

function performer(
  status: Record<string, unknown> | undefined,
  meta: Partial<k8s.V1ObjectMeta> = {},
): PerformerResource {
  return {
    apiVersion: "hourglass.eigenlayer.io/v1alpha1",
    kind: "Performer",
    metadata: { name: NAME, namespace: "ns", uid: UID, generation: 1, ...meta },
    spec: { avsAddress: "0xAB12cd34000000000000000000000000000000Ef", image: "repo/p:v1" },
    status,
  };
}

const readyStatus = {
  phase: "Running",
  ready: true,
  podName: `performer-${NAME}-abc123`,
  grpcEndpoint: `performer-${NAME}.ns.svc.cluster.local:9090`,
  observedGeneration: 1,
  conditions: [
    condition("Available", "True", "PodReady"),
    condition("Degraded", "False", "AsExpected"),
  ],
};

function pod(
  patch: { ready?: boolean; ip?: string; deleting?: boolean; port?: number; owner?: string } = {},
): k8s.V1Pod {
  return {
    metadata: {
      name: readyStatus.podName,
      labels: { "hourglass.eigenlayer.io/performer": NAME },
      ownerReferences: [{
        apiVersion: "hourglass.eigenlayer.io/v1alpha1",
        kind: "Performer",
        name: NAME,
        uid: patch.owner ?? UID,
        controller: true,
      }],
      ...(patch.deleting ? { deletionTimestamp: new Date() } : {}),
    },
    spec: {
      containers: [{
        name: "performer",
        ports: [{ name: "grpc", containerPort: patch.port ?? 9191 }],
      }],
    },
    status: {
      podIP: patch.ip ?? "127.0.3.4",
      conditions: [{ type: "Ready", status: patch.ready === false ? "False" : "True" }],
    },
  };
}

const pods = (p?: k8s.V1Pod) => (name: string) => name === p?.metadata?.name ? p : undefined;

Deno.test("status is read field by field: unknown fields and wrong types do not hide it", () => {
  const s = readStatus(performer({ ...readyStatus, someNewField: { x: 1 }, phase: 7 }));
  assert.equal(s.ready, true);
  assert.equal(s.phase, undefined);
  assert.equal(s.podName, readyStatus.podName);
  assert.equal(readStatus(performer(undefined)).ready, false);
  assert.deepEqual(readStatus(performer({ conditions: "nope" })).conditions, []);
});

Deno.test("failures no waiting fixes are reported; transient ones are not", () => {
  for (
    const reason of ["ImagePullFailed", "CrashLooping", "Unschedulable", "ContainerConfigError"]
  ) {
    const p = performer({
      phase: "Failed",
      ready: false,
      conditions: [condition("Degraded", "True", reason, "why")],
    });
    assert.deepEqual(failureOf(p), { reason, message: "why" });
    assert.deepEqual(runtimeStateOf(p), { running: false, failed: true, detail: `${reason}: why` });
  }
  const replaced = performer({
    ready: false,
    conditions: [condition("Degraded", "True", "PodFailed", "ended")],
  });
  assert.equal(failureOf(replaced), undefined, "the operator replaces a failed pod");
  assert.deepEqual(runtimeStateOf(replaced), { running: false, detail: "ended" });
  const deleting = performer(readyStatus, { deletionTimestamp: new Date() });
  assert.equal(failureOf(deleting)?.reason, "Deleted");
  assert.equal(runtimeStateOf(deleting).failed, true);
});

Deno.test("ready means running; not yet ready says what the operator is waiting for", () => {
  assert.deepEqual(runtimeStateOf(performer(readyStatus)), { running: true });
  const starting = performer({
    phase: "Pending",
    ready: false,
    conditions: [
      condition("Progressing", "True", "PodStarting", "Waiting for pod x to become ready"),
    ],
  });
  assert.deepEqual(runtimeStateOf(starting), {
    running: false,
    detail: "Waiting for pod x to become ready",
  });
  assert.deepEqual(runtimeStateOf(performer(undefined)), {
    running: false,
    detail: "no status from the operator yet",
  });
});

Deno.test("endpoint: override, else pod IP (Ready pods only), else the Service endpoint", () => {
  const service = performer(readyStatus);
  assert.equal(endpointOf(service, pods()), readyStatus.grpcEndpoint);
  const viaPod = performer(readyStatus, { annotations: { [ANNOTATIONS.connectVia]: "podIP" } });
  assert.equal(endpointOf(viaPod, pods(pod())), "127.0.3.4:9191", "the grpc container port");
  assert.equal(endpointOf(viaPod, pods(pod({ ready: false }))), undefined);
  assert.equal(endpointOf(viaPod, pods(pod({ deleting: true }))), undefined);
  assert.equal(endpointOf(viaPod, pods()), undefined, "pod not cached yet");
  assert.equal(endpointOf(viaPod, pods(pod({ ip: "fd00::7" }))), "[fd00::7]:9191");
  const override = performer(readyStatus, {
    annotations: {
      [ANNOTATIONS.connectVia]: "podIP",
      [ANNOTATIONS.endpointOverride]: "perf.example:443",
    },
  });
  const trust = { trustedOverrides: new Set(["perf.example:443"]) };
  assert.equal(endpointOf(override, pods(), trust), "perf.example:443");
});

Deno.test("endpoint: edited annotations and status never redirect tasks", () => {
  // An override the executor's config does not have is ignored (the Service endpoint is used).
  const injected = performer(readyStatus, {
    annotations: { [ANNOTATIONS.endpointOverride]: "attacker.example:443" },
  });
  assert.equal(
    endpointOf(injected, pods(), { trustedOverrides: new Set() }),
    readyStatus.grpcEndpoint,
  );
  assert.equal(endpointOf(injected, pods()), readyStatus.grpcEndpoint);
  // A status endpoint other than the operator's Service name for this Performer is not dialled.
  for (
    const grpcEndpoint of [
      "attacker.example:9090",
      `performer-${NAME}.other-ns.svc.cluster.local:9090`,
      `performer-other.ns.svc.cluster.local:9090`,
      `performer-${NAME}.ns.svc.cluster.local:99999`,
      `performer-${NAME}.ns.svc.cluster.local`,
    ]
  ) {
    assert.equal(
      endpointOf(performer({ ...readyStatus, grpcEndpoint }), pods()),
      undefined,
      grpcEndpoint,
    );
  }
  // podIP: only the IP of a pod this Performer controls.
  const viaPod = performer(readyStatus, { annotations: { [ANNOTATIONS.connectVia]: "podIP" } });
  assert.equal(endpointOf(viaPod, pods(pod({ owner: "someone-else" }))), undefined);
  const unlabelled = pod();
  unlabelled.metadata!.labels = {};
  assert.equal(endpointOf(viaPod, pods(unlabelled)), undefined);
});

Deno.test("a restart waits for the new generation's status, served by another pod", () => {
  const old = performer({ ...readyStatus, observedGeneration: 1 }, { generation: 2 });
  assert.equal(
    readiness(old, pods(), { generation: 2, replacing: readyStatus.podName }),
    undefined,
  );
  const upgrading = performer({ ...readyStatus, observedGeneration: 2 }, { generation: 2 });
  assert.equal(
    readiness(upgrading, pods(), { generation: 2, replacing: readyStatus.podName }),
    undefined,
  );
  const done = performer({ ...readyStatus, podName: "performer-x-new", observedGeneration: 2 }, {
    generation: 2,
  });
  assert.deepEqual(readiness(done, pods(), { generation: 2, replacing: readyStatus.podName }), {
    endpoint: readyStatus.grpcEndpoint,
  });
  // An old crash loop does not fail the restart; the new revision's does, even while the old pod serves.
  const stale = performer(
    {
      ...readyStatus,
      ready: false,
      conditions: [condition("Degraded", "True", "CrashLooping", "old", 1)],
    },
    { generation: 2 },
  );
  assert.equal(readiness(stale, pods(), { generation: 2 }), undefined);
  const fresh = performer(
    {
      ...readyStatus,
      observedGeneration: 2,
      conditions: [condition("Degraded", "True", "CrashLooping", "new", 2)],
    },
    { generation: 2 },
  );
  assert.deepEqual(readiness(fresh, pods(), { generation: 2 }), {
    failure: { reason: "CrashLooping", message: "new" },
  });
  assert.deepEqual(readiness(performer(readyStatus), pods()), {
    endpoint: readyStatus.grpcEndpoint,
  });
});

Deno.test("instances read back the image as configured, the AVS and the creation time", () => {
  const image = { repository: "repo/p", tag: "v2", digest: "sha256:" + "a".repeat(64) };
  const p = performer(readyStatus, {
    labels: { "hourglass.eigenlayer.io/performer-id": NAME },
    annotations: { [ANNOTATIONS.image]: JSON.stringify(image) },
    creationTimestamp: "2025-03-04T05:06:07Z" as unknown as Date,
  });
  p.spec!.image = `repo/p@${image.digest}`; // what the executor writes for a digest
  const instance = instanceOf(p, "127.0.0.1:1");
  assert.deepEqual(instance.image, image);
  assert.equal(instance.performerId, NAME);
  assert.equal(instance.resourceId, NAME);
  assert.equal(instance.avsAddress, "0xAB12cd34000000000000000000000000000000Ef");
  assert.equal(instance.createdAt.toISOString(), "2025-03-04T05:06:07.000Z");
  const bad = performer(readyStatus, { annotations: { [ANNOTATIONS.image]: "{" } });
  assert.deepEqual(
    instanceOf(bad, "").image,
    { repository: "repo/p", tag: "v1" },
    "falls back to spec.image",
  );
});

Deno.test("image: the annotation counts only when it names what spec.image runs", () => {
  const annotated = { repository: "repo/p", tag: "v1" };
  const meta = { annotations: { [ANNOTATIONS.image]: JSON.stringify(annotated) } };
  const honest = performer(readyStatus, meta);
  assert.deepEqual(instanceOf(honest, "x:1").image, annotated);
  // spec.image edited to another image: adoption must see the image that actually runs.
  const edited = performer(readyStatus, meta);
  edited.spec!.image = "evil/p:v1";
  assert.deepEqual(instanceOf(edited, "x:1").image, { repository: "evil/p", tag: "v1" });
});
