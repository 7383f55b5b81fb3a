import type * as k8s from "@kubernetes/client-node";
import assert from "node:assert/strict";
import { checkFit, podRequests, requirementMatches, unschedulableMessage } from "./fit.ts";
import { buildNode } from "./node.ts";

const node = buildNode("sim");

function pod(spec: Partial<k8s.V1PodSpec> = {}, resources?: k8s.V1ResourceRequirements): k8s.V1Pod {
  return {
    metadata: { name: "p", namespace: "ns" },
    spec: { containers: [{ name: "c", image: "x", resources }], ...spec },
  };
}

Deno.test("a plain pod fits", () => {
  assert.deepEqual(checkFit(pod(), node, []), { fits: true });
});

Deno.test("nodeSelector must match every label", () => {
  const ok = pod({
    nodeSelector: { "kubernetes.io/os": "linux", "kubernetes.io/hostname": "sim" },
  });
  assert.deepEqual(checkFit(ok, node, []), { fits: true });
  const tee = pod({ nodeSelector: { "intel.feature.node.kubernetes.io/sgx": "true" } });
  const result = checkFit(tee, node, []);
  assert.equal(result.fits, false);
  assert.equal(
    !result.fits && unschedulableMessage(result.reasons),
    "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector.",
  );
});

Deno.test("required node affinity: terms ORed, expressions ANDed", () => {
  const term = (...matchExpressions: k8s.V1NodeSelectorRequirement[]) => ({ matchExpressions });
  const withTerms = (...nodeSelectorTerms: k8s.V1NodeSelectorTerm[]) =>
    pod({
      affinity: {
        nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms } },
      },
    });
  const linux = { key: "kubernetes.io/os", operator: "In", values: ["linux"] };
  const gpu = { key: "nvidia.com/gpu.present", operator: "Exists" };
  assert.equal(checkFit(withTerms(term(linux)), node, []).fits, true);
  assert.equal(checkFit(withTerms(term(linux, gpu)), node, []).fits, false);
  assert.equal(checkFit(withTerms(term(gpu), term(linux)), node, []).fits, true);
  assert.equal(checkFit(withTerms({}), node, []).fits, false, "an empty term matches nothing");
});

Deno.test("requirement operators", () => {
  const labels = { a: "1", b: "x" };
  const r = (operator: string, key: string, values?: string[]) =>
    requirementMatches({ key, operator, values }, labels);
  assert.equal(r("In", "b", ["x", "y"]), true);
  assert.equal(r("In", "b", ["y"]), false);
  assert.equal(r("NotIn", "b", ["y"]), true);
  assert.equal(r("NotIn", "missing", ["y"]), true);
  assert.equal(r("Exists", "a"), true);
  assert.equal(r("DoesNotExist", "a"), false);
  assert.equal(r("DoesNotExist", "missing"), true);
  assert.equal(r("Gt", "a", ["0"]), true);
  assert.equal(r("Gt", "a", ["1"]), false);
  assert.equal(r("Lt", "a", ["2"]), true);
  assert.equal(r("Lt", "b", ["2"]), false, "not an integer");
  assert.equal(r("Bogus", "a"), false);
});

Deno.test("extended resources the node lacks are insufficient", () => {
  const gpu = pod({}, { limits: { "nvidia.com/gpu": "1" }, requests: { "nvidia.com/gpu": "1" } });
  const result = checkFit(gpu, node, []);
  assert.deepEqual(result, { fits: false, reasons: ["Insufficient nvidia.com/gpu"] });
  assert.equal(
    unschedulableMessage(["Insufficient nvidia.com/gpu"]),
    "0/1 nodes are available: 1 Insufficient nvidia.com/gpu.",
  );
});

Deno.test("cpu and memory count the pods already on the node", () => {
  const half = pod({}, { requests: { cpu: "1", memory: "4Gi" } });
  assert.equal(checkFit(half, node, [half]).fits, true);
  const result = checkFit(half, node, [half, half]);
  assert.deepEqual(result, { fits: false, reasons: ["Insufficient cpu", "Insufficient memory"] });
  assert.equal(
    !result.fits && unschedulableMessage(result.reasons),
    "0/1 nodes are available: 1 Insufficient cpu, 1 Insufficient memory.",
  );
});

Deno.test("node affinity is reported before resources, as the scheduler's filter order does", () => {
  const both = pod({ nodeSelector: { gpu: "yes" } }, { requests: { "nvidia.com/gpu": "1" } });
  const result = checkFit(both, node, []);
  assert.deepEqual(result, {
    fits: false,
    reasons: ["node(s) didn't match Pod's node affinity/selector"],
  });
});

Deno.test("untolerated taints reject; matching tolerations admit", () => {
  const tainted: k8s.V1Node = {
    ...node,
    spec: { taints: [{ key: "dedicated", value: "gpu", effect: "NoSchedule" }] },
  };
  assert.equal(checkFit(pod(), tainted, []).fits, false);
  const tolerant = pod({ tolerations: [{ key: "dedicated", operator: "Equal", value: "gpu" }] });
  assert.equal(checkFit(tolerant, tainted, []).fits, true);
});

Deno.test("podRequests: max of init containers and the sum of containers, plus overhead", () => {
  const p: k8s.V1Pod = {
    spec: {
      containers: [
        { name: "a", resources: { requests: { cpu: "100m" } } },
        { name: "b", resources: { limits: { cpu: "200m" } } },
      ],
      initContainers: [{ name: "i", resources: { requests: { cpu: "500m" } } }],
      overhead: { cpu: "10m" },
    },
  };
  assert.ok(Math.abs(podRequests(p).get("cpu")! - 0.51) < 1e-9);
});
