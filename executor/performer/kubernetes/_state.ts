/**
 * What an observed Performer (and its serving pod) means for the executor: is it ready, has it
 * failed for good, where to dial it, and which instance it stands for. Pure: the runtime feeds
 * it objects from its watch caches.
 *
 * Status is read field by field rather than through the strict zod schema, so a newer operator
 * that adds a status field does not make every Performer look status-less (never ready).
 * @module
 */

import { LABEL } from "../../../shared/api/labels.ts";
import type * as k8s from "@kubernetes/client-node";
import type { PerformerImage } from "../../../shared/config/executor_config.ts";
import {
  TERMINAL_DEGRADED_REASONS,
  type TerminalDegradedReason,
} from "../../../shared/api/conditions.ts";
import { grpcPortOf, isPodReady } from "../../../shared/api/pods.ts";
import { DEFAULT_GRPC_PORT, grpcEndpoint } from "../../../shared/api/performer.ts";
import { imageReference, parseImage } from "../image.ts";
import type { PerformerInstance, RuntimeState } from "../runtime.ts";
import { ANNOTATIONS } from "./_performer_object.ts";
import type { KubernetesRuntimeErrorReason } from "./errors.ts";

/** A Performer as the API server returns it (spec and status unvalidated). */
export interface PerformerResource extends k8s.KubernetesObject {
  spec?: { avsAddress?: string; image?: string; config?: { grpcPort?: number } };
  status?: unknown;
}

/** The status fields the executor reads. */
export interface ObservedStatus {
  ready: boolean;
  phase?: string;
  podName?: string;
  grpcEndpoint?: string;
  observedGeneration?: number;
  conditions: { type: string; status: string; reason: string; message: string; gen?: number }[];
}

// Each terminal Degraded reason is also a runtime error reason of the same name.
const _terminalAreRuntimeReasons: readonly KubernetesRuntimeErrorReason[] =
  TERMINAL_DEGRADED_REASONS;

/** Why a Performer will not become ready. */
export interface Failure {
  reason: TerminalDegradedReason | "Deleted";
  message: string;
}

/** Reads the status defensively; missing or mistyped fields are absent. */
export function readStatus(resource: PerformerResource): ObservedStatus {
  const s = isRecord(resource.status) ? resource.status : {};
  const conditions = Array.isArray(s.conditions) ? s.conditions.filter(isRecord) : [];
  return {
    ready: s.ready === true,
    phase: str(s.phase),
    podName: str(s.podName),
    grpcEndpoint: str(s.grpcEndpoint),
    observedGeneration: num(s.observedGeneration),
    conditions: conditions.map((c) => ({
      type: str(c.type) ?? "",
      status: str(c.status) ?? "",
      reason: str(c.reason) ?? "",
      message: str(c.message) ?? "",
      gen: num(c.observedGeneration),
    })),
  };
}

/**
 * Why the Performer will not become ready, if the operator says so. With `generation`, only a
 * Degraded condition written for that generation or later counts — even while an older pod
 * still serves (a restart rolls a new pod: its failure matters, the old one's does not).
 * Without it, a ready Performer has not failed.
 */
export function failureOf(
  resource: PerformerResource,
  options: { generation?: number } = {},
): Failure | undefined {
  const name = resource.metadata?.name;
  if (resource.metadata?.deletionTimestamp) {
    return { reason: "Deleted", message: `Performer "${name}" is being deleted` };
  }
  const status = readStatus(resource);
  const degraded = status.conditions.find((c) => c.type === "Degraded" && c.status === "True");
  if (!degraded || !(TERMINAL_DEGRADED_REASONS as readonly string[]).includes(degraded.reason)) {
    return undefined;
  }
  if (options.generation !== undefined) {
    if ((degraded.gen ?? status.observedGeneration ?? 0) < options.generation) return undefined;
  } else if (status.ready) {
    return undefined;
  }
  return { reason: degraded.reason as Failure["reason"], message: degraded.message };
}

/** The runtime state: running while the status says ready; failed for the reasons above. */
export function runtimeStateOf(resource: PerformerResource): RuntimeState {
  const status = readStatus(resource);
  const failure = failureOf(resource);
  if (failure) {
    return { running: false, failed: true, detail: `${failure.reason}: ${failure.message}` };
  }
  const degraded = status.conditions.find((c) => c.type === "Degraded" && c.status === "True");
  if (status.ready) {
    return degraded ? { running: true, detail: degraded.message } : { running: true };
  }
  const progressing = status.conditions.find((c) => c.type === "Progressing");
  const detail = degraded?.message || progressing?.message ||
    (status.phase ? `phase ${status.phase}` : "no status from the operator yet");
  return { running: false, detail };
}

/** Which status a wait accepts: with `generation` (a restart), only that generation's. */
export interface ReadinessOptions extends EndpointTrust {
  generation?: number;
  /** The pod being replaced: a status still naming it is not the restarted one. */
  replacing?: string;
}

/**
 * What the executor's own config allows as a Performer's endpoint. A Performer's annotations and
 * status can be edited by anyone with rights on Performers: they never decide on their own where
 * tasks (and the operator's signatures) go.
 */
export interface EndpointTrust {
  /** The `endpointOverride`s of the executor's config; an annotation naming another is ignored. */
  trustedOverrides?: ReadonlySet<string>;
}

/**
 * Where a watched Performer stands for a waiter: `{ endpoint }` once it is ready and its
 * endpoint is known, `{ failure }` when the operator reports one no waiting fixes, else
 * undefined (keep watching).
 */
export function readiness(
  resource: PerformerResource,
  pod: (name: string) => k8s.V1Pod | undefined,
  options: ReadinessOptions = {},
): { endpoint: string } | { failure: Failure } | undefined {
  const failure = failureOf(resource, { generation: options.generation });
  if (failure) return { failure };
  const status = readStatus(resource);
  if (!status.ready) return undefined;
  if (options.generation !== undefined) {
    if ((status.observedGeneration ?? 0) < options.generation) return undefined;
    if (options.replacing !== undefined && status.podName === options.replacing) return undefined;
  }
  const endpoint = endpointOf(resource, pod, options);
  return endpoint ? { endpoint } : undefined;
}

/**
 * How the executor reaches a Performer, from its annotations — an override only when the
 * executor's config has that very override (`trust.trustedOverrides`).
 */
export function connectionOf(
  resource: PerformerResource,
  trust: EndpointTrust = {},
): { connectVia: "service" | "podIP"; endpointOverride?: string } {
  const a = resource.metadata?.annotations ?? {};
  const override = a[ANNOTATIONS.endpointOverride];
  const trusted = override !== undefined && (trust.trustedOverrides?.has(override) ?? false);
  return {
    connectVia: a[ANNOTATIONS.connectVia] === "podIP" ? "podIP" : "service",
    ...(trusted ? { endpointOverride: override } : {}),
  };
}

/**
 * `host:port` to dial: a trusted endpoint override; else the pod IP and grpc port of the serving
 * pod (connectVia podIP — only a Ready, not terminating pod that this Performer controls); else
 * `status.grpcEndpoint`, only in the form the operator writes
 * (`performer-<name>.<namespace>.svc.cluster.local:<port>`). Undefined while it cannot be known
 * yet — or when the status points elsewhere, which the executor never dials.
 */
export function endpointOf(
  resource: PerformerResource,
  pod: (name: string) => k8s.V1Pod | undefined,
  trust: EndpointTrust = {},
): string | undefined {
  const { connectVia, endpointOverride } = connectionOf(resource, trust);
  if (endpointOverride) return endpointOverride;
  const status = readStatus(resource);
  if (connectVia === "service") {
    return isOperatorEndpoint(resource, status.grpcEndpoint) ? status.grpcEndpoint : undefined;
  }
  const serving = status.podName ? pod(status.podName) : undefined;
  const ip = serving?.status?.podIP;
  if (
    !serving || !ip || serving.metadata?.deletionTimestamp || !isPodReady(serving) ||
    !isControlledBy(serving, resource)
  ) {
    return undefined;
  }
  const port = grpcPortOf(serving) ?? resource.spec?.config?.grpcPort ?? DEFAULT_GRPC_PORT;
  return ip.includes(":") ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** Whether `endpoint` is the Service endpoint the operator writes for this Performer. */
function isOperatorEndpoint(resource: PerformerResource, endpoint: string | undefined): boolean {
  const name = resource.metadata?.name;
  const namespace = resource.metadata?.namespace;
  if (!endpoint || !name || !namespace) return false;
  const match = /^(.+):(\d{1,5})$/.exec(endpoint);
  const port = Number(match?.[2]);
  return match !== null && port >= 1 && port <= 65535 &&
    endpoint === grpcEndpoint(name, namespace, port);
}

/** Whether the pod is this Performer's: its controller owner and its performer label. */
function isControlledBy(pod: k8s.V1Pod, resource: PerformerResource): boolean {
  const uid = resource.metadata?.uid;
  const owned = (pod.metadata?.ownerReferences ?? []).some((o) =>
    o.controller === true && o.uid === uid && o.kind === "Performer"
  );
  return uid !== undefined && owned &&
    pod.metadata?.labels?.[LABEL.performer] === resource.metadata?.name;
}

/** The instance a Performer stands for, dialled at `endpoint`. */
export function instanceOf(resource: PerformerResource, endpoint: string): PerformerInstance {
  const meta = resource.metadata ?? {};
  const name = meta.name ?? "";
  const created = meta.creationTimestamp;
  const specFingerprint = meta.labels?.[LABEL.specFingerprint];
  return {
    performerId: meta.labels?.[LABEL.performerId] ?? name,
    avsAddress: resource.spec?.avsAddress ?? meta.labels?.[LABEL.avs] ?? "",
    image: imageOf(resource),
    endpoint,
    resourceId: name,
    // Custom objects arrive as plain JSON: the timestamp is a string, not a Date.
    createdAt: created ? new Date(created) : new Date(0),
    // Performers of older executors have none: adopted by their image alone.
    ...(specFingerprint ? { specFingerprint } : {}),
  };
}

/**
 * The image the Performer runs: the annotation (which keeps the configured tag beside a digest)
 * only when it names exactly what `spec.image` runs, else `spec.image` itself — so an edited
 * spec can never pass for the wanted image at adoption.
 */
export function imageOf(resource: PerformerResource): PerformerImage {
  const running = resource.spec?.image ?? "";
  const stored = resource.metadata?.annotations?.[ANNOTATIONS.image];
  if (stored) {
    try {
      const image = JSON.parse(stored);
      if (typeof image?.repository === "string" && typeof image?.tag === "string") {
        const annotated: PerformerImage = {
          repository: image.repository,
          tag: image.tag,
          ...(typeof image.digest === "string" ? { digest: image.digest } : {}),
        };
        if (imageReference(annotated) === running) return annotated;
      }
    } catch { /* edited by hand: fall back to the spec */ }
  }
  return parseImage(running);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}

function num(v: unknown): number | undefined {
  return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}
