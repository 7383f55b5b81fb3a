import assert from "node:assert/strict";
import type { PerformerSpecInput } from "../../shared/api/performer.ts";
import { AVS, performerWith } from "./_test_util.ts";
import { buildPod, buildService, GPU_RESOURCE } from "./builders.ts";
import { LABEL } from "./labels.ts";

Deno.test("the pod carries the labels, owner reference and revision of the spec", () => {
  const { pod, revision } = buildPod(performerWith());
  assert.match(revision, /^[0-9a-f]{10}$/);
  assert.equal(pod.metadata?.name, `performer-hello-${revision}`);
  assert.deepEqual(pod.metadata?.labels, {
    "app.kubernetes.io/name": "performer",
    "app.kubernetes.io/instance": "hello",
    "app.kubernetes.io/managed-by": "hourglass-operator",
    "app.kubernetes.io/part-of": "hourglass",
    "hourglass.eigenlayer.io/performer": "hello",
    "hourglass.eigenlayer.io/avs": AVS.toLowerCase(),
    "hourglass.eigenlayer.io/revision": revision,
    app: "hourglass-performer",
  });
  assert.deepEqual(pod.metadata?.ownerReferences, [{
    apiVersion: "hourglass.eigenlayer.io/v1alpha1",
    kind: "Performer",
    name: "hello",
    uid: "uid-1",
    controller: true,
    blockOwnerDeletion: true,
  }]);
});

Deno.test("one container with the grpc port, gRPC health probes and a restricted security context", () => {
  const { pod } = buildPod(performerWith({ config: { grpcPort: 7443 } }));
  const spec = pod.spec!;
  assert.equal(spec.containers.length, 1);
  const c = spec.containers[0];
  assert.equal(c.name, "performer");
  assert.equal(c.image, "hourglass/hello-performer:v1");
  assert.equal(c.imagePullPolicy, "IfNotPresent");
  assert.deepEqual(c.ports, [{ name: "grpc", containerPort: 7443, protocol: "TCP" }]);
  assert.deepEqual(c.readinessProbe?.grpc, { port: 7443 });
  assert.deepEqual(c.livenessProbe?.grpc, { port: 7443 });
  // Ready within about a second of the first SERVING, not at the next 5 s readiness period.
  assert.deepEqual(c.startupProbe, {
    grpc: { port: 7443 },
    periodSeconds: 1,
    timeoutSeconds: 1,
    failureThreshold: 120,
  });
  assert.equal(c.securityContext?.allowPrivilegeEscalation, false);
  assert.deepEqual(c.securityContext?.capabilities?.drop, ["ALL"]);
  assert.equal(c.securityContext?.seccompProfile?.type, "RuntimeDefault");
  assert.equal(spec.securityContext?.runAsNonRoot, true);
  assert.equal(spec.restartPolicy, "Always");
  assert.equal(spec.automountServiceAccountToken, false);
});

Deno.test("env is deterministic: AVS_ADDRESS, GRPC_PORT, environment by key, then environmentFrom", () => {
  const environmentFrom = [
    { name: "API_KEY", valueFrom: { secretKeyRef: { name: "s", key: "k" } } },
    { name: "MODE", valueFrom: { configMapKeyRef: { name: "c", key: "m", optional: true } } },
  ];
  const a = buildPod(
    performerWith({ config: { environment: { Z: "1", A: "2", M: "3" }, environmentFrom } }),
  );
  const b = buildPod(
    performerWith({ config: { environmentFrom, environment: { M: "3", A: "2", Z: "1" } } }),
  );
  assert.deepEqual(a.pod.spec!.containers[0].env, [
    { name: "AVS_ADDRESS", value: AVS },
    { name: "GRPC_PORT", value: "9090" },
    { name: "A", value: "2" },
    { name: "M", value: "3" },
    { name: "Z", value: "1" },
    { name: "API_KEY", valueFrom: { secretKeyRef: { name: "s", key: "k" } } },
    { name: "MODE", valueFrom: { configMapKeyRef: { name: "c", key: "m", optional: true } } },
  ]);
  assert.equal(a.revision, b.revision, "map order does not change the revision");
});

Deno.test("GPUs are requested as nvidia.com/gpu; the GPU model is only a label", () => {
  const { pod } = buildPod(performerWith({
    hardwareRequirements: { gpuCount: 2, gpuType: "NVIDIA A100/80GB" },
    resources: { limits: { cpu: "2", memory: "4Gi" }, requests: { cpu: 1 } },
  }));
  const resources = pod.spec!.containers[0].resources!;
  assert.deepEqual(resources.limits, { cpu: "2", memory: "4Gi", [GPU_RESOURCE]: "2" });
  assert.deepEqual(resources.requests, { cpu: "1", [GPU_RESOURCE]: "2" });
  assert.equal(pod.metadata?.labels?.[LABEL.gpuType], "NVIDIA-A100-80GB");
  const names = [...Object.keys(resources.limits!), ...Object.keys(resources.requests!)];
  assert.ok(names.every((n) => !n.includes("A100")), "no resource named after the GPU model");
});

Deno.test("scheduling, TEE and custom labels reach the pod", () => {
  const { pod } = buildPod(performerWith({
    hardwareRequirements: { teeRequired: true, teeType: "sgx", customLabels: { zone: "secure" } },
    scheduling: {
      nodeSelector: { "node.kubernetes.io/os": "bottlerocket" },
      tolerations: [{ key: "sgx", operator: "Equal", value: "enabled", effect: "NoSchedule" }],
      affinity: {
        nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [] } },
      },
      runtimeClass: "gvisor",
      priorityClassName: "avs-critical",
    },
    config: { serviceAccountName: "avs", args: ["--fast"], command: ["/performer"] },
    imagePullSecrets: [{ name: "regcred" }],
  }));
  const spec = pod.spec!;
  assert.deepEqual(spec.nodeSelector, {
    "node.kubernetes.io/os": "bottlerocket",
    "intel.feature.node.kubernetes.io/sgx": "true",
    zone: "secure",
  });
  assert.equal(spec.tolerations?.[0].value, "enabled");
  assert.ok(spec.affinity?.nodeAffinity);
  assert.equal(spec.runtimeClassName, "gvisor");
  assert.equal(spec.priorityClassName, "avs-critical");
  assert.equal(spec.serviceAccountName, "avs");
  assert.equal(spec.automountServiceAccountToken, undefined);
  assert.deepEqual(spec.imagePullSecrets, [{ name: "regcred" }]);
  assert.deepEqual(spec.containers[0].args, ["--fast"]);
  assert.deepEqual(spec.containers[0].command, ["/performer"]);
});

Deno.test("every pod-shaping change is a new revision; the version label alone is not", () => {
  const base = buildPod(performerWith()).revision;
  const changes: Partial<PerformerSpecInput>[] = [
    { image: "hourglass/hello-performer:v2" },
    { imagePullPolicy: "Always" },
    { config: { grpcPort: 9091 } },
    { config: { environment: { A: "1" } } },
    { config: { args: ["x"] } },
    { resources: { limits: { cpu: "1" } } },
    { scheduling: { nodeSelector: { a: "b" } } },
    { scheduling: { priorityClassName: "p" } },
    { hardwareRequirements: { gpuCount: 1 } },
  ];
  const seen = new Set([base]);
  for (const change of changes) {
    const revision = buildPod(performerWith(change)).revision;
    assert.ok(!seen.has(revision), `a new revision for ${JSON.stringify(change)}`);
    seen.add(revision);
  }
  assert.equal(buildPod(performerWith({ version: "v9" })).revision, base);
});

Deno.test("the Service selects one revision and maps port grpc to the pod's grpc port", () => {
  const performer = performerWith();
  const service = buildService(performer, "abc123", 9090);
  assert.equal(service.metadata?.name, "performer-hello");
  assert.equal(service.spec?.type, "ClusterIP");
  assert.deepEqual(service.spec?.selector, {
    [LABEL.performer]: "hello",
    [LABEL.revision]: "abc123",
  });
  assert.deepEqual(service.spec?.ports?.map((p) => [p.name, p.port, p.targetPort]), [[
    "grpc",
    9090,
    "grpc",
  ]]);
  assert.equal(service.metadata?.ownerReferences?.[0].uid, "uid-1");
});
