/**
 * Errors from the Kubernetes API, with the HTTP status and the API server's own message, so
 * callers can branch on `status` and people can read what went wrong.
 * @module
 */

import * as k8s from "@kubernetes/client-node";

/** A failed API call: what we tried, the HTTP status, and the server's message. */
export class KubeApiError extends Error {
  /** HTTP status code (0 when the server was not reached). */
  readonly status: number;
  /** Kubernetes `Status.reason`, e.g. "NotFound", "AlreadyExists", "Conflict". */
  readonly reason: string;

  constructor(
    action: string,
    status: number,
    reason: string,
    detail: string,
    options?: ErrorOptions,
  ) {
    super(`${action}: ${detail}`, options);
    this.name = "KubeApiError";
    this.status = status;
    this.reason = reason;
  }
}

/** Wraps any error thrown by a client-node call into a KubeApiError describing `action`. */
export function toKubeApiError(action: string, err: unknown): KubeApiError {
  if (err instanceof KubeApiError) return err;
  if (err instanceof k8s.ApiException) {
    const { reason, message } = parseStatus(err.body);
    // No `cause`: the client's exception repeats the body and headers; the server's message
    // (kept here) is the part worth reading.
    return new KubeApiError(action, err.code, reason, message ?? `HTTP ${err.code}`);
  }
  return new KubeApiError(action, 0, "Unreachable", (err as Error)?.message ?? String(err), {
    cause: err,
  });
}

function parseStatus(body: unknown): { reason: string; message?: string } {
  let status: { reason?: string; message?: string } = {};
  if (typeof body === "string") {
    try {
      status = JSON.parse(body);
    } catch {
      return { reason: "Unknown", message: body.slice(0, 300) };
    }
  } else if (body && typeof body === "object") {
    status = body as typeof status;
  }
  return { reason: status.reason ?? "Unknown", message: status.message };
}

/** Runs a client call, turning its failures into KubeApiError. */
export async function kubeCall<T>(action: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw toKubeApiError(action, err);
  }
}

/** True for a 404 Not Found. */
export function isNotFound(err: unknown): boolean {
  return err instanceof KubeApiError && err.status === 404;
}

/** True for a 409 AlreadyExists (as opposed to a 409 Conflict on update). */
export function isAlreadyExists(err: unknown): boolean {
  return err instanceof KubeApiError && err.status === 409 && err.reason === "AlreadyExists";
}

/** True for a 409 Conflict (stale resourceVersion, failed UID precondition, pod bound already). */
export function isConflict(err: unknown): boolean {
  return err instanceof KubeApiError && err.status === 409 && err.reason === "Conflict";
}
