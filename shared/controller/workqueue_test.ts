import assert from "node:assert/strict";
import { FakeClock } from "../../tests/fixture/fake_clock.ts";
import { WorkQueue } from "./workqueue.ts";

Deno.test("a key added many times while waiting is handed out once", async () => {
  const q = new WorkQueue({ clock: new FakeClock() });
  for (let i = 0; i < 5; i++) q.add("ns/a");
  q.add("ns/b");
  assert.equal(q.length, 2);
  assert.equal(await q.get(), "ns/a");
  assert.equal(await q.get(), "ns/b");
  assert.equal(q.length, 0);
  q.shutDown();
});

Deno.test("a key added while processing is re-queued once when done, never handed out twice", async () => {
  const q = new WorkQueue({ clock: new FakeClock() });
  q.add("k");
  const key = await q.get();
  q.add("k");
  q.add("k");
  assert.equal(q.length, 0, "not queued while in flight");
  let second: string | undefined;
  const waiting = q.get().then((k) => second = k);
  await Promise.resolve();
  assert.equal(second, undefined, "a second worker does not get the in-flight key");
  q.done(key!);
  await waiting;
  assert.equal(second, "k");
  q.done("k");
  assert.equal(q.length, 0, "re-queued once, not twice");
  q.shutDown();
});

Deno.test("rate-limited adds back off exponentially per key, up to the cap; forget resets", async () => {
  const clock = new FakeClock();
  const q = new WorkQueue({ baseDelayMs: 20, maxDelayMs: 100, clock });
  /** The delay of the next retry of "k": when it becomes ready, in whole ms. */
  const nextDelay = async () => {
    q.addRateLimited("k");
    for (let ms = 0; ms <= 1000; ms++) {
      if (q.length > 0) {
        q.done((await q.get())!);
        return ms;
      }
      clock.tick(1);
    }
    throw new Error("never queued");
  };
  const delays = [];
  for (let i = 0; i < 5; i++) delays.push(await nextDelay());
  assert.deepEqual(delays, [20, 40, 80, 100, 100]);
  assert.equal(q.failures("k"), 5);
  q.forget("k");
  assert.equal(q.failures("k"), 0);
  assert.equal(await nextDelay(), 20, "after forget");
  q.shutDown();
});

Deno.test("retries of all keys together are limited by the token bucket", () => {
  const clock = new FakeClock();
  const q = new WorkQueue({ baseDelayMs: 5, qps: 10, burst: 2, clock });
  for (const key of ["a", "b", "c", "d"]) q.addRateLimited(key);
  clock.tick(5);
  assert.equal(q.length, 2, "the burst goes at the per-key delay");
  clock.tick(94);
  assert.equal(q.length, 2, "the third waits for a token (100 ms at 10 qps)");
  clock.tick(1);
  assert.equal(q.length, 3);
  clock.tick(100);
  assert.equal(q.length, 4);
  q.shutDown();
});

Deno.test("addAfter keeps the earliest pending time for a key", async () => {
  const clock = new FakeClock();
  const q = new WorkQueue({ clock });
  q.addAfter("k", 1000);
  q.addAfter("k", 20);
  q.addAfter("k", 500);
  clock.tick(19);
  assert.equal(q.length, 0);
  clock.tick(1);
  assert.equal(q.length, 1);
  assert.equal(await q.get(), "k");
  q.done("k");
  clock.tick(2000);
  assert.equal(q.length, 0, "the later adds were dropped");
  q.shutDown();
});

Deno.test("the time a key waited is reported when a worker takes it", async () => {
  const clock = new FakeClock();
  const waited: number[] = [];
  const q = new WorkQueue({ clock, observer: { waited: (s) => waited.push(s) } });
  q.add("k");
  clock.tick(250);
  assert.equal(await q.get(), "k");
  assert.deepEqual(waited, [0.25]);
  q.shutDown();
});

Deno.test("shutDown releases waiting workers and drops delayed keys", async () => {
  const clock = new FakeClock();
  const q = new WorkQueue({ clock });
  const waiting = q.get();
  q.addAfter("later", 50);
  q.shutDown();
  assert.equal(await waiting, undefined);
  assert.equal(clock.pending, 0, "the timer is cancelled");
  clock.tick(100);
  assert.equal(q.length, 0);
});
