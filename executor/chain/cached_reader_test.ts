import assert from "node:assert/strict";
import { seededRandom } from "../../tests/fixture/seeded_random.ts";
import { CachedOperatorSetReader, type CachedReaderOptions } from "./cached_reader.ts";
import { addr, ecdsaKey, FakeChain, type FakeEvent } from "./_test_util.ts";
import { ChainReadError } from "./operator_set_reader.ts";

const AVS = addr(0xa5);
const REGISTRAR = addr(0x4e6);
const AGGREGATOR = addr(0xa6);
const OPERATOR = addr(0x0b);

/** An AVS with a task registrar (aggregator set 0), sets 0, 1 ECDSA and 2 BN254. */
function setUp(chain: FakeChain): bigint {
  return chain.mine(
    { kind: "registrar", avs: AVS, registrar: REGISTRAR },
    { kind: "avsConfig", registrar: REGISTRAR, aggregatorOperatorSetId: 0 },
    { kind: "curve", avs: AVS, operatorSetId: 0, curve: "ecdsa" },
    { kind: "curve", avs: AVS, operatorSetId: 1, curve: "ecdsa" },
    { kind: "curve", avs: AVS, operatorSetId: 2, curve: "bn254" },
    key(0, AGGREGATOR, 100),
    key(1, OPERATOR, 101),
  );
}

function key(operatorSetId: number, operator: string, n: number | null): FakeEvent {
  return {
    kind: "key",
    avs: AVS,
    operatorSetId,
    operator: operator as `0x${string}`,
    key: n === null ? null : ecdsaKey(n),
  };
}

function reader(chain: FakeChain, options: Partial<CachedReaderOptions> = {}) {
  return new CachedOperatorSetReader({ source: chain, pollIntervalMs: 60_000, ...options });
}

async function rejectsWith(promise: Promise<unknown>, reason: string, message?: RegExp) {
  const err = await promise.then(() => undefined, (e) => e);
  assert.ok(err instanceof ChainReadError, `expected a ChainReadError, got ${err}`);
  assert.equal(err.reason, reason);
  if (message) assert.match(err.message, message);
}

Deno.test("steady state: after warm-up, tasks make no request; syncs cost per block, not per task", async () => {
  const chain = new FakeChain();
  const ready = setUp(chain);
  const cache = reader(chain);
  await cache.sync();
  const warm = chain.totalCalls;
  assert.deepEqual(await cache.aggregatorKey(AVS, AGGREGATOR, ready), {
    registrar: REGISTRAR,
    operatorSetId: 0,
    curve: "ecdsa",
    key: ecdsaKey(100),
  });
  assert.deepEqual(await cache.operatorKey(AVS, 1, OPERATOR, ready), ecdsaKey(101));
  assert.equal(await cache.curveType(AVS, 1, ready), "ecdsa");
  // registrar, avsConfig, curve 0, key (aggregator), key (operator), curve 1.
  assert.equal(chain.totalCalls - warm, 6, JSON.stringify(chain.calls));
  const before = chain.totalCalls;
  for (let i = 0; i < 1000; i++) {
    await cache.aggregatorKey(AVS, AGGREGATOR, ready);
    await cache.operatorKey(AVS, 1, OPERATOR, ready);
    await cache.curveType(AVS, 1, 0n); // 0: the newest block known
  }
  assert.equal(chain.totalCalls - before, 0, "1000 tasks, no request");
  // New blocks: one catch-up for all the tasks at the new block.
  const next = chain.mineEmpty(3);
  const calls = chain.totalCalls;
  await Promise.all(
    Array.from({ length: 50 }, () => cache.operatorKey(AVS, 1, OPERATOR, next)),
  );
  assert.deepEqual(
    { total: chain.totalCalls - calls, stats: cache.stats().syncs },
    { total: 3, stats: 2 },
    "header(latest), header(old head), one eth_getLogs",
  );
  // Nothing new: one header.
  const idle = chain.totalCalls;
  await cache.sync();
  assert.equal(chain.totalCalls - idle, 1);
  // The next block: its parent hash proves continuity, no second header.
  chain.mine();
  const one = chain.totalCalls;
  await cache.sync();
  assert.equal(chain.totalCalls - one, 2);
});

Deno.test("a rotated key counts from its block; a task at an earlier block keeps the old one", async () => {
  const chain = new FakeChain();
  const ready = setUp(chain);
  const cache = reader(chain);
  assert.deepEqual(
    await cache.aggregatorKey(AVS, AGGREGATOR, ready).then((a) => a.key),
    ecdsaKey(100),
  );
  chain.mineEmpty(2);
  // KeyRegistrar's rotation: deregister and register in one block.
  const rotated = chain.mine(key(0, AGGREGATOR, null), key(0, AGGREGATOR, 200));
  const removed = chain.mine(key(1, OPERATOR, null));
  const calls = chain.totalCalls;
  const aggregatorAt = async (b: bigint) => (await cache.aggregatorKey(AVS, AGGREGATOR, b)).key;
  assert.deepEqual(await aggregatorAt(rotated), ecdsaKey(200));
  assert.deepEqual(await aggregatorAt(rotated - 1n), ecdsaKey(100));
  assert.deepEqual(await aggregatorAt(ready), ecdsaKey(100));
  assert.deepEqual(await cache.operatorKey(AVS, 1, OPERATOR, removed - 1n), ecdsaKey(101));
  assert.equal(await cache.operatorKey(AVS, 1, OPERATOR, removed), null);
  // One catch-up (3 requests) and the operator's first read (curve, key), nothing per task.
  assert.equal(chain.totalCalls - calls, 3 + 2, JSON.stringify(chain.calls));
});

Deno.test("a value first asked inside the window is read at that block and brought forward", async () => {
  const chain = new FakeChain();
  await reader(chain).sync(); // nothing
  const cache = reader(chain);
  await cache.sync(); // starts at block 0
  const ready = setUp(chain);
  const later = chain.mine(key(1, OPERATOR, null));
  await cache.sync();
  const calls = chain.totalCalls;
  assert.deepEqual(await cache.operatorKey(AVS, 1, OPERATOR, ready), ecdsaKey(101));
  assert.equal(await cache.operatorKey(AVS, 1, OPERATOR, later), null);
  assert.equal(chain.totalCalls - calls, 2, "curve and key at the first block asked, once");
  assert.equal(cache.stats().fallbacks, 0);
});

Deno.test("blocks before the start (or the window) are read with a request each, not cached", async () => {
  const chain = new FakeChain();
  const ready = setUp(chain);
  chain.mineEmpty(5);
  const cache = reader(chain);
  await cache.sync();
  const calls = chain.totalCalls;
  for (let i = 0; i < 3; i++) {
    assert.deepEqual(await cache.operatorKey(AVS, 1, OPERATOR, ready), ecdsaKey(101));
  }
  assert.equal(chain.totalCalls - calls, 6, "curve + key, three times");
  assert.equal(cache.stats().fallbacks, 6);
  assert.equal(cache.stats().entries, 0);
});

Deno.test("a reorg: changes after the fork are dropped and the new blocks' events applied", async () => {
  const chain = new FakeChain();
  const ready = setUp(chain);
  const cache = reader(chain);
  await cache.operatorKey(AVS, 1, OPERATOR, ready);
  await cache.aggregatorKey(AVS, AGGREGATOR, ready);
  const removed = chain.mine(key(1, OPERATOR, null));
  chain.mine(key(0, AGGREGATOR, null), key(0, AGGREGATOR, 300));
  assert.equal(await cache.operatorKey(AVS, 1, OPERATOR, removed), null);
  // The two blocks are replaced: the operator stays, the aggregator rotates to another key.
  chain.reorg(2, [[], [], [key(0, AGGREGATOR, null), key(0, AGGREGATOR, 400)]]);
  await cache.sync();
  assert.equal(cache.stats().reorgs, 1);
  const calls = chain.totalCalls;
  assert.deepEqual(await cache.operatorKey(AVS, 1, OPERATOR, removed), ecdsaKey(101));
  assert.deepEqual((await cache.aggregatorKey(AVS, AGGREGATOR, chain.head)).key, ecdsaKey(400));
  assert.deepEqual(
    (await cache.aggregatorKey(AVS, AGGREGATOR, chain.head - 1n)).key,
    ecdsaKey(100),
  );
  assert.equal(chain.totalCalls - calls, 0, "histories from before the fork are kept");
});

Deno.test("a reorg at the head's own height and one deeper than the memory", async () => {
  const chain = new FakeChain();
  const cache = reader(chain, { maxRememberedBlocks: 2 });
  await cache.sync(); // remembers block 0
  const ready = setUp(chain);
  await cache.operatorKey(AVS, 1, OPERATOR, ready);
  // Same height, another block 1 (without the set-up): block 0 is the fork.
  chain.reorg(1, [[{ kind: "curve", avs: AVS, operatorSetId: 1, curve: "ecdsa" }]]);
  await cache.sync();
  assert.deepEqual([cache.stats().reorgs, cache.stats().resets], [1, 0]);
  assert.equal(await cache.operatorKey(AVS, 1, OPERATOR, chain.head), null);
  for (let i = 0; i < 5; i++) {
    chain.mine();
    await cache.sync();
  }
  chain.reorg(5, [[key(1, OPERATOR, 500)], [], [], [], [], []]);
  await cache.sync();
  assert.equal(cache.stats().resets, 1, "no remembered block left on the chain: start afresh");
  assert.deepEqual(await cache.operatorKey(AVS, 1, OPERATOR, chain.head), ecdsaKey(500));
});

Deno.test("gaps: one catch-up for concurrent tasks; a block beyond the node is BlockAhead", async () => {
  const chain = new FakeChain();
  setUp(chain);
  const cache = reader(chain);
  await cache.sync();
  const next = chain.mineEmpty(10);
  const syncs = cache.stats().syncs;
  await Promise.all(Array.from({ length: 20 }, () => cache.curveType(AVS, 1, next)));
  assert.equal(cache.stats().syncs - syncs, 1);
  await rejectsWith(cache.curveType(AVS, 1, next + 5n), "BlockAhead", /beyond the L1 node's head/);
  // A gap larger than maxCatchUpBlocks restarts the cache at the head rather than read it all.
  const small = reader(chain, { maxCatchUpBlocks: 5n });
  await small.sync();
  chain.mineEmpty(6);
  await small.sync();
  assert.equal(small.stats().resets, 1);
  assert.equal(small.stats().windowStart, chain.head);
});

Deno.test("an unreachable node: Unavailable once stale or for newer blocks, then recovery", async () => {
  let now = 0;
  const chain = new FakeChain();
  const ready = setUp(chain);
  const cache = reader(chain, { now: () => now, staleAfterMs: 30_000 });
  await cache.operatorKey(AVS, 1, OPERATOR, ready);
  chain.down = true;
  const next = chain.mine();
  await rejectsWith(cache.operatorKey(AVS, 1, OPERATOR, next), "Unavailable", /test outage/);
  // Within the staleness bound, a block already read is still known.
  now = 29_000;
  assert.deepEqual(await cache.operatorKey(AVS, 1, OPERATOR, ready), ecdsaKey(101));
  now = 31_000;
  const calls = chain.totalCalls;
  await rejectsWith(cache.operatorKey(AVS, 1, OPERATOR, ready), "Unavailable");
  // Within a second of a failure, tasks fail at once.
  now = 31_500;
  await rejectsWith(cache.operatorKey(AVS, 1, OPERATOR, ready), "Unavailable");
  assert.equal(chain.totalCalls - calls, 1);
  chain.down = false;
  now = 33_000;
  assert.deepEqual(await cache.operatorKey(AVS, 1, OPERATOR, next), ecdsaKey(101));
});

Deno.test("an AVS whose registrar has no getAvsConfig is NoTaskRegistrar", async () => {
  const chain = new FakeChain();
  const ready = chain.mine({ kind: "curve", avs: AVS, operatorSetId: 0, curve: "ecdsa" });
  const cache = reader(chain);
  await rejectsWith(
    cache.aggregatorKey(AVS, AGGREGATOR, ready),
    "NoTaskRegistrar",
    new RegExp(`AVS ${AVS} has no task AVS registrar at block ${ready}`),
  );
});

Deno.test("memory is bounded: LRU histories, changes per history, window events", async () => {
  const chain = new FakeChain();
  const ready = setUp(chain);
  const cache = reader(chain, { maxEntries: 10, maxChangesPerEntry: 4, maxWindowEvents: 8 });
  for (let i = 0; i < 50; i++) await cache.operatorKey(AVS, 1, addr(1000 + i), ready);
  assert.equal(cache.stats().entries, 10);
  assert.ok(cache.stats().evictions >= 40);
  // An evicted value is read again (correctly) when asked.
  const calls = chain.totalCalls;
  assert.equal(await cache.operatorKey(AVS, 1, addr(1000), ready), null);
  assert.equal(chain.totalCalls - calls, 1);
  // Ten rotations of the operator: its history keeps four changes, earlier blocks are re-read.
  await cache.operatorKey(AVS, 1, OPERATOR, ready);
  const blocks: bigint[] = [];
  for (let i = 0; i < 10; i++) {
    blocks.push(chain.mine(key(1, OPERATOR, null), key(1, OPERATOR, 600 + i)));
  }
  await cache.sync();
  assert.ok(cache.stats().windowEvents <= 8, `window ${cache.stats().windowEvents}`);
  for (let i = 0; i < 10; i++) {
    assert.deepEqual(await cache.operatorKey(AVS, 1, OPERATOR, blocks[i]), ecdsaKey(600 + i));
  }
  assert.ok(cache.stats().fallbacks > 0, "blocks before the kept changes were read from the node");
});

Deno.test("random histories with reorgs: the cache answers as the node does at every block", async () => {
  for (const [seed, tiny] of [[1, false], [2, true], [3, true], [4, false]] as const) {
    const rand = seededRandom(seed);
    const pick = <T>(items: readonly T[]) => items[Math.floor(rand() * items.length)];
    const operators = [addr(0x10), addr(0x11), addr(0x12)];
    const registrars = [REGISTRAR, addr(0x4e7)];
    const chain = new FakeChain();
    setUp(chain);
    const cache = reader(
      chain,
      tiny
        ? { maxEntries: 3, maxChangesPerEntry: 2, maxWindowEvents: 4, maxRememberedBlocks: 3 }
        : {},
    );
    await cache.sync();
    let nonce = 1000;
    const randomEvent = (): FakeEvent => {
      const r = rand();
      if (r < 0.1) return { kind: "registrar", avs: AVS, registrar: pick(registrars) };
      if (r < 0.2) {
        return {
          kind: "avsConfig",
          registrar: pick(registrars),
          aggregatorOperatorSetId: pick([0, 1]),
        };
      }
      if (r < 0.3) {
        return { kind: "curve", avs: AVS, operatorSetId: pick([0, 1, 2]), curve: "ecdsa" };
      }
      return key(pick([0, 1, 2]), pick(operators), rand() < 0.3 ? null : nonce++);
    };
    const randomBlock = () => Array.from({ length: Math.floor(rand() * 3) }, randomEvent);
    let synced = true;
    for (let step = 0; step < 300; step++) {
      const r = rand();
      if (r < 0.35) {
        chain.mine(...randomBlock());
        synced = false;
      } else if (r < 0.45 && chain.head > 3n) {
        const depth = 1 + Math.floor(rand() * 3);
        chain.reorg(depth, Array.from({ length: depth + Math.floor(rand() * 2) }, randomBlock));
        synced = false;
      } else if (r < 0.6) {
        await cache.sync();
        synced = true;
      } else if (synced) {
        const block = 1n + BigInt(Math.floor(rand() * Number(chain.head)));
        const operator = pick([...operators, AGGREGATOR]);
        const set = pick([0, 1, 2]);
        const expectedCurve = await chain.curveType(AVS, set, block);
        assert.equal(
          await cache.curveType(AVS, set, block),
          expectedCurve,
          `seed ${seed} step ${step}`,
        );
        assert.deepEqual(
          await cache.operatorKey(AVS, set, operator, block),
          expectedCurve === "none"
            ? null
            : await chain.operatorKey(AVS, set, operator, "ecdsa", block),
          `seed ${seed} step ${step}: key of ${operator} in set ${set} at ${block}`,
        );
        const registrar = await chain.registrar(AVS, block);
        const aggregatorSet = await chain.aggregatorSetId(registrar, block);
        const got = cache.aggregatorKey(AVS, operator, block);
        if (aggregatorSet === null) await rejectsWith(got, "NoTaskRegistrar");
        else assert.equal((await got).operatorSetId, aggregatorSet, `seed ${seed} step ${step}`);
      }
    }
  }
});
