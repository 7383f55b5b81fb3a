import * as k8s from "@kubernetes/client-node";
import assert from "node:assert/strict";
import { stalledApiServer, within } from "../../tests/fixture/stalled_api_server.ts";
import { makeApiClient } from "./client.ts";
import { KubeApiError, kubeCall } from "./errors.ts";

/** The error a promise rejects with (undefined if it resolves), without leaving it unhandled. */
function outcome(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(() => undefined, (err) => err);
}

Deno.test("aborting a call's signal cancels its request in flight", async () => {
  const server = stalledApiServer();
  try {
    const core = makeApiClient(server.kubeConfig, k8s.CoreV1Api);
    const stop = new AbortController();
    const call = outcome(kubeCall(
      `Cannot read namespace "x"`,
      (o) => core.readNamespace({ name: "x" }, o),
      { signal: stop.signal },
    ));
    assert.match(
      await within(server.nextRequest(), "the request"),
      /^GET \/api\/v1\/namespaces\/x /,
    );
    const closed = server.nextClose();
    stop.abort(new Error("reconcile timed out"));
    const err = await within(call, "the call to fail");
    assert.ok(err instanceof KubeApiError, String(err));
    assert.equal(err.reason, "Aborted");
    assert.equal(err.message, `Cannot read namespace "x": aborted: reconcile timed out`);
    await within(closed, "the request to be cancelled");
  } finally {
    await server.close();
  }
});

Deno.test("a call whose signal has aborted already is not sent", async () => {
  const server = stalledApiServer();
  try {
    const core = makeApiClient(server.kubeConfig, k8s.CoreV1Api, {
      limiter: { wait: () => Promise.resolve() },
    });
    const err = await outcome(
      kubeCall("Cannot list pods", (o) => core.listNamespacedPod({ namespace: "x" }, o), {
        signal: AbortSignal.abort(new Error("stopped")),
      }),
    );
    assert.ok(err instanceof KubeApiError && err.reason === "Aborted", String(err));
    assert.deepEqual(server.requests, []);
  } finally {
    await server.close();
  }
});

Deno.test("the signal joins other per-call options, such as a patch's Content-Type", async () => {
  const server = stalledApiServer();
  try {
    const core = makeApiClient(server.kubeConfig, k8s.CoreV1Api);
    const stop = new AbortController();
    const call = outcome(kubeCall(
      "Cannot patch",
      (o) =>
        core.patchNamespacedService(
          { name: "s", namespace: "x", body: { metadata: { labels: { a: "b" } } } },
          k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch, o),
        ),
      { signal: stop.signal },
    ));
    const head = await within(server.nextRequest(), "the request");
    assert.match(head, /^PATCH \/api\/v1\/namespaces\/x\/services\/s HTTP/);
    assert.match(head, /\r\ncontent-type: application\/merge-patch\+json/i);
    stop.abort();
    assert.ok(await within(call, "the call to fail") instanceof KubeApiError);
  } finally {
    await server.close();
  }
});

Deno.test("a request the server does not answer fails at the client's request timeout", async () => {
  const server = stalledApiServer();
  try {
    const core = makeApiClient(server.kubeConfig, k8s.CoreV1Api, { timeoutMs: 300 });
    const started = performance.now();
    const call = outcome(
      kubeCall(`Cannot read namespace "x"`, (o) => core.readNamespace({ name: "x" }, o)),
    );
    await within(server.nextRequest(), "the request");
    const closed = server.nextClose();
    const err = await within(call, "the call to time out");
    const tookMs = performance.now() - started;
    assert.ok(err instanceof KubeApiError, String(err));
    assert.equal(err.reason, "Timeout");
    assert.equal(err.message, `Cannot read namespace "x": no answer within the request timeout`);
    assert.ok(tookMs >= 290 && tookMs < 2_000, `timed out after ${tookMs} ms`);
    await within(closed, "the request to be cancelled");
  } finally {
    await server.close();
  }
});

Deno.test("a call's signal ends a request before the client's timeout", async () => {
  const server = stalledApiServer();
  try {
    const core = makeApiClient(server.kubeConfig, k8s.CoreV1Api, { timeoutMs: 60_000 });
    const call = outcome(kubeCall("Cannot read", (o) => core.readNamespace({ name: "x" }, o), {
      signal: AbortSignal.timeout(200),
    }));
    await within(server.nextRequest(), "the request");
    const err = await within(call, "the call to fail");
    assert.ok(err instanceof KubeApiError && err.reason === "Aborted", String(err));
    await within(server.nextClose(), "the request to be cancelled");
  } finally {
    await server.close();
  }
});

Deno.test("a call aborted while waiting on the rate limiter fails at once, unsent", async () => {
  const server = stalledApiServer();
  try {
    const gate = Promise.withResolvers<void>();
    const core = makeApiClient(server.kubeConfig, k8s.CoreV1Api, {
      limiter: { wait: () => gate.promise },
    });
    const stop = new AbortController();
    const call = outcome(
      kubeCall("Cannot read", (o) => core.readNamespace({ name: "x" }, o), { signal: stop.signal }),
    );
    stop.abort(new Error("renew deadline passed"));
    const err = await within(call, "the call to fail");
    assert.ok(err instanceof KubeApiError && err.reason === "Aborted", String(err));
    gate.resolve();
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(server.requests, [], "never sent");
  } finally {
    await server.close();
  }
});
