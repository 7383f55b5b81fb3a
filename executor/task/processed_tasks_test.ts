import assert from "node:assert/strict";
import { randomTaskId } from "../../sdk/testing.ts";
import { openStore, OUTCOME_DEFER_MS, processedTasks } from "./processed_tasks.ts";

/** A store whose commits and reads are counted (the real Deno KV behind it). */
async function countingStore() {
  const kv = await openStore(":memory:");
  const count = { commits: 0, gets: 0 };
  const counted = {
    atomic() {
      const op = kv.atomic();
      const commit = op.commit.bind(op);
      op.commit = () => {
        count.commits++;
        return commit();
      };
      return op;
    },
    get(key: Deno.KvKey) {
      count.gets++;
      return kv.get(key);
    },
    delete: (key: Deno.KvKey) => kv.delete(key),
  } as unknown as Deno.Kv;
  return { kv, counted, count };
}

Deno.test("claims submitted while a commit is in flight share the next one, each its own answer", async () => {
  const { kv, counted, count } = await countingStore();
  const tasks = processedTasks(counted, 60_000);
  const ids = Array.from({ length: 20 }, () => randomTaskId());
  assert.deepEqual(await Promise.all(ids.map((id) => tasks.claim(id))), Array(20).fill(true));
  // The first goes out at once (the store was idle), the other 19 wait for it and go together.
  assert.equal(count.commits, 2, "two commits for 20 claims");
  for (const id of ids) assert.equal(await tasks.state(id), "running");
  kv.close();
});

Deno.test("a claimed id among fresh ones is refused alone, the fresh ones claimed", async () => {
  const { kv, counted } = await countingStore();
  const tasks = processedTasks(counted, 60_000);
  const old = randomTaskId();
  assert.equal(await tasks.claim(old), true);
  const fresh = Array.from({ length: 5 }, () => randomTaskId());
  const answers = await Promise.all([...fresh.map((id) => tasks.claim(id)), tasks.claim(old)]);
  assert.deepEqual(answers, [...Array(5).fill(true), false]);
  kv.close();
});

Deno.test("the same id twice in one group commit is claimed once", async () => {
  const { kv, counted } = await countingStore();
  const tasks = processedTasks(counted, 60_000);
  const id = randomTaskId();
  // Any letter case is the same id; both copies are submitted in the same turn.
  const answers = await Promise.all([
    tasks.claim(randomTaskId()),
    tasks.claim(id),
    tasks.claim(id.toUpperCase().replace("0X", "0x")),
  ]);
  assert.deepEqual(answers.slice(1).sort(), [false, true], "one of the two copies wins");
  kv.close();
});

Deno.test("an outcome costs one write, checked against the claim's version, no read", async () => {
  const { kv, counted, count } = await countingStore();
  const tasks = processedTasks(counted, 60_000);
  const id = randomTaskId();
  assert.equal(await tasks.claim(id), true);
  const before = { ...count };
  await tasks.finish(id, "done");
  assert.deepEqual(
    { commits: count.commits - before.commits, gets: count.gets - before.gets },
    { commits: 1, gets: 0 },
  );
  assert.equal(await tasks.state(id), "done");
  // Released claims are gone, again with one write.
  const other = randomTaskId();
  assert.equal(await tasks.claim(other), true);
  await tasks.release(other);
  assert.equal(await tasks.state(other), undefined);
  assert.equal(await tasks.claim(other), true, "claimable again");
  kv.close();
});

Deno.test("state waits for this store's pending outcome write of the id", async () => {
  const kv = await openStore(":memory:");
  const tasks = processedTasks(kv, 60_000);
  const id = randomTaskId();
  assert.equal(await tasks.claim(id), true);
  const finishing = tasks.finish(id, "failed");
  assert.equal(await tasks.state(id), "failed", "read after the unawaited write");
  await finishing;
  kv.close();
});

Deno.test("an outcome starts no commit: it goes with the next claim's, which the answer waits for anyway", async () => {
  const { kv, counted, count } = await countingStore();
  const tasks = processedTasks(counted, 60_000);
  const first = randomTaskId();
  assert.equal(await tasks.claim(first), true);
  const commits = count.commits;
  const finishing = tasks.finish(first, "done");
  // A write that is not held back starts its commit before the call returns (see the release below).
  assert.equal(count.commits, commits, "no commit of its own");
  const next = randomTaskId();
  const claiming = tasks.claim(next);
  assert.equal(count.commits, commits + 1, "the claim's commit starts at once");
  assert.equal(await claiming, true);
  await finishing;
  assert.equal(count.commits, commits + 1, "the outcome went with the claim");
  const stored = await kv.get<{ state: string }>(["processed-tasks", first.toLowerCase()]);
  assert.equal(stored.value?.state, "done");
  kv.close();
});

Deno.test("an outcome alone lands after OUTCOME_DEFER_MS; flush sends it at once; a release never waits", async () => {
  const { kv, counted, count } = await countingStore();
  const tasks = processedTasks(counted, 60_000);
  const read = async (id: string) =>
    (await kv.get<{ state: string }>(["processed-tasks", id.toLowerCase()])).value?.state;
  const lone = randomTaskId();
  assert.equal(await tasks.claim(lone), true);
  const start = performance.now();
  await tasks.finish(lone, "failed");
  assert.ok(performance.now() - start >= OUTCOME_DEFER_MS - 1, "held back for a shared commit");
  assert.equal(await read(lone), "failed");

  const flushed = randomTaskId();
  assert.equal(await tasks.claim(flushed), true);
  const finishing = tasks.finish(flushed, "done");
  const commits = count.commits;
  await tasks.flush();
  assert.equal(count.commits, commits + 1, "flush commits the held-back outcome");
  assert.equal(await read(flushed), "done");
  await finishing;

  const released = randomTaskId();
  assert.equal(await tasks.claim(released), true);
  const before = count.commits;
  const releasing = tasks.release(released);
  assert.equal(count.commits, before + 1, "a release's commit starts at once");
  await releasing;
  assert.equal(await read(released), undefined);
  // Nothing left queued or timed: the test's sanitizers would fail on a pending timer.
  await tasks.flush();
  kv.close();
});
