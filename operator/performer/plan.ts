/**
 * The Performer reconciler's decisions, as a pure function of (Performer, observed pods and
 * Service, now) → (actions on children, new status, events). No I/O here: `reconciler.ts`
 * carries the plan out.
 *
 * Upgrades are zero-downtime: the Service keeps selecting the serving revision until the pod of
 * the new revision is Ready; only then does it switch, and only after the switch are older pods
 * deleted. A new revision that cannot come up leaves the old pod serving (Degraded says why).
 * @module
 */

import type * as k8s from "@kubernetes/client-node";
import {
  type Condition,
  grpcEndpoint,
  type PerformerPhase,
  type PerformerStatus,
  serviceName,
} from "../../shared/api/performer.ts";
import { grpcPortOf } from "../../shared/api/pods.ts";
import { buildPod, buildService, canonicalJson } from "./builders.ts";
import { controllingPerformerUid, isOwnedBy, LABEL } from "./labels.ts";
import type { PerformerObject } from "./performer_object.ts";
import { isPodFinished, isPodReady, type PodFailure, podFailure } from "./pod_state.ts";

/** The children of a Performer, as observed in the cache. */
export interface Observed {
  /** Pods labelled for this Performer (any revision, including terminating ones). */
  pods: k8s.V1Pod[];
  /** The Service named `performer-<name>`, if any. */
  service?: k8s.V1Service;
}

/** A write to a child object. */
export type ChildAction =
  | { kind: "createPod"; pod: k8s.V1Pod }
  | { kind: "deletePod"; name: string; uid?: string }
  | { kind: "createService"; service: k8s.V1Service }
  | { kind: "patchService"; name: string; patch: object }
  | { kind: "deleteService"; name: string; uid?: string };

/** A Kubernetes Event to record on the Performer. */
export interface PerformerEvent {
  type: "Normal" | "Warning";
  reason: string;
  message: string;
}

/** What one reconcile should do. */
export interface Plan {
  actions: ChildAction[];
  status: PerformerStatus;
  events: PerformerEvent[];
  /**
   * Set when the status says only "a new pod is starting" (a new Performer's first status, or
   * Upgrading): wait this many ms for the pod's first answer before writing it
   * (`STATUS_GRACE_MS`).
   */
  statusDelayMs?: number;
  /** Look again after this many ms (old pods held after a Service switch). */
  requeueAfterMs?: number;
}

/** How long the old revision's pods stay after the Service switched to the new one. */
export const SWITCH_SETTLE_MS = 1_000;

/**
 * How long a new Performer's first status, or the Upgrading status of a new revision, may wait
 * for the new pod. A pod that becomes Ready (or fails) within it gets one status write instead of
 * two (Pending then Ready; Upgrading then Running); a slower one shows Pending or Upgrading this
 * much later. Creation then costs four writes: pod, Service, status, event.
 */
export const STATUS_GRACE_MS = 2_000;

/** Plans the reconcile of a live (not deleted) Performer. */
export function planReconcile(performer: PerformerObject, observed: Observed, now: Date): Plan {
  const { pod: desiredPod, revision } = buildPod(performer);
  const owned = observed.pods.filter((p) => isOwnedBy(p, performer.metadata.uid));
  const live = owned.filter((p) => !p.metadata?.deletionTimestamp);
  const target = live.find((p) => p.metadata?.labels?.[LABEL.revision] === revision);
  const service = observed.service;
  const serviceConflict = service !== undefined && !isOwnedBy(service, performer.metadata.uid);
  const selectedRevision = service?.spec?.selector?.[LABEL.revision];
  const selectedPod = live.find((p) => p.metadata?.labels?.[LABEL.revision] === selectedRevision);
  const targetReady = target !== undefined && isPodReady(target);
  const oldServing =
    !targetReady && selectedPod && selectedPod !== target && isPodReady(selectedPod)
      ? selectedPod
      : undefined;

  const actions: ChildAction[] = [];
  const events: PerformerEvent[] = [];
  const desiredName = desiredPod.metadata!.name!;
  if (!target) {
    // A pod of the same name still terminating must be gone before we can create it again.
    if (!owned.some((p) => p.metadata?.name === desiredName)) {
      actions.push({ kind: "createPod", pod: desiredPod });
      events.push({
        type: "Normal",
        reason: oldServing ? "Upgrading" : "CreatingPod",
        message: `Creating pod ${desiredName} (image ${performer.spec.image})`,
      });
    }
  } else if (isPodFinished(target)) {
    actions.push({ kind: "deletePod", name: desiredName, uid: target.metadata?.uid });
  }

  // The Service selects the new revision once it is Ready, or whenever nothing else serves.
  const servingRevision = oldServing ? selectedRevision! : revision;
  const servingPort = oldServing
    ? grpcPortOf(oldServing) ?? performer.spec.config.grpcPort
    : performer.spec.config.grpcPort;
  if (!serviceConflict) {
    const desiredService = buildService(performer, servingRevision, servingPort);
    const serviceAction = planService(desiredService, service);
    if (serviceAction) actions.push(serviceAction);
  }

  const upgraded = targetReady && !serviceConflict && selectedRevision !== undefined &&
    selectedRevision !== revision && selectedPod !== undefined;
  // After the switch, the old revision's Ready pods stay a moment: whoever routes by the
  // Service (endpoints, kube-proxy, meshes, watchers) sees the new selector before they go.
  const holdMs = upgraded ? SWITCH_SETTLE_MS : settleLeft(performer.status?.lastUpgrade, now);
  let held = false;
  for (const pod of live) {
    const name = pod.metadata?.name;
    if (pod === target || pod === oldServing) continue;
    // Before the new revision serves, keep whatever the Service selects (it may come back).
    if (!targetReady && pod === selectedPod) continue;
    if (targetReady && holdMs > 0 && isPodReady(pod)) {
      held = true;
      continue;
    }
    actions.push({ kind: "deletePod", name: name!, uid: pod.metadata?.uid });
  }
  if (upgraded) {
    events.push({
      type: "Normal",
      reason: "Upgraded",
      message: `Service now selects revision ${revision} (image ${performer.spec.image})`,
    });
  }

  const failure = serviceConflict
    ? {
      reason: "ServiceConflict",
      message: `Service ${
        serviceName(performer.metadata.name)
      } exists and is not owned by this Performer`,
    }
    : podFailure(target);
  const status = computeStatus({
    performer,
    now,
    ready: targetReady || oldServing !== undefined,
    servingPod: targetReady ? target : oldServing,
    targetName: desiredName,
    upgrading: oldServing !== undefined,
    upgraded,
    failure,
    port: servingPort,
  });
  events.push(...transitionEvents(performer.status, status));
  const statusDelayMs = firstStatusDelay(performer.status, status, target, now);
  return {
    actions,
    status,
    events,
    ...(statusDelayMs ? { statusDelayMs } : {}),
    ...(held ? { requeueAfterMs: holdMs } : {}),
  };
}

/** Time left of the settle period after a switch at `lastUpgrade` (whole seconds). */
function settleLeft(lastUpgrade: string | undefined, now: Date): number {
  if (!lastUpgrade) return 0;
  // The stamp is truncated to the second: count from its end, so the hold is never shorter.
  const left = Date.parse(lastUpgrade) + 1000 + SWITCH_SETTLE_MS - now.getTime();
  return left > 0 && left <= 1000 + SWITCH_SETTLE_MS ? left : 0;
}

/**
 * Time left before a status that only says "a new pod is starting" should be written: the first
 * status of a new Performer (Pending), or the switch to Upgrading while the old pod serves.
 */
function firstStatusDelay(
  before: PerformerStatus | undefined,
  after: PerformerStatus,
  target: k8s.V1Pod | undefined,
  now: Date,
): number | undefined {
  const starting = before?.phase === undefined && after.phase === "Pending";
  const upgrading = before?.phase !== "Upgrading" && after.phase === "Upgrading";
  if (!starting && !upgrading) return undefined;
  const degraded = after.conditions?.find((c) => c.type === "Degraded");
  if (degraded?.status === "True") return undefined;
  // A pod about to be created is as young as can be; creationTimestamp has whole seconds.
  const stamp = target?.metadata?.creationTimestamp;
  const created = stamp ? new Date(stamp).getTime() : now.getTime();
  const left = created + STATUS_GRACE_MS - now.getTime();
  return left > 0 ? left : undefined;
}

function planService(desired: k8s.V1Service, observed?: k8s.V1Service): ChildAction | undefined {
  if (!observed) return { kind: "createService", service: desired };
  const want = desired.spec!;
  const have = observed.spec ?? {};
  const labels = desired.metadata!.labels!;
  const labelsOk = Object.entries(labels).every(([k, v]) => observed.metadata?.labels?.[k] === v);
  const selectorOk = canonicalJson(have.selector ?? {}) === canonicalJson(want.selector);
  const portsOk = canonicalJson(portView(have.ports)) === canonicalJson(portView(want.ports));
  if (labelsOk && selectorOk && portsOk) return undefined;
  // A merge patch merges maps: keys of the old selector we do not want must be set to null.
  const selector: Record<string, string | null> = { ...want.selector };
  for (const key of Object.keys(have.selector ?? {})) if (!(key in selector)) selector[key] = null;
  return {
    kind: "patchService",
    name: desired.metadata!.name!,
    patch: { metadata: { labels }, spec: { selector, ports: want.ports } },
  };
}

function portView(ports: k8s.V1ServicePort[] | undefined) {
  return (ports ?? []).map((p) => ({
    name: p.name,
    port: p.port,
    targetPort: p.targetPort,
    protocol: p.protocol ?? "TCP",
    appProtocol: p.appProtocol,
  }));
}

interface StatusInput {
  performer: PerformerObject;
  now: Date;
  ready: boolean;
  servingPod?: k8s.V1Pod;
  targetName: string;
  upgrading: boolean;
  upgraded: boolean;
  failure?: PodFailure | { reason: string; message: string };
  port: number;
}

/** The status a Performer should show; timestamps carry over while nothing changes. */
export function computeStatus(input: StatusInput): PerformerStatus {
  const { performer, now, ready, failure } = input;
  const previous = performer.status ?? {};
  const stamp = now.toISOString().replace(/\.\d+Z$/, "Z");
  const phase = phaseOf(input);
  const conditions = [
    condition(
      "Available",
      ready,
      ready ? "PodReady" : failure?.reason ?? "PodNotReady",
      availableMessage(input),
    ),
    progressing(input),
    condition(
      "Degraded",
      failure !== undefined,
      failure?.reason ?? "AsExpected",
      failure?.message ?? "",
    ),
  ].map((c) => carryOver(c, previous.conditions, stamp, performer.metadata.generation));
  return stripUndefined({
    phase,
    ready,
    podName: input.servingPod?.metadata?.name ?? input.targetName,
    serviceName: serviceName(performer.metadata.name),
    grpcEndpoint: grpcEndpoint(performer.metadata.name, performer.metadata.namespace, input.port),
    readyTime: ready
      ? (previous.ready && previous.readyTime ? previous.readyTime : stamp)
      : undefined,
    lastUpgrade: input.upgraded ? stamp : previous.lastUpgrade,
    observedGeneration: performer.metadata.generation,
    conditions,
  });
}

function phaseOf(input: StatusInput): PerformerPhase {
  if (input.ready) {
    if (input.upgrading && input.failure === undefined) return "Upgrading";
    return "Running";
  }
  const reason = input.failure?.reason;
  if (reason === undefined || reason === "Unschedulable") return "Pending";
  return "Failed";
}

function availableMessage(input: StatusInput): string {
  if (input.ready) return `Pod ${input.servingPod?.metadata?.name} is ready`;
  return `Pod ${input.targetName} is not ready`;
}

function progressing(input: StatusInput): Omit<Condition, "lastTransitionTime"> {
  if (input.failure) {
    return {
      type: "Progressing",
      status: "False",
      reason: input.failure.reason,
      message: input.failure.message,
    };
  }
  if (input.upgrading) {
    return {
      type: "Progressing",
      status: "True",
      reason: "Upgrading",
      message: `Waiting for pod ${input.targetName} to become ready`,
    };
  }
  if (!input.ready) {
    return {
      type: "Progressing",
      status: "True",
      reason: "PodStarting",
      message: `Waiting for pod ${input.targetName} to become ready`,
    };
  }
  return {
    type: "Progressing",
    status: "False",
    reason: "Stable",
    message: "The current revision is serving",
  };
}

function condition(
  type: string,
  value: boolean,
  reason: string,
  message: string,
): Omit<Condition, "lastTransitionTime"> {
  return { type, status: value ? "True" : "False", reason, message };
}

function carryOver(
  next: Omit<Condition, "lastTransitionTime">,
  previous: Condition[] | undefined,
  stamp: string,
  generation: number | undefined,
): Condition {
  const before = previous?.find((c) => c.type === next.type);
  return stripUndefined({
    ...next,
    observedGeneration: generation,
    lastTransitionTime: before && before.status === next.status ? before.lastTransitionTime : stamp,
  });
}

/** Events for what changed between two statuses (not for what stayed the same). */
function transitionEvents(
  before: PerformerStatus | undefined,
  after: PerformerStatus,
): PerformerEvent[] {
  const events: PerformerEvent[] = [];
  const degraded = (s?: PerformerStatus) => s?.conditions?.find((c) => c.type === "Degraded");
  const was = degraded(before);
  const now = degraded(after);
  if (now?.status === "True" && (was?.status !== "True" || was.reason !== now.reason)) {
    events.push({ type: "Warning", reason: now.reason, message: now.message });
  }
  // Ready again after a reported failure. The first Ready of a new Performer has no event of
  // its own (CreatingPod told of the pod; the status says Ready): one event per creation.
  if (after.ready && before?.ready === false && was?.status === "True") {
    events.push({ type: "Normal", reason: "Ready", message: `Pod ${after.podName} is ready` });
  }
  return events;
}

/** Whether two statuses differ (so that an unchanged status is never written). */
export function statusChanged(
  before: PerformerStatus | undefined,
  after: PerformerStatus,
): boolean {
  return canonicalJson(before ?? {}) !== canonicalJson(after);
}

/**
 * Plans the removal of children a Performer no longer has: those controlled by a Performer
 * other than `liveUid` (the one of that name the API server has now, if any). Used when a
 * Performer is gone (deleted, or deleted and created again under the same name).
 */
export function planOrphans(observed: Observed, liveUid: string | undefined): {
  actions: ChildAction[];
  remaining: number;
} {
  const orphan = (o: k8s.KubernetesObject) => {
    const owner = controllingPerformerUid(o);
    return owner !== undefined && owner !== liveUid;
  };
  const actions: ChildAction[] = [];
  const pods = observed.pods.filter(orphan);
  for (const pod of pods) {
    if (!pod.metadata?.deletionTimestamp) {
      actions.push({ kind: "deletePod", name: pod.metadata!.name!, uid: pod.metadata?.uid });
    }
  }
  const service = observed.service && orphan(observed.service) ? observed.service : undefined;
  if (service) {
    actions.push({
      kind: "deleteService",
      name: service.metadata!.name!,
      uid: service.metadata?.uid,
    });
  }
  return { actions, remaining: pods.length + (service ? 1 : 0) };
}

/** Whether any child is controlled by a Performer other than the one with `uid`. */
export function hasOrphans(observed: Observed, uid: string): boolean {
  return [...observed.pods, ...(observed.service ? [observed.service] : [])].some((o) => {
    const owner = controllingPerformerUid(o);
    return owner !== undefined && owner !== uid;
  });
}

/** Plans the clean-up of a Performer being deleted: delete every child, then drop the finalizer. */
export function planDeletion(uid: string, observed: Observed): {
  actions: ChildAction[];
  remaining: number;
} {
  const actions: ChildAction[] = [];
  const owned = observed.pods.filter((p) => isOwnedBy(p, uid));
  for (const pod of owned) {
    if (!pod.metadata?.deletionTimestamp) {
      actions.push({ kind: "deletePod", name: pod.metadata!.name!, uid: pod.metadata?.uid });
    }
  }
  const service = observed.service && isOwnedBy(observed.service, uid)
    ? observed.service
    : undefined;
  if (service) {
    actions.push({
      kind: "deleteService",
      name: service.metadata!.name!,
      uid: service.metadata?.uid,
    });
  }
  return { actions, remaining: owned.length + (service ? 1 : 0) };
}

function stripUndefined<T extends object>(obj: T): T {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as T;
}
