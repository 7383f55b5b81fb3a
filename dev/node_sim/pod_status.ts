/**
 * The kubelet's part of a pod's status, computed from what the node observes (pure functions):
 * phase as the kubelet derives it for the restart policy, the conditions it owns with
 * `lastTransitionTime` moving only on transitions, pod and host IPs, container statuses.
 * Conditions it does not own (PodScheduled, readiness gates, DisruptionTarget) are left alone.
 * @module
 */

import type * as k8s from "@kubernetes/client-node";
import {
  type ConditionJson,
  type ContainerStatusJson,
  isoTime,
  type OwnedStatus,
} from "./status_types.ts";

/** What the node knows about a pod it runs. */
export interface PodSnapshot {
  podIP: string;
  hostIP: string;
  startTime: string;
  containers: ContainerStatusJson[];
}

/** Condition types the kubelet writes. */
export const KUBELET_CONDITIONS = [
  "PodReadyToStartContainers",
  "Initialized",
  "ContainersReady",
  "Ready",
];

/** Computes the owned status; `previous` supplies transition times of unchanged conditions. */
export function computeStatus(
  pod: k8s.V1Pod,
  snap: PodSnapshot,
  previous: ConditionJson[],
  now: string,
): OwnedStatus {
  const phase = podPhase(pod.spec?.restartPolicy, snap.containers);
  const containersReady = containersReadyCondition(phase, snap.containers);
  const conditions: Omit<ConditionJson, "lastTransitionTime" | "lastProbeTime">[] = [
    { type: "PodReadyToStartContainers", status: "True" },
    { type: "Initialized", status: "True" },
    containersReady,
    readyCondition(pod, containersReady),
  ];
  return {
    phase,
    conditions: conditions.map((c) => withTransition(c, previous, now)),
    hostIP: snap.hostIP,
    hostIPs: [{ ip: snap.hostIP }],
    podIP: snap.podIP,
    podIPs: [{ ip: snap.podIP }],
    startTime: snap.startTime,
    containerStatuses: snap.containers,
  };
}

/** The kubelet's phase for the restart policy, from its containers' states. */
export function podPhase(
  restartPolicy: string | undefined,
  containers: ContainerStatusJson[],
): OwnedStatus["phase"] {
  let running = 0, waiting = 0, stopped = 0, succeeded = 0;
  for (const c of containers) {
    if (c.state.running) running++;
    else if (c.state.terminated) {
      stopped++;
      if (c.state.terminated.exitCode === 0) succeeded++;
    } // A container waiting to be restarted has run: it counts as stopped, not pending.
    else if (c.lastState.terminated) stopped++;
    else waiting++;
  }
  if (waiting > 0 || containers.length === 0) return "Pending";
  if (running > 0) return "Running";
  if (restartPolicy === "Never") return succeeded === stopped ? "Succeeded" : "Failed";
  if (restartPolicy === "OnFailure") return succeeded === stopped ? "Succeeded" : "Running";
  return "Running";
}

function containersReadyCondition(
  phase: OwnedStatus["phase"],
  containers: ContainerStatusJson[],
): Omit<ConditionJson, "lastTransitionTime" | "lastProbeTime"> {
  if (phase === "Succeeded" || phase === "Failed") {
    return { type: "ContainersReady", status: "False", reason: "PodCompleted" };
  }
  const unready = containers.filter((c) => !c.ready).map((c) => c.name);
  if (unready.length === 0) return { type: "ContainersReady", status: "True" };
  return {
    type: "ContainersReady",
    status: "False",
    reason: "ContainersNotReady",
    message: `containers with unready status: [${unready.join(" ")}]`,
  };
}

function readyCondition(
  pod: k8s.V1Pod,
  containersReady: Omit<ConditionJson, "lastTransitionTime" | "lastProbeTime">,
): Omit<ConditionJson, "lastTransitionTime" | "lastProbeTime"> {
  if (containersReady.status !== "True") return { ...containersReady, type: "Ready" };
  for (const gate of pod.spec?.readinessGates ?? []) {
    const found = pod.status?.conditions?.find((c) => c.type === gate.conditionType);
    if (found?.status === "True") continue;
    const message = found
      ? `the status of pod readiness gate "${gate.conditionType}" is not "True", but ${found.status}`
      : `corresponding condition of pod readiness gate "${gate.conditionType}" does not exist.`;
    return { type: "Ready", status: "False", reason: "ReadinessGatesNotReady", message };
  }
  return { type: "Ready", status: "True" };
}

function withTransition(
  c: Omit<ConditionJson, "lastTransitionTime" | "lastProbeTime">,
  previous: ConditionJson[],
  now: string,
): ConditionJson {
  const before = previous.find((p) => p.type === c.type);
  const lastTransitionTime = before && before.status === c.status ? before.lastTransitionTime : now;
  return { ...c, lastProbeTime: null, lastTransitionTime };
}

/** The kubelet-owned conditions currently on `pod` (for a pod adopted by a new simulator). */
export function ownedConditions(pod: k8s.V1Pod): ConditionJson[] {
  return (pod.status?.conditions ?? [])
    .filter((c) => KUBELET_CONDITIONS.includes(c.type))
    .map((c) => ({
      type: c.type,
      status: c.status === "True" ? "True" : "False",
      lastProbeTime: null,
      lastTransitionTime: isoTime(c.lastTransitionTime) ?? "",
    }));
}

/**
 * A strategic merge patch for pods/status. Conditions merge by type, so others' conditions stay,
 * but so would the fields of ours: a condition turning True spells out `reason: null` and
 * `message: null`, and container states spell out `null` for the states they are not in, so a
 * merge never leaves a stale reason behind or `waiting` next to `running`.
 */
export function statusPatch(status: OwnedStatus): { status: Record<string, unknown> } {
  const cleared = { waiting: null, running: null, terminated: null };
  return {
    status: {
      ...status,
      conditions: status.conditions.map((c) => ({ reason: null, message: null, ...c })),
      containerStatuses: status.containerStatuses.map((c) => ({
        ...c,
        state: { ...cleared, ...c.state },
        lastState: { ...cleared, ...c.lastState },
      })),
    },
  };
}

/** Deep equality of two statuses (key order does not matter). */
export function sameStatus(a: OwnedStatus | undefined, b: OwnedStatus | undefined): boolean {
  return canonical(a) === canonical(b);
}

function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== "object" || Array.isArray(v)) return v;
    const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined);
    return Object.fromEntries(entries.sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)));
  });
}
