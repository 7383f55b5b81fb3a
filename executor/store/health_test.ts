import assert from "node:assert/strict";
import { holdSqliteLock } from "../../tests/fixture/sqlite_lock.ts";
import { randomTaskId } from "../../sdk/testing.ts";
import { processedTasks } from "../task/processed_tasks.ts";
import { StoreError } from "./errors.ts";
import { StoreHealth } from "./health.ts";
import { openCheckedStore } from "./open_store.ts";

// The lock holder's child process and a store call it blocks outlive single awaits on purpose.
const opts = { sanitizeOps: false, sanitizeResources: false };

async function rejectsWithin(promise: Promise<unknown>, ms: number): Promise<StoreError> {
  const start = Date.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const err = await Promise.race([
    promise.then(() => "a success", (e) => e),
    new Promise((r) => timer = setTimeout(() => r(`still pending after ${ms} ms`), ms)),
  ]);
  clearTimeout(timer);
  const took = Date.now() - start;
  assert.ok(err instanceof StoreError, `a StoreError, got ${err}`);
  assert.equal(err.reason, "StoreUnavailable");
  assert.ok(took < ms, `failed after ${took} ms, bound ${ms} ms`);
  return err;
}

Deno.test(
  "a store another process write-locks fails store calls at once and recovers after",
  opts,
  async () => {
    const dir = await Deno.makeTempDir();
    const path = `${dir}/executor.kv`;
    const store = await openCheckedStore(path);
    const tasks = processedTasks(store.kv, 60_000, { health: store.health });
    const running = randomTaskId();
    assert.equal(await tasks.claim(running), true);
    const holder = await holdSqliteLock(path);
    try {
      const id = randomTaskId();
      const err = await rejectsWithin(tasks.claim(id, { deadline: Date.now() + 2_000 }), 2_000);
      assert.match(
        err.message,
        new RegExp(`executor store ${path} failed the claim of task ${id}`),
      );
      assert.match(store.health.problem ?? "", /database is locked/);
      // Checked writes fail at once; a plain set would wait SQLite's 5 s busy timeout, holding up
      // every write queued behind it.
      await rejectsWithin(store.health.probe(), 1_000);
      const finish = await rejectsWithin(tasks.finish(running, "done"), 1_000);
      assert.match(finish.message, /failed the outcome of task .*: database is locked/);
      await holder.release();
      await store.health.probe();
      assert.equal(store.health.problem, undefined, "usable again after a probe write");
      assert.equal(await tasks.claim(id), true, "the failed claim left nothing behind");
    } finally {
      await holder.release();
      store.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
);

Deno.test(
  "a store opened while locked: a claim is bounded by its deadline, not the lock",
  opts,
  async () => {
    const dir = await Deno.makeTempDir();
    const path = `${dir}/executor.kv`;
    (await openCheckedStore(path)).close();
    const holder = await holdSqliteLock(path);
    const kv = await Deno.openKv(path);
    try {
      const health = new StoreHealth(kv, { path });
      const tasks = processedTasks(kv, 60_000, { health });
      // Unbounded, as before: still waiting for the lock after 3 s (measured: as long as it is held).
      const raw = kv.get(["unbounded"]);
      const waited = await Promise.race([
        raw.then(() => "answered"),
        new Promise((r) => setTimeout(() => r("still waiting"), 3_000)),
      ]);
      assert.equal(waited, "still waiting");
      const id = randomTaskId();
      const start = Date.now();
      const err = await rejectsWithin(tasks.claim(id, { deadline: Date.now() + 300 }), 1_000);
      assert.ok(Date.now() - start >= 290, "not before its deadline");
      assert.match(err.message, /did not answer the claim of task .* within (29\d|300) ms/);
      await holder.release();
      await raw;
      // The timed-out claim lands once the lock goes; it is dropped again (the task never ran).
      let state: string | undefined = "pending";
      for (let i = 0; i < 50 && state !== undefined; i++) {
        await new Promise((r) => setTimeout(r, 100));
        state = await tasks.state(id);
      }
      assert.equal(state, undefined, "a late claim of a task that was not run is released");
    } finally {
      await holder.release();
      kv.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
);
