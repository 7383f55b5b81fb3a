/**
 * The Performer reconciler: reads a Performer and its children from the informer caches, asks
 * `plan.ts` what to do, and does it through a `PerformerWriter`.
 *
 * Clean-up (guarantees): every child carries a controller ownerReference to its Performer.
 * Once a Performer is gone from the cache, its key is still reconciled (the watch's DELETED event
 * and every event of its children queue it): the reconciler asks the API server whether a
 * Performer of that name exists, and deletes each child controlled by a Performer other than
 * that one (none, if it is gone). So clean-up needs neither a finalizer nor the garbage
 * collector, costs no write while a Performer lives, and works after an operator restart (its
 * first list queues the children's keys). Where a garbage collector runs, it may delete the
 * children first; both are idempotent. Children of an earlier Performer of the same name are
 * removed the same way before the new one gets its own. Performers that still carry the
 * finalizer of earlier versions (`FINALIZER`) are cleaned up as before: phase Terminating,
 * children deleted, then the finalizer removed.
 *
 * Writes per new Performer: pod and Service (at once), one status write (the first status waits
 * up to `STATUS_GRACE_MS` for the pod, see `plan.ts`) and one event.
 *
 * Every write gets the reconcile's AbortSignal (`WriteOptions`): a reconcile that times out (or
 * an operator that stops) cancels its requests in flight, fails, and is retried with back-off.
 *
 * The caches are read-only here. The writer the manager passes in records each write's result in
 * the informers' caches (`recording_writer.ts`), so the next reconcile, which may run before the
 * watch event of our own write arrives, does not repeat it.
 * @module
 */

import type * as k8s from "@kubernetes/client-node";
import type { PerformerStatus } from "../../shared/api/performer.ts";
import {
  type Action,
  AWAIT_CHANGE,
  errorText,
  objectKey,
  type ReadonlyStore,
  TerminalError,
} from "../../shared/controller/mod.ts";
import { canonicalJson } from "./builders.ts";
import { FINALIZER } from "./labels.ts";
import type { PerformerWriter, WriteOptions } from "./kube_writer.ts";
import { parsePerformer, type RawPerformer } from "./performer_object.ts";
import {
  type ChildAction,
  hasOrphans,
  type Observed,
  type PerformerEvent,
  planDeletion,
  planOrphans,
  planReconcile,
} from "./plan.ts";
import { serviceName } from "../../shared/api/performer.ts";

/** The caches the reconciler reads. */
export interface PerformerCaches {
  performers: ReadonlyStore<RawPerformer>;
  /** Indexed by the key of the Performer each pod is labelled for (`performerKeyOf`). */
  pods: ReadonlyStore<k8s.V1Pod>;
  services: ReadonlyStore<k8s.V1Service>;
}

/** Dependencies of the reconciler. */
export interface ReconcilerDeps {
  caches: PerformerCaches;
  writer: PerformerWriter;
  now?: () => Date;
  log?: (level: "debug" | "info" | "warn" | "error", msg: string, fields?: object) => void;
}

/** How long to wait before looking again while children are still terminating. */
const TERMINATING_RECHECK_MS = 2_000;

/** Creates the reconcile function for Performer keys (`namespace/name`). */
export function performerReconciler(
  deps: ReconcilerDeps,
): (key: string, signal: AbortSignal) => Promise<Action> {
  const recentEvents = new Map<string, number>();
  return async (key, signal) => {
    const w: WriteOptions = { signal };
    const raw = deps.caches.performers.get(key);
    const observed = observe(deps.caches, key);
    if (!raw) return await removeOrphans(deps, key, observed, w);
    if (raw.metadata?.deletionTimestamp) return await finalize(deps, raw, w);
    if (hasOrphans(observed, raw.metadata?.uid ?? "")) {
      // Children of an earlier Performer of this name: they go first (their DELETED events
      // queue this key again), then this one gets its own.
      return await removeOrphans(deps, key, observed, w);
    }
    let performer;
    try {
      performer = parsePerformer(raw);
    } catch (err) {
      if (err instanceof TerminalError) await reportInvalidSpec(deps, raw, err, w);
      throw err;
    }
    const plan = planReconcile(performer, observed, (deps.now ?? (() => new Date()))());
    try {
      await applyAll(deps, performer.metadata.namespace, plan.actions, w);
    } catch (err) {
      // Tell users why nothing happens (e.g. a quota or a missing service account), then retry.
      const failure = { reason: "ReconcileError", message: errorText(err) };
      const generation = raw.metadata?.generation;
      const status = withDegraded(plan.status, failure, generation);
      await writeStatus(deps, raw, status, w).catch(() => {});
      throw err;
    }
    const events = recordEvents(deps, raw, plan.events, recentEvents, w);
    if (plan.statusDelayMs !== undefined) {
      await events;
      return { requeueAfterMs: Math.min(plan.statusDelayMs, plan.requeueAfterMs ?? Infinity) };
    }
    await Promise.all([events, writeStatus(deps, raw, plan.status, w)]);
    return plan.requeueAfterMs === undefined
      ? AWAIT_CHANGE
      : { requeueAfterMs: plan.requeueAfterMs };
  };
}

/**
 * Carries out a plan's child writes: creates and Service patches at once, then deletions, so a
 * pod is deleted only after the Service stopped selecting it. Every write of a step is awaited
 * (each result reaches the caches) before the first failure is thrown.
 */
async function applyAll(
  deps: ReconcilerDeps,
  namespace: string,
  actions: ChildAction[],
  w: WriteOptions,
): Promise<void> {
  const deleting = (a: ChildAction) => a.kind === "deletePod" || a.kind === "deleteService";
  for (const step of [actions.filter((a) => !deleting(a)), actions.filter(deleting)]) {
    const results = await Promise.allSettled(step.map((a) => apply(deps, namespace, a, w)));
    const failed = results.find((r) => r.status === "rejected");
    if (failed) throw (failed as PromiseRejectedResult).reason;
  }
}

/**
 * Deletes the children under `key` that no live Performer controls. The cache may lag behind
 * the API server, so the Performer is read from it first: a child is removed only if the
 * Performer controlling it is really gone.
 */
async function removeOrphans(
  deps: ReconcilerDeps,
  key: string,
  observed: Observed,
  w: WriteOptions,
): Promise<Action> {
  if (planOrphans(observed, undefined).remaining === 0) return AWAIT_CHANGE;
  const [namespace, name] = key.split("/");
  const live = await deps.writer.getPerformer(namespace, name, w);
  const { actions } = planOrphans(observed, live?.metadata?.uid);
  await applyAll(deps, namespace, actions, w);
  if (actions.length > 0) {
    deps.log?.("info", "removed children of a deleted performer", {
      performer: key,
      count: actions.length,
    });
  }
  return AWAIT_CHANGE;
}

/** The pods labelled for this Performer and its Service, from the caches. */
function observe(caches: PerformerCaches, key: string): Observed {
  const [namespace, name] = key.split("/");
  return {
    pods: caches.pods.byIndex(key),
    service: caches.services.get(`${namespace}/${serviceName(name)}`),
  };
}

async function finalize(deps: ReconcilerDeps, raw: RawPerformer, w: WriteOptions): Promise<Action> {
  const finalizers = raw.metadata?.finalizers ?? [];
  const index = finalizers.indexOf(FINALIZER);
  if (index < 0) return AWAIT_CHANGE;
  const key = objectKey(raw);
  const namespace = raw.metadata!.namespace!;
  const name = raw.metadata!.name!;
  const status = (raw.status ?? {}) as PerformerStatus;
  if (status.phase !== "Terminating") {
    await writeStatus(deps, raw, { ...status, phase: "Terminating", ready: false }, w);
  }
  // Only the uid is needed: deletion must work even for a spec that no longer validates.
  const { actions, remaining } = planDeletion(raw.metadata!.uid!, observe(deps.caches, key));
  for (const action of actions) await apply(deps, namespace, action, w);
  if (remaining > 0) return { requeueAfterMs: TERMINATING_RECHECK_MS };
  await deps.writer.jsonPatchPerformer(namespace, name, [
    { op: "test", path: `/metadata/finalizers/${index}`, value: FINALIZER },
    { op: "remove", path: `/metadata/finalizers/${index}` },
  ], w);
  deps.log?.("info", "performer cleaned up", { performer: key });
  return AWAIT_CHANGE;
}

async function apply(
  deps: ReconcilerDeps,
  namespace: string,
  action: ChildAction,
  w: WriteOptions,
): Promise<void> {
  const { writer } = deps;
  deps.log?.("info", "applying", { namespace, action: action.kind, name: nameOf(action) });
  switch (action.kind) {
    case "createPod":
      await writer.createPod(namespace, action.pod, w);
      return;
    case "deletePod":
      await writer.deletePod(namespace, action.name, action.uid, w);
      return;
    case "createService":
      await writer.createService(namespace, action.service, w);
      return;
    case "patchService":
      await writer.patchService(namespace, action.name, action.patch, w);
      return;
    case "deleteService":
      await writer.deleteService(namespace, action.name, action.uid, w);
      return;
  }
}

function nameOf(action: ChildAction): string | undefined {
  if (action.kind === "createPod") return action.pod.metadata?.name;
  if (action.kind === "createService") return action.service.metadata?.name;
  return action.name;
}

/**
 * Writes the status only when it differs from the stored one. Keys the new status lacks are sent
 * as null, so a JSON merge patch also clears them (e.g. readyTime once the pod is gone).
 */
async function writeStatus(
  deps: ReconcilerDeps,
  raw: RawPerformer,
  status: PerformerStatus,
  w: WriteOptions,
): Promise<void> {
  const stored = (raw.status ?? {}) as Record<string, unknown>;
  if (canonicalJson(stored) === canonicalJson(status)) return;
  const patch: Record<string, unknown> = { ...status };
  for (const key of Object.keys(stored)) if (!(key in status)) patch[key] = null;
  await deps.writer.patchStatus(
    raw.metadata!.namespace!,
    raw.metadata!.name!,
    { status: patch },
    w,
  );
}

async function reportInvalidSpec(
  deps: ReconcilerDeps,
  raw: RawPerformer,
  err: TerminalError,
  w: WriteOptions,
): Promise<void> {
  const stored = (raw.status ?? {}) as PerformerStatus;
  const failure = { reason: err.reason, message: err.message };
  await writeStatus(deps, raw, withDegraded(stored, failure, raw.metadata?.generation), w);
}

/** `status` with its Degraded condition set to True for `failure`. */
function withDegraded(
  status: PerformerStatus,
  failure: { reason: string; message: string },
  generation: number | undefined,
): PerformerStatus {
  const stamp = new Date().toISOString().replace(/\.\d+Z$/, "Z");
  const previous = status.conditions?.find((c) => c.type === "Degraded");
  const same = previous?.status === "True" && previous.reason === failure.reason;
  const degraded = {
    type: "Degraded",
    status: "True" as const,
    reason: failure.reason,
    message: failure.message.slice(0, 32768),
    observedGeneration: generation,
    lastTransitionTime: same ? previous.lastTransitionTime : stamp,
  };
  return {
    ...status,
    observedGeneration: generation,
    conditions: [...(status.conditions ?? []).filter((c) => c.type !== "Degraded"), degraded],
  };
}

/**
 * Records events, skipping one identical to an event recorded in the last minute. Never fails:
 * events are for people, and failing to record one must not fail the reconcile.
 */
async function recordEvents(
  deps: ReconcilerDeps,
  raw: RawPerformer,
  events: PerformerEvent[],
  recent: Map<string, number>,
  w: WriteOptions,
): Promise<void> {
  const now = Date.now();
  for (const [key, at] of recent) if (now - at > 60_000) recent.delete(key);
  for (const event of events) {
    const key = `${raw.metadata?.uid}|${event.reason}|${event.message}`;
    if (recent.has(key)) continue;
    recent.set(key, now);
    try {
      await deps.writer.recordEvent(raw, event, w);
    } catch (err) {
      // Events are for people; failing to record one must not fail the reconcile.
      deps.log?.("warn", "cannot record event", { reason: event.reason, error: errorText(err) });
    }
  }
}
