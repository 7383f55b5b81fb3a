/**
 * Would a pod fit the node? The filters of the default scheduler that matter for one node, in its
 * order (NodeUnschedulable, TaintToleration, NodeAffinity, NodeResourcesFit), each failing with
 * the scheduler's own wording so messages read as they do on a real cluster.
 * @module
 */

import type * as k8s from "@kubernetes/client-node";
import { addQuantity, parseQuantity } from "./quantity.ts";

/** The outcome of the filters: fits, or the reasons it does not. */
export type FitResult = { fits: true } | { fits: false; reasons: string[] };

/** Resources whose absence from the node is not a reason to reject (every node has them). */
const ALWAYS_PRESENT = new Set(["cpu", "memory", "ephemeral-storage"]);

/** Checks `pod` against `node`, given the pods already bound to (or assumed on) the node. */
export function checkFit(pod: k8s.V1Pod, node: k8s.V1Node, podsOnNode: k8s.V1Pod[]): FitResult {
  if (node.spec?.unschedulable && !tolerates(pod, "node.kubernetes.io/unschedulable")) {
    return { fits: false, reasons: ["node(s) were unschedulable"] };
  }
  const taint = untoleratedTaint(pod, node);
  if (taint) {
    return {
      fits: false,
      reasons: [`node(s) had untolerated taint {${taint.key}: ${taint.value ?? ""}}`],
    };
  }
  if (!matchesNodeSelector(pod, node)) {
    return { fits: false, reasons: ["node(s) didn't match Pod's node affinity/selector"] };
  }
  const insufficient = insufficientResources(pod, node, podsOnNode);
  return insufficient.length === 0 ? { fits: true } : { fits: false, reasons: insufficient };
}

/** The scheduler's message for a single-node cluster, e.g. `0/1 nodes are available: 1 …`. */
export function unschedulableMessage(reasons: string[]): string {
  const parts = [...reasons].sort().map((reason) => `1 ${reason}`);
  return `0/1 nodes are available: ${parts.join(", ")}.`;
}

function tolerates(pod: k8s.V1Pod, key: string): boolean {
  return (pod.spec?.tolerations ?? []).some((t) =>
    (t.key === key || (t.key === undefined && t.operator === "Exists")) &&
    (t.effect === undefined || t.effect === "" || t.effect === "NoSchedule")
  );
}

function untoleratedTaint(pod: k8s.V1Pod, node: k8s.V1Node): k8s.V1Taint | undefined {
  const hard = (node.spec?.taints ?? []).filter((t) => t.effect !== "PreferNoSchedule");
  return hard.find((taint) => !(pod.spec?.tolerations ?? []).some((t) => toleratesTaint(t, taint)));
}

function toleratesTaint(t: k8s.V1Toleration, taint: k8s.V1Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key === undefined || t.key === "") return t.operator === "Exists";
  if (t.key !== taint.key) return false;
  return t.operator === "Exists" || (t.value ?? "") === (taint.value ?? "");
}

/** nodeSelector and required node affinity (ANDed, as the NodeAffinity plugin does). */
export function matchesNodeSelector(pod: k8s.V1Pod, node: k8s.V1Node): boolean {
  const labels = node.metadata?.labels ?? {};
  for (const [key, value] of Object.entries(pod.spec?.nodeSelector ?? {})) {
    if (labels[key] !== value) return false;
  }
  const required = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (!required) return true;
  // Terms are ORed; a term without requirements matches nothing (as in the API's semantics).
  return required.nodeSelectorTerms.some((term) => termMatches(term, node));
}

function termMatches(term: k8s.V1NodeSelectorTerm, node: k8s.V1Node): boolean {
  const expressions = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (expressions.length === 0 && fields.length === 0) return false;
  const labels = node.metadata?.labels ?? {};
  const fieldValues: Record<string, string> = { "metadata.name": node.metadata?.name ?? "" };
  return expressions.every((r) => requirementMatches(r, labels)) &&
    fields.every((r) => requirementMatches(r, fieldValues));
}

/** One NodeSelectorRequirement against a label map. */
export function requirementMatches(
  r: k8s.V1NodeSelectorRequirement,
  labels: Record<string, string>,
): boolean {
  const has = Object.hasOwn(labels, r.key);
  const value = labels[r.key];
  const values = r.values ?? [];
  switch (r.operator) {
    case "In":
      return has && values.includes(value);
    case "NotIn":
      return !has || !values.includes(value);
    case "Exists":
      return has;
    case "DoesNotExist":
      return !has;
    case "Gt":
    case "Lt":
      return has && values.length === 1 && compareIntegers(value, values[0], r.operator);
    default:
      return false;
  }
}

function compareIntegers(label: string, bound: string, op: "Gt" | "Lt"): boolean {
  if (!/^-?\d+$/.test(label) || !/^-?\d+$/.test(bound)) return false;
  return op === "Gt" ? Number(label) > Number(bound) : Number(label) < Number(bound);
}

/** The resources a pod asks for: max(sum of containers, largest init container) + overhead. */
export function podRequests(pod: k8s.V1Pod): Map<string, number> {
  const sum = new Map<string, number>();
  for (const c of pod.spec?.containers ?? []) addRequests(sum, c);
  for (const c of pod.spec?.initContainers ?? []) {
    const one = new Map<string, number>();
    addRequests(one, c);
    for (const [name, value] of one) sum.set(name, Math.max(sum.get(name) ?? 0, value));
  }
  for (const [name, value] of Object.entries(pod.spec?.overhead ?? {})) {
    addQuantity(sum, name, value);
  }
  return sum;
}

function addRequests(into: Map<string, number>, c: k8s.V1Container): void {
  // The API server defaults requests to limits; read limits too for objects built by hand.
  const merged = { ...c.resources?.limits, ...c.resources?.requests };
  for (const [name, value] of Object.entries(merged)) addQuantity(into, name, value);
}

function insufficientResources(
  pod: k8s.V1Pod,
  node: k8s.V1Node,
  podsOnNode: k8s.V1Pod[],
): string[] {
  const allocatable = node.status?.allocatable ?? {};
  const used = new Map<string, number>();
  for (const other of podsOnNode) {
    for (const [name, value] of podRequests(other)) used.set(name, (used.get(name) ?? 0) + value);
  }
  const reasons: string[] = [];
  if (podsOnNode.length + 1 > parseQuantity(allocatable.pods ?? "0")) reasons.push("Too many pods");
  for (const [name, wanted] of podRequests(pod)) {
    if (wanted <= 0) continue;
    const available = allocatable[name] === undefined ? 0 : parseQuantity(allocatable[name]);
    if (available === 0 && ALWAYS_PRESENT.has(name) && allocatable[name] === undefined) continue;
    // A small tolerance: decimal suffixes (m, Mi) do not add up exactly in binary floats.
    if (wanted + (used.get(name) ?? 0) > available * (1 + 1e-9)) {
      reasons.push(`Insufficient ${name}`);
    }
  }
  return reasons;
}
