/**
 * The Performer CRD as the real API server applies it: what users write is accepted, bad input
 * is rejected with a message naming the field, nothing is pruned, and kubectl shows the columns.
 */

import assert from "node:assert/strict";
import YAML from "yaml";
import type { Performer } from "../shared/api/performer.ts";
import { freshNamespace, kubectl, KubectlError, testCluster } from "./fixture/cluster.ts";

const AVS = "0xCE2Ac75bE2E0951F1F7B288c7a6A9BfB6c331DC4";
const opts = { sanitizeOps: false, sanitizeResources: false };

function manifest(name: string, spec: Record<string, unknown>): string {
  return YAML.stringify({
    apiVersion: "hourglass.eigenlayer.io/v1alpha1",
    kind: "Performer",
    metadata: { name },
    spec: { avsAddress: AVS, image: "hello-performer:v1", ...spec },
  });
}

async function apply(ns: string, yaml: string): Promise<string> {
  return await kubectl(await testCluster(), ["-n", ns, "create", "-f", "-"], yaml);
}

async function rejection(ns: string, yaml: string): Promise<string> {
  try {
    await apply(ns, yaml);
  } catch (err) {
    if (err instanceof KubectlError) return err.stderr;
    throw err;
  }
  assert.fail("the API server accepted an invalid Performer");
}

async function getPerformer(ns: string, name: string): Promise<Performer> {
  return JSON.parse(
    await kubectl(await testCluster(), ["-n", ns, "get", "performer", name, "-o", "json"]),
  );
}

Deno.test("the API server accepts the scheduling examples of the milestones", opts, async () => {
  const ns = await freshNamespace(await testCluster(), "crd");
  await apply(
    ns,
    manifest("bottlerocket", {
      scheduling: {
        nodeSelector: { "node.kubernetes.io/os": "bottlerocket" },
        tolerations: [{
          key: "bottlerocket",
          operator: "Equal",
          value: "true",
          effect: "NoSchedule",
        }],
      },
    }),
  );
  await apply(
    ns,
    manifest("gpu", {
      hardwareRequirements: { gpuType: "nvidia-a100", gpuCount: 2 },
      scheduling: {
        nodeSelector: { accelerator: "nvidia-tesla-a100" },
        tolerations: [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }],
      },
    }),
  );
  await apply(
    ns,
    manifest("sgx", {
      hardwareRequirements: { teeRequired: true, teeType: "sgx" },
      scheduling: {
        nodeSelector: { "intel.feature.node.kubernetes.io/sgx": "true" },
        tolerations: [{ key: "sgx", operator: "Equal", value: "enabled", effect: "NoSchedule" }],
      },
    }),
  );
  const gpu = await getPerformer(ns, "gpu");
  assert.deepEqual(gpu.spec.hardwareRequirements, { gpuType: "nvidia-a100", gpuCount: 2 });
  const sgx = await getPerformer(ns, "sgx");
  assert.equal(sgx.spec.hardwareRequirements?.teeType, "sgx");
  assert.equal(sgx.spec.scheduling?.tolerations?.[0].value, "enabled");
  const rocket = await getPerformer(ns, "bottlerocket");
  assert.equal(rocket.spec.scheduling?.nodeSelector?.["node.kubernetes.io/os"], "bottlerocket");
});

Deno.test("the API server rejects each bad input, naming the field", opts, async () => {
  const ns = await freshNamespace(await testCluster(), "crd");
  const cases: [string, string, RegExp][] = [
    [manifest("bad-avs", { avsAddress: "0x12" }), "spec.avsAddress", /0x\[0-9a-fA-F\]\{40\}/],
    [manifest("a".repeat(54), {}), "metadata.name", /at most 53 characters/],
    [
      manifest("tee", { hardwareRequirements: { teeRequired: true } }),
      "spec.hardwareRequirements.teeType",
      /teeType is required when teeRequired is true/,
    ],
    [
      manifest("gpu", { hardwareRequirements: { gpuCount: -1 } }),
      "spec.hardwareRequirements.gpuCount",
      /greater than or equal to 0/,
    ],
    [
      manifest("port", { config: { grpcPort: 70000 } }),
      "spec.config.grpcPort",
      /less than or equal to 65535/,
    ],
    [manifest("image", { image: "" }), "spec.image", /at least 1 chars/],
  ];
  for (const [yaml, field, why] of cases) {
    const stderr = await rejection(ns, yaml);
    assert.ok(stderr.includes(`${field}:`), `error names ${field}: ${stderr}`);
    assert.match(stderr, why);
  }
  // The boundary itself is fine: 53 characters fit performer-<name> in 63.
  await apply(ns, manifest("a".repeat(53), {}));
});

Deno.test("config.environmentFrom survives a round trip (not pruned)", opts, async () => {
  const ns = await freshNamespace(await testCluster(), "crd");
  const environmentFrom = [
    { name: "API_KEY", valueFrom: { secretKeyRef: { name: "avs-secrets", key: "api-key" } } },
    {
      name: "MODE",
      valueFrom: { configMapKeyRef: { name: "avs-config", key: "mode", optional: true } },
    },
  ];
  await apply(
    ns,
    manifest("env", {
      config: { environment: { B: "2", A: "1" }, environmentFrom, serviceAccountName: "avs" },
    }),
  );
  const got = await getPerformer(ns, "env");
  assert.deepEqual(got.spec.config.environmentFrom, environmentFrom);
  assert.equal(got.spec.config.serviceAccountName, "avs");
  assert.deepEqual(got.spec.config.environment, { A: "1", B: "2" });
});

Deno.test(
  "an env reference needs exactly one of secretKeyRef or configMapKeyRef",
  opts,
  async () => {
    const ns = await freshNamespace(await testCluster(), "crd");
    const stderr = await rejection(
      ns,
      manifest("both", {
        config: {
          environmentFrom: [{
            name: "X",
            valueFrom: {
              secretKeyRef: { name: "s", key: "k" },
              configMapKeyRef: { name: "c", key: "k" },
            },
          }],
        },
      }),
    );
    assert.match(stderr, /spec\.config\.environmentFrom\[0\]\.valueFrom/);
    assert.match(stderr, /exactly one of secretKeyRef or configMapKeyRef/);
  },
);

Deno.test("the API server applies the defaults: port 9090 even without config", opts, async () => {
  const ns = await freshNamespace(await testCluster(), "crd");
  await apply(ns, manifest("defaults", {}));
  const got = await getPerformer(ns, "defaults");
  assert.equal(got.spec.config.grpcPort, 9090);
  assert.equal(got.spec.imagePullPolicy, "IfNotPresent");
  await apply(ns, manifest("partial", { config: { args: ["--fast"] } }));
  assert.equal((await getPerformer(ns, "partial")).spec.config.grpcPort, 9090);
});

Deno.test("kubectl get performers shows the printer columns", opts, async () => {
  const cluster = await testCluster();
  const ns = await freshNamespace(cluster, "crd");
  await apply(ns, manifest("cols", { version: "v1.2.3" }));
  const out = await kubectl(cluster, ["-n", ns, "get", "performers"]);
  const [header, row] = out.trim().split("\n");
  assert.deepEqual(header.split(/\s+/), [
    "NAME",
    "AVS",
    "IMAGE",
    "VERSION",
    "PHASE",
    "READY",
    "ENDPOINT",
    "AGE",
  ]);
  assert.match(row, new RegExp(`^cols\\s+${AVS}\\s+hello-performer:v1\\s+v1\\.2\\.3\\s`));
  // Short name and category reach the same resource.
  assert.match(await kubectl(cluster, ["-n", ns, "get", "perf"]), /^cols\s/m);
  assert.match(await kubectl(cluster, ["-n", ns, "get", "hourglass"]), /cols/);
});
