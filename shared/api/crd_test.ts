import assert from "node:assert/strict";
import YAML from "yaml";
import { performerCrd, renderCrdYaml } from "./crd.ts";
import { CRD_COPIES } from "./crd_main.ts";
import { Performer, PerformerSpec } from "./performer.ts";

type Node = { [key: string]: unknown };
const root = new URL("../../", import.meta.url).pathname;

/** The schema node at a dotted path under openAPIV3Schema (`spec.config.grpcPort`). */
function schemaAt(path: string): Node {
  const crd = performerCrd() as Node;
  // deno-lint-ignore no-explicit-any
  let node = (crd.spec as any).versions[0].schema.openAPIV3Schema as Node;
  for (const part of path.split(".")) {
    node = part === "[]" ? node.items as Node : (node.properties as Record<string, Node>)[part];
    assert.ok(node, `schema has ${path} (missing at ${part})`);
  }
  return node;
}

Deno.test("the committed CRD is what `deno task crds` generates", async () => {
  // Both copies: crds/ (installed by the tests and kubectl users) and the operator chart's.
  assert.ok(CRD_COPIES.some((p) => p.startsWith("charts/hourglass-operator/crds/")));
  for (const path of CRD_COPIES) {
    const committed = await Deno.readTextFile(`${root}${path}`);
    assert.equal(committed, renderCrdYaml(), `${path} is stale: run \`deno task crds\` and commit`);
  }
});

Deno.test("the CRD schema has every field of the Performer API", () => {
  const fields = [
    "spec.avsAddress",
    "spec.image",
    "spec.imagePullPolicy",
    "spec.version",
    "spec.config.grpcPort",
    "spec.config.environment",
    "spec.config.environmentFrom.[].name",
    "spec.config.environmentFrom.[].valueFrom.secretKeyRef.key",
    "spec.config.environmentFrom.[].valueFrom.configMapKeyRef.name",
    "spec.config.args",
    "spec.config.command",
    "spec.config.serviceAccountName",
    "spec.resources.limits",
    "spec.resources.requests",
    "spec.scheduling.nodeSelector",
    "spec.scheduling.tolerations.[].effect",
    "spec.scheduling.affinity.nodeAffinity",
    "spec.scheduling.runtimeClass",
    "spec.scheduling.priorityClassName",
    "spec.hardwareRequirements.gpuCount",
    "spec.hardwareRequirements.gpuType",
    "spec.hardwareRequirements.teeRequired",
    "spec.hardwareRequirements.teeType",
    "spec.hardwareRequirements.customLabels",
    "spec.imagePullSecrets.[].name",
    "status.phase",
    "status.ready",
    "status.podName",
    "status.serviceName",
    "status.grpcEndpoint",
    "status.readyTime",
    "status.lastUpgrade",
    "status.observedGeneration",
    "status.conditions.[].type",
  ];
  for (const field of fields) schemaAt(field);
});

Deno.test("defaults, enums, patterns and bounds are in the CRD schema", () => {
  assert.equal(schemaAt("spec.imagePullPolicy").default, "IfNotPresent");
  assert.deepEqual(schemaAt("spec.imagePullPolicy").enum, ["Always", "Never", "IfNotPresent"]);
  assert.deepEqual(schemaAt("spec.config").default, { grpcPort: 9090 });
  assert.deepEqual(
    [schemaAt("spec.config.grpcPort").minimum, schemaAt("spec.config.grpcPort").maximum],
    [1, 65535],
  );
  assert.equal(schemaAt("spec.config.grpcPort").format, "int32");
  assert.equal(schemaAt("spec.avsAddress").pattern, "^0x[0-9a-fA-F]{40}$");
  assert.equal(schemaAt("spec.image").minLength, 1);
  assert.equal(schemaAt("spec.hardwareRequirements.gpuCount").minimum, 0);
  assert.deepEqual(schemaAt("spec.hardwareRequirements.teeType").enum, ["sgx", "sev", "tdx"]);
  assert.deepEqual(schemaAt("status.phase").enum, [
    "Pending",
    "Running",
    "Upgrading",
    "Terminating",
    "Failed",
  ]);
  assert.equal(schemaAt("spec.resources.limits").additionalProperties !== undefined, true);
  const rules = schemaAt("spec.hardwareRequirements")["x-kubernetes-validations"] as Node[];
  assert.match(String(rules[0].rule), /teeType/);
});

Deno.test("the CRD carries names, short name, category, status subresource and columns", () => {
  const crd = YAML.parse(renderCrdYaml());
  assert.equal(crd.metadata.name, "performers.hourglass.eigenlayer.io");
  assert.deepEqual(crd.spec.names.shortNames, ["perf"]);
  assert.deepEqual(crd.spec.names.categories, ["hourglass"]);
  assert.equal(crd.spec.scope, "Namespaced");
  const version = crd.spec.versions[0];
  assert.deepEqual(version.subresources, { status: {} });
  assert.deepEqual(
    version.additionalPrinterColumns.map((c: Node) => `${c.name}=${c.jsonPath}`),
    [
      "AVS=.spec.avsAddress",
      "Image=.spec.image",
      "Version=.spec.version",
      "Phase=.status.phase",
      "Ready=.status.ready",
      "Endpoint=.status.grpcEndpoint",
      "Age=.metadata.creationTimestamp",
    ],
  );
});

/** A valid Performer; tests change one thing. */
function performer(spec: Node = {}, name = "hello"): Node {
  return {
    apiVersion: "hourglass.eigenlayer.io/v1alpha1",
    kind: "Performer",
    metadata: { name },
    spec: { avsAddress: "0x" + "a".repeat(40), image: "hello-performer:v1", ...spec },
  };
}

Deno.test("zod applies the same defaults as the CRD", () => {
  const spec = PerformerSpec.parse({ avsAddress: "0x" + "a".repeat(40), image: "x:1" });
  assert.equal(spec.imagePullPolicy, "IfNotPresent");
  assert.equal(spec.config.grpcPort, 9090);
  const withConfig = PerformerSpec.parse({
    avsAddress: "0x" + "a".repeat(40),
    image: "x:1",
    config: { environment: { A: "1" } },
  });
  assert.equal(withConfig.config.grpcPort, 9090, "a config without grpcPort still gets 9090");
});

Deno.test("zod rejects each bad input of the spec, naming the field", () => {
  const cases: [Node, string][] = [
    [performer({ avsAddress: "0x12" }), "spec.avsAddress"],
    [performer({}, "a".repeat(54)), "metadata.name"],
    [
      performer({ hardwareRequirements: { teeRequired: true } }),
      "spec.hardwareRequirements.teeType",
    ],
    [performer({ hardwareRequirements: { gpuCount: -1 } }), "spec.hardwareRequirements.gpuCount"],
    [performer({ config: { grpcPort: 70000 } }), "spec.config.grpcPort"],
    [performer({ image: "" }), "spec.image"],
  ];
  for (const [doc, field] of cases) {
    const result = Performer.safeParse(doc);
    assert.equal(result.success, false, `${field} should be rejected`);
    const paths = result.error!.issues.map((i) => i.path.join("."));
    assert.deepEqual(paths, [field]);
  }
  assert.equal(Performer.safeParse(performer({}, "a".repeat(53))).success, true);
});
