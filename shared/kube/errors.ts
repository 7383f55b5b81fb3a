/**
 * Errors from the Kubernetes API, with the HTTP status and the API server's own message, so
 * callers can branch on `status` and people can read what went wrong.
 * @module
 */

import * as k8s from "@kubernetes/client-node";
import { ReasonError } from "../errors/reason_error.ts";
import { withSignal } from "./client.ts";

/** A failed API call: what we tried, the HTTP status, and the server's message. */
export class KubeApiError extends ReasonError {
  /** HTTP status code (0 when the server was not reached). */
  readonly status: number;

  /**
   * `reason` is Kubernetes' `Status.reason`, e.g. "NotFound", "AlreadyExists", "Conflict"; or
   * "Unreachable" (no answer), "Timeout" (no answer within the client's request timeout) and
   * "Aborted" (the call's signal aborted) for failures before a status.
   */
  constructor(
    action: string,
    status: number,
    reason: string,
    detail: string,
    options?: ErrorOptions,
  ) {
    super(reason, `${action}: ${detail}`, options);
    this.status = status;
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
  if ((err as Error)?.name === "AbortError") {
    // The client's request timeout (`makeApiClient`); `kubeCall` reports a request its caller's
    // signal cancelled as "Aborted" before it gets here.
    return new KubeApiError(action, 0, "Timeout", "no answer within the request timeout", {
      cause: err,
    });
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

/** Options of `kubeCall`. */
export interface KubeCallOptions {
  /** Aborts the request, even in flight; the call then fails with reason "Aborted". */
  signal?: AbortSignal;
}

/**
 * Runs a client call, turning its failures into KubeApiError. `call` gets the per-call options
 * to pass to the client method (they carry `options.signal`; see `withSignal`). When the signal
 * aborts, the call fails at once, even while its request still waits on the client's rate
 * limiter (it is then never sent).
 */
export async function kubeCall<T>(
  action: string,
  call: (options: k8s.ConfigurationOptions | undefined) => Promise<T>,
  options: KubeCallOptions = {},
): Promise<T> {
  const { signal } = options;
  try {
    return await untilAborted(call(withSignal(signal)), signal);
  } catch (err) {
    if (signal?.aborted) {
      throw new KubeApiError(action, 0, "Aborted", `aborted: ${reasonText(signal.reason)}`, {
        cause: signal.reason,
      });
    }
    throw toKubeApiError(action, err);
  }
}

/** `promise`, or its rejection with the signal's reason as soon as `signal` aborts. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  promise.catch(() => {}); // Its failure after an abort is expected and not worth reporting.
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

function reasonText(reason: unknown): string {
  return reason instanceof Error ? reason.message : String(reason);
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
