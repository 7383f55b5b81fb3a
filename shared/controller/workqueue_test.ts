import assert from "node:assert/strict";
import { WorkQueue } from "./workqueue.ts";

Deno.test("a key added many times while waiting is handed out once", async () => {
  const q = new WorkQueue();
  for (let i = 0; i < 5; i++) q.add("ns/a");
  q.add("ns/b");
  assert.equal(q.length, 2);
  assert.equal(await q.get(), "ns/a");
  assert.equal(await q.get(), "ns/b");
  assert.equal(q.length, 0);
  q.shutDown();
});

Deno.test("a key added while processing is re-queued once when done, never handed out twice", async () => {
  const q = new WorkQueue();
  q.add("k");
  const key = await q.get();
  q.add("k");
  q.add("k");
  assert.equal(q.length, 0, "not queued while in flight");
  const second = q.get();
  let handedOut = false;
  second.then(() => handedOut = true);
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(handedOut, false, "a second worker does not get the in-flight key");
  q.done(key!);
  assert.equal(await second, "k");
  q.done("k");
  assert.equal(q.length, 0, "re-queued once, not twice");
  q.shutDown();
});

Deno.test("rate-limited adds back off exponentially per key; forget resets", async () => {
  const q = new WorkQueue({ baseDelayMs: 20 });
  const timeAdd = async () => {
    const start = performance.now();
    q.addRateLimited("k");
    const key = await q.get();
    q.done(key!);
    return performance.now() - start;
  };
  const first = await timeAdd();
  const second = await timeAdd();
  const third = await timeAdd();
  assert.ok(first >= 15 && first < 200, `first ${first}`);
  assert.ok(second >= 35, `second ${second}`);
  assert.ok(third >= 75, `third ${third}`);
  assert.equal(q.failures("k"), 3);
  q.forget("k");
  assert.equal(q.failures("k"), 0);
  const afterForget = await timeAdd();
  assert.ok(afterForget < 60, `after forget ${afterForget}`);
  q.shutDown();
});

Deno.test("addAfter keeps the earliest pending time for a key", async () => {
  const q = new WorkQueue();
  const start = performance.now();
  q.addAfter("k", 1000);
  q.addAfter("k", 20);
  q.addAfter("k", 500);
  assert.equal(await q.get(), "k");
  assert.ok(performance.now() - start < 400);
  q.done("k");
  q.shutDown();
});

Deno.test("shutDown releases waiting workers and drops delayed keys", async () => {
  const q = new WorkQueue();
  const waiting = q.get();
  q.addAfter("later", 50);
  q.shutDown();
  assert.equal(await waiting, undefined);
  await new Promise((r) => setTimeout(r, 80));
  assert.equal(q.length, 0);
});
