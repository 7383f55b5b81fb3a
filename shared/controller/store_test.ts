import type * as k8s from "@kubernetes/client-node";
import assert from "node:assert/strict";
import { Store } from "./store.ts";

function cm(name: string, resourceVersion: string): k8s.V1ConfigMap {
  return { metadata: { namespace: "ns", name, resourceVersion } };
}

Deno.test("the read-only view sees the store's changes and offers no way to write", () => {
  const store = new Store<k8s.V1ConfigMap>();
  const view = store.view;
  assert.equal(view.synced, false);
  store.replace([cm("a", "1")]);
  assert.equal(view.synced, true);
  assert.equal(view.size, 1);
  assert.equal(view.get("ns/a")?.metadata?.resourceVersion, "1");
  assert.deepEqual(view.list((c) => c.metadata?.name === "b"), []);
  for (const writer of ["replace", "upsert", "remove", "recordWrite", "recordDelete"]) {
    assert.equal((view as unknown as Record<string, unknown>)[writer], undefined, writer);
  }
  assert.ok(Object.isFrozen(view));
});

Deno.test("a recorded write never replaces a newer cached version, and a delete stays deleted", () => {
  const store = new Store<k8s.V1ConfigMap>();
  store.replace([cm("a", "5")]);
  store.recordWrite(cm("a", "4"));
  assert.equal(store.get("ns/a")?.metadata?.resourceVersion, "5", "older write ignored");
  store.recordWrite(cm("a", "6"));
  assert.equal(store.get("ns/a")?.metadata?.resourceVersion, "6");
  store.remove(cm("a", "7"));
  store.recordTerminating(cm("a", "7"));
  assert.equal(store.get("ns/a"), undefined, "a terminating result does not bring it back");
});

Deno.test("a re-list reports what disappeared meanwhile as deleted", () => {
  const store = new Store<k8s.V1ConfigMap>();
  store.replace([cm("a", "1"), cm("b", "1")]);
  const events = store.replace([cm("b", "2"), cm("c", "1")]);
  assert.deepEqual(
    events.map((e) => `${e.type} ${e.object.metadata?.name}`).sort(),
    ["ADDED c", "DELETED a", "MODIFIED b"],
  );
});
