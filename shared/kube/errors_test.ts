import * as k8s from "@kubernetes/client-node";
import assert from "node:assert/strict";
import {
  isAlreadyExists,
  isConflict,
  isNotFound,
  KubeApiError,
  kubeCall,
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
