import assert from "node:assert/strict";
import { FakeClock, settle } from "../../tests/fixture/fake_clock.ts";
import { type Action, AWAIT_CHANGE, runController, TerminalError } from "./controller.ts";
import { WorkQueue } from "./workqueue.ts";

/** Advances `clock` by `ms` in 1 ms steps, letting the workers run before and after each. */
async function advance(clock: FakeClock, ms: number): Promise<void> {
  for (let i = 0; i < ms; i++) {
    await settle();
    clock.tick(1);
  }
  await settle();
}

Deno.test("workers never reconcile the same key concurrently, and process others in parallel", async () => {
  const clock = new FakeClock();
  const queue = new WorkQueue({ clock });
  const running = new Set<string>();
  let maxParallel = 0;
  let overlapSameKey = false;
  let calls = 0;
  const stop = new AbortController();
  const done = runController({
    name: "t",
    queue,
    clock,
    workers: 4,
    reconcile: async (key) => {
      if (running.has(key)) overlapSameKey = true;
      running.add(key);
      maxParallel = Math.max(maxParallel, running.size);
      await new Promise((r) => clock.setTimeout(() => r(undefined), 20));
      running.delete(key);
      calls++;
      return AWAIT_CHANGE;
    },
  }, stop.signal);
  for (let i = 0; i < 5; i++) {
    queue.add("a");
    queue.add("b");
    queue.add("c");
    await advance(clock, 5);
  }
  await advance(clock, 100);
  stop.abort();
  await done;
  assert.equal(overlapSameKey, false);
  assert.equal(maxParallel, 3, "the three keys ran side by side");
  assert.ok(calls <= 9 && calls >= 6, `adds during a reconcile coalesce: ${calls} calls`);
});

Deno.test("errors are retried with back-off, terminal errors are not, and the loop survives", async () => {
  const clock = new FakeClock();
  const queue = new WorkQueue({ baseDelayMs: 5, clock });
  const attempts = new Map<string, number[]>();
  const stop = new AbortController();
  const failures: boolean[] = [];
  const done = runController({
    name: "t",
    queue,
    clock,
    reconcile: (key) => {
      const times = [...attempts.get(key) ?? [], clock.now()];
      attempts.set(key, times);
      if (key === "flaky" && times.length < 3) throw new Error("transient");
      if (key === "bad") throw new TerminalError("InvalidSpec", "spec is invalid");
      if (key === "boom") throw new TypeError("bug");
      return Promise.resolve(AWAIT_CHANGE);
    },
    observer: { failed: (terminal) => failures.push(terminal) },
  }, stop.signal);
  queue.add("flaky");
  queue.add("bad");
  queue.add("boom");
  queue.add("ok");
  await advance(clock, 30);
  stop.abort();
  await done;
  assert.deepEqual(attempts.get("flaky"), [0, 5, 15], "retried after 5 ms, then 10 ms");
  assert.equal(attempts.get("bad")?.length, 1, "terminal: not retried");
  assert.ok(attempts.get("boom")!.length > 1, "a bug is an error like any other: retried");
  assert.equal(attempts.get("ok")?.length, 1);
  assert.equal(queue.failures("flaky"), 0, "success forgets the back-off");
  assert.equal(failures.filter((t) => t).length, 1);
});

Deno.test("requeueAfter reconciles again after the delay", async () => {
  const clock = new FakeClock();
  const queue = new WorkQueue({ clock });
  const stop = new AbortController();
  const times: number[] = [];
  const done = runController({
    name: "t",
    queue,
    clock,
    reconcile: (): Promise<Action> => {
      times.push(clock.now());
      return Promise.resolve(times.length < 2 ? { requeueAfterMs: 60 } : AWAIT_CHANGE);
    },
  }, stop.signal);
  queue.add("k");
  await advance(clock, 150);
  stop.abort();
  await done;
  assert.deepEqual(times, [0, 60]);
});

Deno.test("a reconcile that hangs is aborted by its timeout and retried", async () => {
  const clock = new FakeClock();
  const queue = new WorkQueue({ baseDelayMs: 5, clock });
  const stop = new AbortController();
  const calls: number[] = [];
  let reason: unknown;
  const done = runController({
    name: "t",
    queue,
    clock,
    timeoutMs: 30,
    reconcile: (_key, signal) => {
      calls.push(clock.now());
      if (calls.length > 1) return Promise.resolve(AWAIT_CHANGE);
      return new Promise((_, reject) =>
        signal.addEventListener("abort", () => reject(reason = signal.reason))
      );
    },
  }, stop.signal);
  queue.add("k");
  await advance(clock, 60);
  stop.abort();
  await done;
  assert.deepEqual(calls, [0, 35], "aborted at 30 ms, retried 5 ms later");
  assert.equal((reason as DOMException).name, "TimeoutError");
  assert.equal(clock.pending, 0, "no timeout timer left behind");
});

Deno.test("stopping the controller aborts the reconciles in flight", async () => {
  const clock = new FakeClock();
  const queue = new WorkQueue({ clock });
  const stop = new AbortController();
  let aborted = false;
  const done = runController({
    name: "t",
    queue,
    clock,
    reconcile: (_key, signal) =>
      new Promise((_, reject) =>
        signal.addEventListener("abort", () => {
          aborted = true;
          reject(signal.reason);
        })
      ),
  }, stop.signal);
  queue.add("k");
  await settle();
  stop.abort(new Error("shutting down"));
  await done;
  assert.equal(aborted, true);
});
