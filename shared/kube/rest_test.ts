/**
 * The REST client against the local control plane: what the operator relies on it for.
 */

import assert from "node:assert/strict";
import { freshNamespace, testCluster } from "../../tests/fixture/cluster.ts";
import { eventually } from "../../tests/fixture/eventually.ts";
import { Informer } from "../controller/mod.ts";
import { signalOf } from "./call_options.ts";
import { isAlreadyExists, isNotFound, KubeApiError, kubeCall } from "./errors.ts";
import { KubeRest, loadKubeConnection } from "./rest.ts";
import { delay } from "../controller/backoff.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

type ConfigMap = { metadata?: { name?: string; namespace?: string; resourceVersion?: string } };

async function restClient(timeoutMs?: number) {
  const cluster = await testCluster();
  const rest = new KubeRest(loadKubeConnection({ kubeconfigPath: cluster.kubeconfigPath }), {
    timeoutMs,
  });
  return { cluster, rest };
}

Deno.test("requests: create, read, patch, delete, with the API server's errors", opts, async () => {
  const { cluster, rest } = await restClient();
  try {
    const ns = await freshNamespace(cluster, "rest");
    const path = `/api/v1/namespaces/${ns}/configmaps`;
    const created = await rest.request<ConfigMap & { data?: Record<string, string> }>(
      "POST",
      path,
      { body: { metadata: { name: "a" }, data: { k: "1" } }, query: { fieldManager: "test" } },
    );
    assert.equal(created.metadata?.namespace, ns);
    const again = await kubeCall(
      "Cannot create configmap",
      () => rest.request("POST", path, { body: { metadata: { name: "a" } } }),
    ).then(() => undefined, (e) => e);
    assert.ok(isAlreadyExists(again), `${again}`);
    const patched = await rest.request<{ data?: Record<string, string> }>(
      "PATCH",
      `${path}/a`,
      { body: { data: { k: "2" } }, contentType: "application/merge-patch+json" },
    );
    assert.deepEqual(patched.data, { k: "2" });
    await rest.request("DELETE", `${path}/a`, { body: { preconditions: { uid: "wrong" } } })
      .then(() => assert.fail("a delete with the wrong UID must fail"), (e) => {
        assert.equal((e as { code?: number }).code, 409);
      });
    await rest.request("DELETE", `${path}/a`, {});
    const gone = await kubeCall("Cannot read configmap", () => rest.request("GET", `${path}/a`))
      .then(() => undefined, (e) => e);
    assert.ok(isNotFound(gone) && gone instanceof KubeApiError, `${gone}`);
    assert.match(gone.message, /^Cannot read configmap: configmaps "a" not found$/);
  } finally {
    rest.close();
  }
});

Deno.test("an informer over the REST client sees changes, and stops at once", opts, async () => {
  const { cluster, rest } = await restClient();
  const ns = await freshNamespace(cluster, "rest-watch");
  const path = `/api/v1/namespaces/${ns}/configmaps`;
  const informer = new Informer<ConfigMap>({
    name: "configmaps",
    watcher: rest,
    watchPath: path,
    list: async (p) => {
      const page = await rest.request<
        { items: ConfigMap[]; metadata?: { resourceVersion?: string; continue?: string } }
      >("GET", path, { query: { limit: p.limit, continue: p._continue } });
      return {
        items: page.items,
        metadata: {
          resourceVersion: page.metadata?.resourceVersion,
          _continue: page.metadata?.continue,
        },
      };
    },
  });
  const events: string[] = [];
  informer.onEvent((e) => events.push(`${e.type} ${e.object.metadata?.name}`));
  try {
    await informer.start();
    for (const name of ["a", "b"]) {
      await rest.request("POST", path, { body: { metadata: { name } } });
    }
    await rest.request("DELETE", `${path}/a`);
    await eventually(() => assert.deepEqual(events, ["ADDED a", "ADDED b", "DELETED a"]));
    await delay(1500);
    // A watch with events behind it ends when the informer stops (it once hung here: aborting
    // the fetch did not end the pending read of the body).
    const started = Date.now();
    const stopped = await Promise.race([
      informer.stop().then(() => true),
      new Promise<false>((r) => setTimeout(() => r(false), 5000)),
    ]);
    assert.ok(stopped, "the informer stopped within 5 s");
    assert.ok(Date.now() - started < 2000, `stopped after ${Date.now() - started} ms`);
  } finally {
    await informer.stop();
    rest.close();
  }
});

Deno.test("a request's signal cancels it; the request timeout reports Timeout", opts, async () => {
  const { rest } = await restClient(1);
  try {
    const aborted = await kubeCall(
      "Cannot list namespaces",
      (o) => rest.request("GET", "/api/v1/namespaces", { signal: signalOf(o) }),
      { signal: AbortSignal.abort(new Error("stop")) },
    ).then(() => undefined, (e) => e);
    assert.ok(aborted instanceof KubeApiError && aborted.reason === "Aborted", `${aborted}`);
    // 1 ms is too short for any answer from the API server.
    const timedOut = await kubeCall(
      "Cannot list namespaces",
      () => rest.request("GET", "/api/v1/namespaces"),
    ).then(() => undefined, (e) => e);
    assert.ok(timedOut instanceof KubeApiError && timedOut.reason === "Timeout", `${timedOut}`);
  } finally {
    rest.close();
  }
});
