/**
 * The kubernetes runtime's domain error. Callers branch on `reason` (stable, for metrics, logs
 * and deploy outcomes), never on message text; the API server's error is kept as `cause`.
 * Messages never carry environment values (they may be secrets) nor credentials.
 * @module
 */

import { ReasonError } from "../../../shared/errors/reason_error.ts";

import { KubeApiError } from "../../../shared/kube/errors.ts";

/** Why a kubernetes runtime operation failed. */
export type KubernetesRuntimeErrorReason =
  /** The instance spec cannot become a valid Performer (e.g. a name over 53 characters). */
  | "InvalidSpec"
  /** The API server did not answer within the connection timeout. */
  | "ClusterUnreachable"
  /** The Performer CRD (this group and version) is not served by the cluster. */
  | "CrdMissing"
  /** The API server rejected the executor's credentials. */
  | "Unauthorized"
  /** The executor's identity lacks a permission of the executor Role. */
  | "Forbidden"
  /** A Performer with this name exists already (the performer id was reused). */
  | "AlreadyExists"
  /** The Performer is gone (deleted outside the executor): recreate rather than restart. */
  | "NotFound"
  /** The Performer was deleted while the executor waited for it. */
  | "Deleted"
  /** The operator reports that the image cannot be pulled. */
  | "ImagePullFailed"
  /** The operator reports that the container keeps crashing. */
  | "CrashLooping"
  /** The operator reports that no node can run the pod. */
  | "Unschedulable"
  /** The operator reports a container configuration error (e.g. a missing Secret key). */
  | "ContainerConfigError"
  /** The Performer did not become ready within the ready timeout. */
  | "NotReady"
  /** The caller cancelled the operation. */
  | "Cancelled"
  /** The API server answered another operation with an error. */
  | "ApiError";

/** A kubernetes runtime operation failed. */
export class KubernetesRuntimeError extends ReasonError<KubernetesRuntimeErrorReason> {}

/**
 * Wraps an API failure: ClusterUnreachable when the server did not answer, Unauthorized or
 * Forbidden for 401/403, else `reason`. A KubeApiError's message already says what was tried
 * and ends with the server's own message, so a log line alone tells the whole story.
 */
export function apiFailure(
  reason: KubernetesRuntimeErrorReason,
  action: string,
  err: unknown,
): KubernetesRuntimeError {
  const message = err instanceof KubeApiError
    ? err.message
    : `${action}: ${err instanceof Error ? err.message : String(err)}`;
  return new KubernetesRuntimeError(reasonOf(err, reason), message, { cause: err });
}

function reasonOf(
  err: unknown,
  fallback: KubernetesRuntimeErrorReason,
): KubernetesRuntimeErrorReason {
  if (!(err instanceof KubeApiError)) return fallback;
  if (err.status === 0) return "ClusterUnreachable";
  if (err.status === 401) return "Unauthorized";
  if (err.status === 403) return "Forbidden";
  return fallback;
}
