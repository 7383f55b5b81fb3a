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

Deno.test("the index follows every change: upsert, relabel, write, delete, re-list", () => {
  const owned = (name: string, owner: string, rv: string): k8s.V1ConfigMap => ({
    metadata: { namespace: "ns", name, resourceVersion: rv, labels: { owner } },
  });
  const store = new Store<k8s.V1ConfigMap>({ index: (c) => c.metadata?.labels?.owner });
  const names = (owner: string) => store.view.byIndex(owner).map((c) => c.metadata?.name).sort();
  store.replace([owned("a", "x", "1"), owned("b", "x", "1"), owned("c", "y", "1")]);
  assert.deepEqual(names("x"), ["a", "b"]);
  assert.deepEqual(names("y"), ["c"]);
  store.upsert(owned("b", "y", "2"));
  assert.deepEqual(names("x"), ["a"], "a relabelled object leaves its old bucket");
  assert.deepEqual(names("y"), ["b", "c"]);
  store.recordWrite(owned("d", "x", "3"));
  store.remove(owned("a", "x", "4"));
  assert.deepEqual(names("x"), ["d"]);
  store.recordDelete("ns/d");
  assert.deepEqual(names("x"), []);
  store.replace([owned("c", "y", "5")]);
  assert.deepEqual(names("y"), ["c"], "a re-list drops what disappeared");
  assert.deepEqual(new Store<k8s.V1ConfigMap>().view.byIndex("x"), [], "no index: empty");
});

Deno.test("the transform applies to lists, events and recorded writes alike", () => {
  const store = new Store<k8s.V1ConfigMap>({
    transform: (c) => ({ metadata: { ...c.metadata, managedFields: undefined } }),
  });
  const fat = (name: string, rv: string): k8s.V1ConfigMap => ({
    metadata: { namespace: "ns", name, resourceVersion: rv, managedFields: [{ manager: "m" }] },
    data: { big: "x".repeat(1000) },
  });
  store.replace([fat("a", "1")]);
  const event = store.upsert(fat("b", "1"));
  store.recordWrite(fat("c", "1"));
  for (const key of ["ns/a", "ns/b", "ns/c"]) {
    const cached = store.get(key)!;
    assert.equal(cached.data, undefined, key);
    assert.equal(cached.metadata?.managedFields, undefined, key);
    assert.equal(cached.metadata?.resourceVersion, "1");
  }
  assert.equal(event?.object.data, undefined, "handlers see the stored object");
});
