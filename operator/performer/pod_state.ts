/**
 * What a pod's status means for its Performer: is it Ready, and if it is failing, why.
 * @module
 */

import type * as k8s from "@kubernetes/client-node";
import type { PodFailureReason } from "../../shared/api/conditions.ts";
import { isPodReady } from "../../shared/api/pods.ts";

export { isPodReady };

/** Why a pod cannot serve, as a condition reason and a message for people. */
export interface PodFailure {
  reason: PodFailureReason;
  message: string;
}

const IMAGE_PULL_REASONS = new Set([
  "ErrImagePull",
  "ImagePullBackOff",
  "InvalidImageName",
  "ErrImageNeverPull",
]);
const CONFIG_REASONS = new Set([
  "CreateContainerConfigError",
  "CreateContainerError",
  "RunContainerError",
]);

/** True when the pod has ended for good (restartPolicy Always pods end only by eviction). */
export function isPodFinished(pod: k8s.V1Pod): boolean {
  return pod.status?.phase === "Failed" || pod.status?.phase === "Succeeded";
}

/** The reason a pod is not coming up, or undefined if it is fine or still starting. */
export function podFailure(pod: k8s.V1Pod | undefined): PodFailure | undefined {
  if (!pod) return undefined;
  const name = pod.metadata?.name;
  const scheduled = (pod.status?.conditions ?? []).find((c) => c.type === "PodScheduled");
  if (scheduled?.status === "False" && scheduled.reason === "Unschedulable") {
    return {
      reason: "Unschedulable",
      message: `Pod ${name} cannot be scheduled: ${scheduled.message ?? ""}`.trim(),
    };
  }
  if (isPodFinished(pod)) {
    return {
      reason: "PodFailed",
      message: `Pod ${name} ended: ${pod.status?.reason ?? pod.status?.phase}`,
    };
  }
  for (const status of pod.status?.containerStatuses ?? []) {
    const waiting = status.state?.waiting;
    if (!waiting?.reason) continue;
    const detail = waiting.message ? `: ${waiting.message}` : "";
    if (IMAGE_PULL_REASONS.has(waiting.reason)) {
      return {
        reason: "ImagePullFailed",
        message: `Pod ${name}: ${waiting.reason} for ${status.image}${detail}`,
      };
    }
    if (waiting.reason === "CrashLoopBackOff") {
      const exit = status.lastState?.terminated?.exitCode;
      return {
        reason: "CrashLooping",
        message: `Pod ${name} keeps crashing (restarts: ${status.restartCount}${
          exit === undefined ? "" : `, last exit code ${exit}`
        })`,
      };
    }
    if (CONFIG_REASONS.has(waiting.reason)) {
      return { reason: "ContainerConfigError", message: `Pod ${name}: ${waiting.reason}${detail}` };
    }
  }
  return undefined;
}
