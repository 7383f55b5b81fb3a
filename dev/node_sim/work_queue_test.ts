import assert from "node:assert/strict";
import { WorkQueue } from "./work_queue.ts";

async function until(check: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition not reached in time");
    await new Promise((r) => setTimeout(r, 5));
  }
}

Deno.test("a key queued many times is handled once", async () => {
  const handled: string[] = [];
  let release!: () => void;
  const gate = new Promise<void>((r) => release = r);
  const queue = new WorkQueue({
    workers: 1,
    handler: async (key) => {
      handled.push(key);
      if (key === "block") await gate;
    },
  });
  queue.add("block");
  for (let i = 0; i < 5; i++) queue.add("a");
  release();
  await until(() => queue.pending === 0);
  assert.deepEqual(handled, ["block", "a"]);
  await queue.stop();
});

Deno.test("a key is never handled twice at once; added meanwhile, it runs again after", async () => {
  let running = 0;
  let maxRunning = 0;
  let calls = 0;
  const queue = new WorkQueue({
    workers: 4,
    handler: async () => {
      calls++;
      running++;
      maxRunning = Math.max(maxRunning, running);
      await new Promise((r) => setTimeout(r, 20));
      running--;
    },
  });
  queue.add("k");
  await new Promise((r) => setTimeout(r, 5));
  queue.add("k");
  queue.add("k");
  await until(() => queue.pending === 0 && calls === 2);
  assert.equal(maxRunning, 1);
  await queue.stop();
});

Deno.test("a failing key is retried with back-off and does not block others", async () => {
  const attempts = new Map<string, number>();
  const errors: number[] = [];
  const queue = new WorkQueue({
    minRetryMs: 10,
    handler: (key) => {
      attempts.set(key, (attempts.get(key) ?? 0) + 1);
      if (key === "bad" && attempts.get(key)! < 3) return Promise.reject(new Error("boom"));
      return Promise.resolve();
    },
    onError: (_key, _err, delay) => errors.push(delay),
  });
  queue.add("bad");
  queue.add("good");
  await until(() => attempts.get("bad") === 3);
  assert.equal(attempts.get("good"), 1);
  assert.deepEqual(errors, [10, 20]);
  await queue.stop();
});

Deno.test("stop waits for handlers in progress and ignores later adds", async () => {
  let finished = false;
  const queue = new WorkQueue({
    handler: async () => {
      await new Promise((r) => setTimeout(r, 30));
      finished = true;
    },
  });
  queue.add("k");
  await new Promise((r) => setTimeout(r, 1));
  await queue.stop();
  assert.equal(finished, true);
  queue.add("later");
  assert.equal(queue.pending, 0);
});
