import assert from "node:assert/strict";
import { AWAIT_CHANGE, runController, TerminalError } from "./controller.ts";
import { WorkQueue } from "./workqueue.ts";

Deno.test("workers never reconcile the same key concurrently, and process others in parallel", async () => {
  const queue = new WorkQueue();
  const running = new Set<string>();
  let maxParallel = 0;
  let overlapSameKey = false;
  let calls = 0;
  const stop = new AbortController();
  const done = runController({
    name: "t",
    queue,
    workers: 4,
    reconcile: async (key) => {
      if (running.has(key)) overlapSameKey = true;
      running.add(key);
      maxParallel = Math.max(maxParallel, running.size);
      await new Promise((r) => setTimeout(r, 20));
      running.delete(key);
      calls++;
      return AWAIT_CHANGE;
    },
  }, stop.signal);
  for (let i = 0; i < 5; i++) {
    queue.add("a");
    queue.add("b");
    queue.add("c");
    await new Promise((r) => setTimeout(r, 5));
  }
  await new Promise((r) => setTimeout(r, 150));
  stop.abort();
  await done;
  assert.equal(overlapSameKey, false);
  assert.ok(maxParallel >= 2, `parallel ${maxParallel}`);
  assert.ok(calls <= 9 && calls >= 3, `coalesced adds: ${calls} calls`);
});

Deno.test("errors are retried with back-off, terminal errors are not, and the loop survives", async () => {
  const queue = new WorkQueue({ baseDelayMs: 5 });
  const attempts = new Map<string, number>();
  const stop = new AbortController();
  const failures: boolean[] = [];
  const done = runController({
    name: "t",
    queue,
    reconcile: (key) => {
      const n = (attempts.get(key) ?? 0) + 1;
      attempts.set(key, n);
      if (key === "flaky" && n < 3) throw new Error("transient");
      if (key === "bad") throw new TerminalError("InvalidSpec", "spec is invalid");
      if (key === "boom") throw new TypeError("bug");
      return Promise.resolve(AWAIT_CHANGE);
    },
    observer: { failed: (terminal) => failures.push(terminal) },
  }, stop.signal);
  queue.add("flaky");
  queue.add("bad");
  queue.add("ok");
  await new Promise((r) => setTimeout(r, 200));
  stop.abort();
  await done;
  assert.equal(attempts.get("flaky"), 3, "retried until it succeeded");
  assert.equal(attempts.get("bad"), 1, "terminal: not retried");
  assert.equal(attempts.get("ok"), 1);
  assert.equal(queue.failures("flaky"), 0, "success forgets the back-off");
  assert.deepEqual(failures.filter((t) => t).length, 1);
});

Deno.test("requeueAfter reconciles again after the delay", async () => {
  const queue = new WorkQueue();
  const stop = new AbortController();
  const times: number[] = [];
  const done = runController({
    name: "t",
    queue,
    reconcile: () => {
      times.push(performance.now());
      return Promise.resolve(times.length < 2 ? { requeueAfterMs: 60 } : AWAIT_CHANGE);
    },
  }, stop.signal);
  queue.add("k");
  await new Promise((r) => setTimeout(r, 150));
  stop.abort();
  await done;
  assert.equal(times.length, 2);
  assert.ok(times[1] - times[0] >= 55);
});

Deno.test("a reconcile that hangs is aborted by its timeout and retried", async () => {
  const queue = new WorkQueue({ baseDelayMs: 5 });
  const stop = new AbortController();
  let calls = 0;
  const done = runController({
    name: "t",
    queue,
    timeoutMs: 30,
    reconcile: (_key, signal) => {
      calls++;
      if (calls > 1) return Promise.resolve(AWAIT_CHANGE);
      return new Promise((_, reject) =>
        signal.addEventListener("abort", () => reject(signal.reason))
      );
    },
  }, stop.signal);
  queue.add("k");
  await new Promise((r) => setTimeout(r, 120));
  stop.abort();
  await done;
  assert.equal(calls, 2);
});
