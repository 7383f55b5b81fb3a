import * as k8s from "@kubernetes/client-node";
import assert from "node:assert/strict";
import {
  isAlreadyExists,
  isConflict,
  isNotFound,
  KubeApiError,
  kubeCall,
  MAX_THROTTLE_RETRIES,
  retryAfterMs,
  toKubeApiError,
} from "./errors.ts";

/** What client-node throws for an API server's error response. */
function apiException(code: number, reason: string, message: string): k8s.ApiException<string> {
  const body = JSON.stringify({ kind: "Status", status: "Failure", reason, message, code });
  return new k8s.ApiException(code, "error", body, {});
}

/** The KubeApiError a call fails with. */
async function failureOf(call: Promise<unknown>): Promise<KubeApiError> {
  const err = await call.then(() => undefined, (e: unknown) => e);
  assert.ok(err instanceof KubeApiError, `expected a KubeApiError, got ${err}`);
  return err;
}

Deno.test("the 409s are told apart by reason: AlreadyExists is not a Conflict", () => {
  const exists = toKubeApiError("Cannot create node", apiException(409, "AlreadyExists", "x"));
  const conflict = toKubeApiError(
    "Cannot bind pod",
    apiException(409, "Conflict", 'pod p is already assigned to node "n1"'),
  );
  assert.equal(isAlreadyExists(exists), true);
  assert.equal(isConflict(exists), false);
  assert.equal(isConflict(conflict), true);
  assert.equal(isAlreadyExists(conflict), false);
  assert.equal(conflict.message, 'Cannot bind pod: pod p is already assigned to node "n1"');
});

Deno.test("kubeCall turns client failures into KubeApiError with the action", async () => {
  const notFound = await failureOf(kubeCall(
    'Cannot read secret "ns/s"',
    () => Promise.reject(apiException(404, "NotFound", 'secrets "s" not found')),
  ));
  assert.equal(isNotFound(notFound), true);
  assert.equal(notFound.message, 'Cannot read secret "ns/s": secrets "s" not found');
  const unreachable = await failureOf(kubeCall("Cannot list pods", () => {
    throw new TypeError("connection refused");
  }));
  assert.equal(unreachable.status, 0);
  assert.equal(unreachable.reason, "Unreachable");
  assert.equal(isNotFound(unreachable) || isConflict(unreachable), false);
  assert.ok(unreachable.cause instanceof TypeError);
});

/** A 429 as the API server's priority and fairness sends it. */
function throttled(retryAfter?: string): k8s.ApiException<string> {
  const body = JSON.stringify({
    kind: "Status",
    status: "Failure",
    reason: "TooManyRequests",
    message: "Too many requests, please try again later.",
    code: 429,
  });
  return new k8s.ApiException(429, "error", body, retryAfter ? { "retry-after": retryAfter } : {});
}

Deno.test("retryAfterMs: only a 429 with a Retry-After in seconds, capped at a minute", () => {
  assert.equal(retryAfterMs(throttled("1")), 1000);
  assert.equal(retryAfterMs(throttled("0")), 0);
  assert.equal(retryAfterMs(throttled("3600")), 60_000);
  assert.equal(retryAfterMs(throttled()), undefined);
  assert.equal(retryAfterMs(throttled("Wed, 21 Oct 2015 07:28:00 GMT")), undefined);
  assert.equal(retryAfterMs(apiException(409, "Conflict", "x")), undefined);
  assert.equal(retryAfterMs(new Error("boom")), undefined);
});

Deno.test("kubeCall sends a call the API server throttled (429, Retry-After) again", async () => {
  let calls = 0;
  const result = await kubeCall("Cannot create pod", () => {
    calls++;
    return calls < 3 ? Promise.reject(throttled("0")) : Promise.resolve("created");
  });
  assert.equal(result, "created");
  assert.equal(calls, 3);
});

Deno.test("kubeCall: a 429 without Retry-After, or after the last retry, is the error", async () => {
  let calls = 0;
  const noHeader = await failureOf(kubeCall("Cannot create pod", () => {
    calls++;
    return Promise.reject(throttled());
  }));
  assert.equal(noHeader.status, 429);
  assert.equal(noHeader.reason, "TooManyRequests");
  assert.equal(calls, 1);

  calls = 0;
  const always = await failureOf(kubeCall("Cannot create pod", () => {
    calls++;
    return Promise.reject(throttled("0"));
  }));
  assert.equal(always.status, 429);
  assert.equal(calls, MAX_THROTTLE_RETRIES + 1);
});

Deno.test("kubeCall: an abort during the Retry-After wait ends the call at once", async () => {
  const stop = new AbortController();
  const started = Date.now();
  const call = kubeCall("Cannot create pod", () => Promise.reject(throttled("30")), {
    signal: stop.signal,
  });
  setTimeout(() => stop.abort(new Error("reconcile timed out")), 20);
  const err = await failureOf(call);
  assert.equal(err.reason, "Aborted");
  assert.ok(Date.now() - started < 5_000, "not the 30 s the server asked for");
});
