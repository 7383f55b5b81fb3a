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
import { DEFAULT_GRPC_PORT } from "../../../shared/api/performer.ts";
import { parseImage } from "../image.ts";
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
export interface ReadinessOptions {
  generation?: number;
  /** The pod being replaced: a status still naming it is not the restarted one. */
  replacing?: string;
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
  const endpoint = endpointOf(resource, pod);
  return endpoint ? { endpoint } : undefined;
}

/** How the executor reaches a Performer, from its annotations. */
export function connectionOf(
  resource: PerformerResource,
): { connectVia: "service" | "podIP"; endpointOverride?: string } {
  const a = resource.metadata?.annotations ?? {};
  const override = a[ANNOTATIONS.endpointOverride];
  return {
    connectVia: a[ANNOTATIONS.connectVia] === "podIP" ? "podIP" : "service",
    ...(override ? { endpointOverride: override } : {}),
  };
}

/**
 * `host:port` to dial: the endpoint override; else the pod IP and grpc port of the serving pod
 * (connectVia podIP — only once that pod is Ready and not terminating); else
 * `status.grpcEndpoint`. Undefined while it cannot be known yet.
 */
export function endpointOf(
  resource: PerformerResource,
  pod: (name: string) => k8s.V1Pod | undefined,
): string | undefined {
  const { connectVia, endpointOverride } = connectionOf(resource);
  if (endpointOverride) return endpointOverride;
  const status = readStatus(resource);
  if (connectVia === "service") return status.grpcEndpoint;
  const serving = status.podName ? pod(status.podName) : undefined;
  const ip = serving?.status?.podIP;
  if (!serving || !ip || serving.metadata?.deletionTimestamp || !isPodReady(serving)) {
    return undefined;
  }
  const port = grpcPortOf(serving) ?? resource.spec?.config?.grpcPort ?? DEFAULT_GRPC_PORT;
  return ip.includes(":") ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** The instance a Performer stands for, dialled at `endpoint`. */
export function instanceOf(resource: PerformerResource, endpoint: string): PerformerInstance {
  const meta = resource.metadata ?? {};
  const name = meta.name ?? "";
  const created = meta.creationTimestamp;
  return {
    performerId: meta.labels?.[LABEL.performerId] ?? name,
    avsAddress: resource.spec?.avsAddress ?? meta.labels?.[LABEL.avs] ?? "",
    image: imageOf(resource),
    endpoint,
    resourceId: name,
    // Custom objects arrive as plain JSON: the timestamp is a string, not a Date.
    createdAt: created ? new Date(created) : new Date(0),
  };
}

/** The image as configured (annotation), else parsed from `spec.image`. */
export function imageOf(resource: PerformerResource): PerformerImage {
  const stored = resource.metadata?.annotations?.[ANNOTATIONS.image];
  if (stored) {
    try {
      const image = JSON.parse(stored);
      if (typeof image?.repository === "string" && typeof image?.tag === "string") {
        return {
          repository: image.repository,
          tag: image.tag,
          ...(typeof image.digest === "string" ? { digest: image.digest } : {}),
        };
      }
    } catch { /* edited by hand: fall back to the spec */ }
  }
  return parseImage(resource.spec?.image ?? "");
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
