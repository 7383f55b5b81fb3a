/**
 * Errors from the Kubernetes API, with the HTTP status and the API server's own message, so
 * callers can branch on `status` and people can read what went wrong.
 * @module
 */

import type * as k8s from "@kubernetes/client-node";
import { ReasonError } from "../errors/reason_error.ts";
import { withSignal } from "./call_options.ts";

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
  if (isHttpFailure(err)) {
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

/**
 * An API server's answer with an error status, as client-node's `ApiException` and the REST
 * client's `KubeHttpError` (`rest.ts`) both carry it: recognised by shape, so this module does not
 * load client-node (a process that only uses `rest.ts` then never does).
 */
interface HttpFailure {
  code: number;
  body: unknown;
  headers?: unknown;
}

function isHttpFailure(err: unknown): err is HttpFailure & Error {
  return err instanceof Error && typeof (err as Partial<HttpFailure>).code === "number" &&
    "body" in err;
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
 * limiter (it is then never sent). A 429 with `Retry-After` (the API server's priority and
 * fairness turning the request away unprocessed) is sent again after that wait, at most
 * `MAX_THROTTLE_RETRIES` times.
 */
export async function kubeCall<T>(
  action: string,
  call: (options: k8s.ConfigurationOptions | undefined) => Promise<T>,
  options: KubeCallOptions = {},
): Promise<T> {
  const { signal } = options;
  const aborted = () =>
    new KubeApiError(action, 0, "Aborted", `aborted: ${reasonText(signal?.reason)}`, {
      cause: signal?.reason,
    });
  for (let retries = 0;; retries++) {
    try {
      return await untilAborted(call(withSignal(signal)), signal);
    } catch (err) {
      if (signal?.aborted) throw aborted();
      const waitMs = retries < MAX_THROTTLE_RETRIES ? retryAfterMs(err) : undefined;
      if (waitMs === undefined) throw toKubeApiError(action, err);
      // Throttled by the API server (priority and fairness): it was not processed, so the same
      // request is sent again after the wait the server asked for.
      if (!await pause(waitMs, signal)) throw aborted();
    }
  }
}

/**
 * Most times one call is sent again after a 429 with `Retry-After` (client-go's default is 10
 * too); after that the 429 is the call's error.
 */
export const MAX_THROTTLE_RETRIES = 10;

/** Longest `Retry-After` honoured; a longer one is cut to this. */
const MAX_RETRY_AFTER_MS = 60_000;

/**
 * The wait a 429 Too Many Requests asks for in its `Retry-After` header (seconds), or undefined
 * for any other failure, and for a 429 without the header (as client-go: only a server that says
 * when to come back is retried).
 */
export function retryAfterMs(err: unknown): number | undefined {
  if (!isHttpFailure(err) || err.code !== 429) return undefined;
  const headers = (err.headers ?? {}) as Record<string, string>;
  const value = headers["retry-after"] ?? headers["Retry-After"];
  if (value === undefined || !/^\s*\d+\s*$/.test(value)) return undefined;
  return Math.min(Number(value) * 1000, MAX_RETRY_AFTER_MS);
}

/** Waits `ms`; false when `signal` aborts first. */
function pause(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      resolve(ok);
    };
    const onAbort = () => done(false);
    const timer = setTimeout(() => done(true), ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
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
