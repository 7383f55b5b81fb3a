/**
 * Chain mode's reader on the local EigenLayer chain (in process: a process adds nothing here):
 * the event-following cache answers exactly as Ponos' reads (`dev/chain/ponos_reads.ts`) at every
 * block of a history with rotations and a removal, a second pass makes no RPC call, a real reorg
 * (anvil_reorg) is followed, and the latency chain mode adds per task, next to Ponos' reads.
 */

import assert from "node:assert/strict";
import { type Address, getAddress } from "viem";
import { createChainClient, startLocalChain } from "../dev/chain/local_chain.ts";
import {
  OperatorKeyNotRegisteredError,
  type PonosReader,
  readAvsConfig,
  readCurveType,
  readOperatorSetDetails,
} from "../dev/chain/ponos_reads.ts";
import { type ChainScenario, deployHourglassScenario } from "../dev/chain/scenario.ts";
import { testAccount, testBn254Key, testEcdsaKey } from "../dev/chain/test_keys.ts";
import { CachedOperatorSetReader } from "../executor/chain/cached_reader.ts";
import { viemChainSource } from "../executor/chain/chain_source.ts";
import { chainTrust } from "../executor/chain/chain_trust.ts";
import {
  ChainReadError,
  type OperatorKey,
  type OperatorSetReader,
} from "../executor/chain/operator_set_reader.ts";
import { trustConfiguredAggregators } from "../executor/task/pipeline.ts";
import { chainTask, executorKeys, signingKey } from "./fixture/chain_tasks.ts";
import { ponosReader, type TestChain, testChain, testScenario } from "./fixture/chain.ts";
import { startRpcProxy } from "./fixture/rpc_proxy.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

function readerOn(chain: Pick<TestChain, "contracts">, rpcUrl: string) {
  return new CachedOperatorSetReader({
    source: viemChainSource({
      rpcUrl,
      allocationManager: chain.contracts.allocationManager,
      keyRegistrar: chain.contracts.keyRegistrar,
    }),
    pollIntervalMs: 600_000,
  });
}

/** A key in one comparable form. */
function show(key: OperatorKey | null | undefined): string {
  if (!key) return "none";
  return key.curve === "ecdsa" ? `ecdsa:${getAddress(key.address)}` : `bn254:${key.g2}`;
}

/** What Ponos decides at a block: the aggregator's set and key, the executor's keys, curves. */
async function ponosView(ponos: PonosReader, scenario: ChainScenario, block: bigint) {
  const avs = scenario.avs.address;
  const details = async (operator: Address, operatorSetId: number) => {
    try {
      const found = await readOperatorSetDetails(ponos, {
        avs,
        operator,
        operatorSetId,
        blockNumber: block,
      });
      return show(
        found.curve === "ecdsa"
          ? { curve: "ecdsa", address: found.ecdsaAddress! }
          : { curve: "bn254", g1: found.bn254PublicKey!.g1, g2: found.bn254PublicKey!.g2 },
      );
    } catch (err) {
      if (err instanceof OperatorKeyNotRegisteredError) return "none";
      return "no registrar"; // getOperatorSocket on an AVS without a registrar
    }
  };
  let aggregator: string;
  try {
    const config = await readAvsConfig(ponos, { avs, blockNumber: block });
    aggregator = `set ${config.aggregatorOperatorSetId}: ${await details(
      scenario.aggregator.account.address,
      config.aggregatorOperatorSetId,
    )}`;
  } catch {
    aggregator = "no registrar";
  }
  const executor = scenario.executor.account.address;
  return {
    aggregator,
    set1: aggregator === "no registrar" ? "no registrar" : await details(executor, 1),
    set2: aggregator === "no registrar" ? "no registrar" : await details(executor, 2),
    curves: await Promise.all(
      [0, 1, 2, 3].map((id) =>
        readCurveType(ponos, { avs, operatorSetId: id, blockNumber: block })
      ),
    ),
  };
}

/** The same, from an OperatorSetReader. */
async function ourView(reader: OperatorSetReader, scenario: ChainScenario, block: bigint) {
  const avs = scenario.avs.address;
  let aggregator: string;
  try {
    const found = await reader.aggregatorKey(avs, scenario.aggregator.account.address, block);
    aggregator = `set ${found.operatorSetId}: ${show(found.key)}`;
  } catch (err) {
    if (!(err instanceof ChainReadError) || err.reason !== "NoTaskRegistrar") throw err;
    aggregator = "no registrar";
  }
  const executor = scenario.executor.account.address;
  return {
    aggregator,
    set1: aggregator === "no registrar"
      ? "no registrar"
      : show(await reader.operatorKey(avs, 1, executor, block)),
    set2: aggregator === "no registrar"
      ? "no registrar"
      : show(await reader.operatorKey(avs, 2, executor, block)),
    curves: (await Promise.all([0, 1, 2, 3].map((id) => reader.curveType(avs, id, block))))
      .map((c) => c === "none" ? "unknown" : c),
  };
}

Deno.test(
  "the cache answers as Ponos reads at every block of a history with rotations and a removal",
  opts,
  async () => {
    const chain = await testChain();
    const proxy = startRpcProxy(chain.rpcUrl);
    const reader = readerOn(chain, proxy.url);
    try {
      await reader.sync();
      const start = reader.stats().head!;
      const scenario = await deployHourglassScenario(chain, { name: "reader-test" });
      const { aggregator, executor } = scenario;
      const rotated = await scenario.rotateKey(aggregator.account, {
        operatorSetId: 0,
        key: testEcdsaKey("reader-test/aggregator/2"),
      });
      const rotatedBls = await scenario.rotateKey(executor.account, {
        operatorSetId: 2,
        key: testBn254Key("reader-test/executor/2"),
      });
      const removed = await scenario.removeOperator(executor.account, { operatorSetId: 1 });
      const head = removed.blockNumber;
      const ponos = ponosReader(chain);
      const seen = new Set<string>();
      for (let block = start + 1n; block <= head; block++) {
        const expected = await ponosView(ponos, scenario, block);
        assert.deepEqual(await ourView(reader, scenario, block), expected, `block ${block}`);
        seen.add(JSON.stringify(expected));
      }
      // The history went through every state: no registrar, registered, rotated, removed.
      const at = async (b: bigint) => (await ourView(reader, scenario, b));
      assert.equal(
        (await at(rotated.blockNumber - 1n)).aggregator,
        `set 0: ecdsa:${aggregator.keys[0].curve === "ecdsa" && aggregator.keys[0].address}`,
      );
      assert.equal(
        (await at(rotated.blockNumber)).aggregator,
        `set 0: ecdsa:${testEcdsaKey("reader-test/aggregator/2").address}`,
      );
      assert.equal(
        (await at(rotatedBls.blockNumber)).set2,
        `bn254:${testBn254Key("reader-test/executor/2").publicKeyG2}`,
      );
      assert.equal((await at(head)).set1, "none");
      assert.ok(seen.size >= 6, `distinct states seen: ${seen.size}`);
      proxy.reset();
      for (let block = start + 1n; block <= head; block++) await ourView(reader, scenario, block);
      assert.equal(proxy.total(), 0, `a second pass over ${head - start} blocks: no RPC call`);
      console.log(
        `${head - start} blocks compared with Ponos' reads; cache: ${
          JSON.stringify(reader.stats(), (_k, v) => typeof v === "bigint" ? String(v) : v)
        }`,
      );
    } finally {
      reader.stop();
      await proxy.stop();
    }
  },
);

Deno.test(
  "a reorg on anvil (anvil_reorg): the dropped registration is forgotten",
  opts,
  async () => {
    await testChain(); // anvil installed, contracts module downloaded
    const local = await startLocalChain();
    const chain = { ...local, client: createChainClient(local.rpcUrl) };
    const reader = readerOn(chain, chain.rpcUrl);
    try {
      const scenario = await deployHourglassScenario(chain, { name: "reorg-test" });
      await reader.sync();
      const late = testAccount("reorg-test/late");
      const avs = scenario.avs.address;
      const joined = await scenario.registerOperator(late, {
        operatorSetId: 1,
        key: testEcdsaKey("reorg-test/late"),
        socket: "10.0.0.9:9090",
      });
      assert.equal(
        show(await reader.operatorKey(avs, 1, late.address, joined.blockNumber)),
        `ecdsa:${testEcdsaKey("reorg-test/late").address}`,
      );
      // Replace the blocks from the key's registration on with empty ones.
      const depth = Number(joined.blockNumber - joined.keyRegisteredAt + 1n);
      await chain.client.request({ method: "anvil_reorg", params: [depth, []] } as never);
      await reader.sync();
      assert.equal(reader.stats().reorgs, 1);
      const ponos = ponosReader(chain as unknown as TestChain);
      await assert.rejects(
        readOperatorSetDetails(ponos, {
          avs,
          operator: late.address,
          operatorSetId: 1,
          blockNumber: joined.blockNumber,
        }),
        OperatorKeyNotRegisteredError,
      );
      assert.equal(
        show(await reader.operatorKey(avs, 1, late.address, joined.blockNumber)),
        "none",
      );
      // Registered again on the new chain, with another key: seen from its new block.
      const again = await scenario.registerOperator(late, {
        operatorSetId: 1,
        key: testEcdsaKey("reorg-test/late/2"),
        socket: "10.0.0.9:9090",
      });
      assert.equal(
        show(await reader.operatorKey(avs, 1, late.address, again.blockNumber)),
        `ecdsa:${testEcdsaKey("reorg-test/late/2").address}`,
      );
      assert.equal(
        show(await reader.operatorKey(avs, 1, late.address, again.keyRegisteredAt - 1n)),
        "none",
      );
    } finally {
      reader.stop();
      await local.stop();
    }
  },
);

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

Deno.test("latency per task: chain mode warm vs offline mode vs Ponos' reads", opts, async () => {
  const chain = await testChain();
  const scenario = await testScenario();
  const reader = readerOn(chain, chain.rpcUrl);
  const keys = executorKeys(scenario);
  const authorize = chainTrust({
    reader,
    operatorAddress: scenario.executor.account.address,
    keys,
    ecdsaVerifier: { address: chain.contracts.ecdsaCertificateVerifier, version: "1.8.0" },
  });
  const settings = {
    aggregators: [{
      address: (signingKey(scenario.aggregator.keys[0]) as { address: string }).address,
    }],
    scheme: "ecdsa" as const,
    taskTimeoutMs: 1000,
  };
  try {
    const tasks = Array.from(
      { length: 200 },
      () => chainTask(scenario, { block: scenario.readyAt }),
    );
    await authorize(tasks[0], settings); // warm-up: the first reads
    const time = async (fn: () => Promise<unknown>) => {
      const started = performance.now();
      await fn();
      return performance.now() - started;
    };
    const chainMs: number[] = [];
    const offlineMs: number[] = [];
    for (const t of tasks) {
      chainMs.push(await time(() => authorize(t, settings)));
      // Offline mode checks the same ECDSA signature against a listed address.
      const offline = { ...t, aggregatorAddress: settings.aggregators[0].address };
      offlineMs.push(await time(() => trustConfiguredAggregators(offline, settings)));
    }
    const ponos = ponosReader(chain);
    const ponosMs: number[] = [];
    for (let i = 0; i < 20; i++) {
      ponosMs.push(
        await time(async () => {
          const q = { avs: scenario.avs.address, blockNumber: scenario.readyAt };
          await readOperatorSetDetails(ponos, {
            ...q,
            operator: scenario.executor.account.address,
            operatorSetId: 1,
          });
          const config = await readAvsConfig(ponos, q);
          await readOperatorSetDetails(ponos, {
            ...q,
            operator: scenario.aggregator.account.address,
            operatorSetId: config.aggregatorOperatorSetId,
          });
          await readCurveType(ponos, { ...q, operatorSetId: 1 });
        }),
      );
    }
    const [c, o, p] = [median(chainMs), median(offlineMs), median(ponosMs)];
    console.log(
      `median per task: chain mode (warm cache) ${c.toFixed(3)} ms, offline mode ${
        o.toFixed(3)
      } ms ` +
        `(chain mode adds ${(c - o).toFixed(3)} ms); Ponos' 11 reads at the task's block on a ` +
        `local anvil ${p.toFixed(2)} ms`,
    );
    assert.ok(c - o < 2, `chain mode adds ${(c - o).toFixed(3)} ms per task`);
  } finally {
    reader.stop();
  }
});
