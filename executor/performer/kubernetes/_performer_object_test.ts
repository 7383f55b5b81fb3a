import assert from "node:assert/strict";
import { LABEL } from "../../../shared/api/labels.ts";
import { PerformerSpec } from "../../../shared/api/performer.ts";
import type { InstanceSpec } from "../runtime.ts";
import { ANNOTATIONS, buildPerformer, performerVersion, splitEnv } from "./_performer_object.ts";
import { instanceOf, type PerformerResource } from "./_state.ts";
import { KubernetesRuntimeError } from "./errors.ts";

const AVS = "0xAB12cd34000000000000000000000000000000Ef";
const DIGEST = "sha256:" + "0123456789abcdef".repeat(4);
const TARGET = {
  namespace: "avs-a",
  executorId: "0x1111111111111111111111111111111111111111",
  group: "hourglass.eigenlayer.io",
  version: "v1alpha1",
};

function spec(patch: Partial<InstanceSpec> = {}): InstanceSpec {
  return {
    performerId: "ab12cd34-0a1b2c3d",
    avsAddress: AVS,
    image: { repository: "registry.example.com/avs/performer", tag: "v1.2.3" },
    env: [],
    ...patch,
  };
}

function kube(patch: Partial<NonNullable<InstanceSpec["kubernetes"]>> = {}) {
  return { connectVia: "service" as const, imagePullPolicy: "IfNotPresent" as const, ...patch };
}

Deno.test("the Performer is named by the performer id and labelled for the AVS and executor", () => {
  const { performer } = buildPerformer(spec(), TARGET);
  assert.equal(performer.apiVersion, "hourglass.eigenlayer.io/v1alpha1");
  assert.equal(performer.kind, "Performer");
  assert.equal(performer.metadata.name, "ab12cd34-0a1b2c3d");
  assert.equal(performer.metadata.namespace, "avs-a");
  assert.deepEqual(performer.metadata.labels, {
    [LABEL.avs]: AVS.toLowerCase(),
    [LABEL.performerId]: "ab12cd34-0a1b2c3d",
    [LABEL.executor]: TARGET.executorId,
    [LABEL.managedBy]: "hourglass-executor",
  });
  assert.equal(performer.spec.avsAddress, AVS, "the spec keeps the address as configured");
  assert.equal(performer.spec.image, "registry.example.com/avs/performer:v1.2.3");
  assert.equal(performer.spec.version, "v1.2.3");
  assert.equal(performer.spec.imagePullPolicy, "IfNotPresent", "the default without config");
  assert.equal(PerformerSpec.safeParse(performer.spec).success, true);
});

Deno.test("another CRD group and version go into apiVersion", () => {
  const { performer } = buildPerformer(spec(), {
    ...TARGET,
    group: "x.example.com",
    version: "v2",
  });
  assert.equal(performer.apiVersion, "x.example.com/v2");
});

Deno.test("a digest pins the image; the version is the tag, or the digest's start", () => {
  const pinned = buildPerformer(
    spec({ image: { repository: "repo/p", tag: "v2", digest: DIGEST } }),
    TARGET,
  ).performer;
  assert.equal(pinned.spec.image, `repo/p@${DIGEST}`);
  assert.equal(pinned.spec.version, "v2");
  assert.deepEqual(JSON.parse(pinned.metadata.annotations[ANNOTATIONS.image]), {
    repository: "repo/p",
    tag: "v2",
    digest: DIGEST,
  });
  // DeployArtifact by digest has no tag.
  assert.equal(
    performerVersion({ repository: "repo/p", tag: "", digest: DIGEST }),
    DIGEST.slice(0, 19),
  );
  assert.equal(performerVersion({ repository: "repo/p", tag: "" }), undefined);
});

Deno.test("the pull policy comes from the config, never a constant", () => {
  for (const policy of ["Always", "Never", "IfNotPresent"] as const) {
    const { performer } = buildPerformer(
      spec({ kubernetes: kube({ imagePullPolicy: policy }) }),
      TARGET,
    );
    assert.equal(performer.spec.imagePullPolicy, policy);
  }
});

Deno.test("env: plain values to environment, Secret/ConfigMap refs to environmentFrom, in order", () => {
  const { performer, replaced } = buildPerformer(
    spec({
      env: [
        { name: "HELLO_VERSION", value: "v1" },
        { name: "API_KEY", valueFrom: { secretKeyRef: { name: "avs-secrets", key: "api-key" } } },
        { name: "FROM_EXECUTOR_ENV", value: "resolved-by-the-executor" },
        { name: "RPC_URL", valueFrom: { configMapKeyRef: { name: "avs-config", key: "rpc" } } },
        { name: "GRPC_PORT", value: "1" },
        { name: "AVS_ADDRESS", value: "0x0" },
      ],
    }),
    TARGET,
  );
  assert.deepEqual(performer.spec.config?.environment, {
    HELLO_VERSION: "v1",
    FROM_EXECUTOR_ENV: "resolved-by-the-executor",
  });
  assert.deepEqual(performer.spec.config?.environmentFrom, [
    { name: "API_KEY", valueFrom: { secretKeyRef: { name: "avs-secrets", key: "api-key" } } },
    { name: "RPC_URL", valueFrom: { configMapKeyRef: { name: "avs-config", key: "rpc" } } },
  ]);
  assert.deepEqual(replaced, ["GRPC_PORT", "AVS_ADDRESS"], "the operator sets these itself");
  assert.deepEqual(splitEnv([]), { environment: {}, environmentFrom: [], replaced: [] });
  assert.deepEqual(buildPerformer(spec(), TARGET).performer.spec.config, {}, "no empty maps");
});

Deno.test("service account, resources, scheduling and hardware pass through unchanged", () => {
  const scheduling = {
    nodeSelector: { pool: "performers" },
    tolerations: [{
      key: "dedicated",
      operator: "Equal" as const,
      value: "avs",
      effect: "NoSchedule" as const,
    }],
    runtimeClass: "gvisor",
    priorityClassName: "avs-critical",
  };
  const hardwareRequirements = {
    gpuCount: 2,
    gpuType: "nvidia-a100",
    teeRequired: true,
    teeType: "tdx" as const,
    customLabels: { zone: "a" },
  };
  const resources = { limits: { cpu: "2", memory: "4Gi" }, requests: { cpu: "500m" } };
  const { performer } = buildPerformer(
    spec({
      kubernetes: kube({
        serviceAccountName: "performer-sa",
        resources,
        scheduling,
        hardwareRequirements,
        connectVia: "podIP",
        endpointOverride: "10.0.0.7:9090",
      }),
    }),
    TARGET,
  );
  assert.equal(performer.spec.config?.serviceAccountName, "performer-sa");
  assert.deepEqual(performer.spec.resources, resources);
  assert.deepEqual(performer.spec.scheduling, scheduling);
  assert.deepEqual(performer.spec.hardwareRequirements, hardwareRequirements);
  assert.equal(performer.metadata.annotations[ANNOTATIONS.connectVia], "podIP");
  assert.equal(performer.metadata.annotations[ANNOTATIONS.endpointOverride], "10.0.0.7:9090");
  assert.equal(PerformerSpec.safeParse(performer.spec).success, true);
});

Deno.test("what the API server would reject fails first, naming the field", () => {
  const invalid = (s: InstanceSpec, pattern: RegExp) =>
    assert.throws(() => buildPerformer(s, TARGET), (err: unknown) => {
      assert.ok(err instanceof KubernetesRuntimeError);
      assert.equal(err.reason, "InvalidSpec");
      assert.match(err.message, pattern);
      return true;
    });
  invalid(spec({ performerId: "p".repeat(54) }), /metadata\.name: must be at most 53/);
  invalid(spec({ performerId: "Not_A_Label" }), /metadata\.name: must be a DNS-1123 label/);
  invalid(spec({ avsAddress: "0x12" }), /spec\.avsAddress/);
  invalid(
    spec({ kubernetes: kube({ hardwareRequirements: { teeRequired: true } }) }),
    /spec\.hardwareRequirements\.teeType: teeType is required/,
  );
  // Fits: the longest name (53) is accepted.
  assert.equal(
    buildPerformer(spec({ performerId: "p".repeat(53) }), TARGET).performer.metadata.name.length,
    53,
  );
});

Deno.test("the spec fingerprint labels the Performer and is read back into the instance", () => {
  const fingerprint = "fedcba9876543210".repeat(2);
  const { performer } = buildPerformer(spec({ specFingerprint: fingerprint }), TARGET);
  assert.equal(performer.metadata.labels[LABEL.specFingerprint], fingerprint);
  // What the API server hands back to a restarted executor (listOwned).
  const created = {
    ...performer,
    metadata: { ...performer.metadata, creationTimestamp: "2026-01-01T00:00:00Z" },
  } as unknown as PerformerResource;
  const instance = instanceOf(created, "x:1");
  assert.equal(instance.specFingerprint, fingerprint);
  assert.equal(instance.performerId, "ab12cd34-0a1b2c3d");
  // A Performer of an older executor: no label, so no fingerprint (adopted by its image alone).
  const legacy = buildPerformer(spec(), TARGET).performer;
  assert.equal(LABEL.specFingerprint in legacy.metadata.labels, false);
  assert.equal("specFingerprint" in instanceOf(legacy as unknown as PerformerResource, ""), false);
});
