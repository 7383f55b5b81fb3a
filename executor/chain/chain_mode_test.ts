import assert from "node:assert/strict";
import { BLS_KEY, docWith, load } from "../../tests/fixture/config_loading.ts";
import type { Logger } from "../../shared/runtime/log.ts";
import { chainModeWarnings, startChainMode, trustModeOf } from "./chain_mode.ts";
import { FakeChain } from "./_test_util.ts";

const AM = "0x1111111111111111111111111111111111111111";
const KR = "0x2222222222222222222222222222222222222222";
const RPC = "https://user:secret@rpc.example.com/v2/KEY";

function config(extra: Record<string, unknown>) {
  return load({ ...docWith({ bls: BLS_KEY }), ...extra }).config;
}

Deno.test("trust mode: chain with rpcUrl and both contracts, else config (with a warning)", () => {
  assert.deepEqual(trustModeOf(config({})), { mode: "config" });
  assert.deepEqual(trustModeOf(config({ l1Chain: { chainId: 1, rpcUrl: RPC } })), {
    mode: "chain",
    rpcUrl: RPC,
    allocationManager: {
      address: "0x948a420b8CC1d6BFd0B6087C2E7c344a2CD0bc39",
      source: "known deployment for chain 1",
    },
    keyRegistrar: {
      address: "0x54f4bC6bDEbe479173a2bbDc31dD7178408A57A4",
      source: "known deployment for chain 1",
    },
    pollIntervalMs: 2000,
  });
  const local = trustModeOf(config({
    l1Chain: { chainId: 31337, rpcUrl: RPC },
    overrideContracts: { allocationManager: { address: AM } },
  }));
  assert.equal(local.mode, "config");
  assert.equal(
    local.mode === "config" && local.warning,
    "l1Chain.rpcUrl is set, but chain 31337 has no known EigenLayer deployment and " +
      "overrideContracts.keyRegistrar is not set: tasks are checked against " +
      "avsPerformers[].aggregators (offline mode), not against the chain",
  );
  const both = config({
    l1Chain: { chainId: 31337, rpcUrl: RPC, pollInterval: "1m" },
    overrideContracts: { allocationManager: { address: AM }, keyRegistrar: { address: KR } },
  });
  const mode = trustModeOf(both);
  assert.equal(mode.mode === "chain" && mode.pollIntervalMs, 60_000);
});

Deno.test("chain mode warns about listed aggregators, which it does not use", () => {
  const withAggregators = config({
    avsPerformers: [{
      avsAddress: "0xCE2Ac75bE2E0951F1F7B288c7a6A9BfB6c331DC4",
      image: { repository: "r", tag: "t" },
      aggregators: [{ address: AM }],
    }],
  });
  assert.deepEqual(chainModeWarnings(withAggregators), [
    "avsPerformers[0].aggregators: not used in chain mode (l1Chain.rpcUrl is set): the " +
    "aggregator is the one holding the key KeyRegistrar has for the AVS's aggregator operator set",
  ]);
  assert.deepEqual(chainModeWarnings(config({})), []);
});

Deno.test("chain mode starts even when the L1 cannot be read yet, and never logs the URL", async () => {
  const lines: string[] = [];
  const log: Logger = (level, message, fields) =>
    lines.push(`${level} ${message} ${JSON.stringify(fields ?? {})}`);
  const chain = new FakeChain();
  chain.down = true;
  const running = await startChainMode(
    config({
      l1Chain: { chainId: 31337, rpcUrl: RPC },
      overrideContracts: { allocationManager: { address: AM }, keyRegistrar: { address: KR } },
    }),
    { log, keys: {}, source: chain },
  );
  assert.ok(running);
  try {
    assert.equal(running.describe.l1Rpc, "https://rpc.example.com/…");
    assert.equal(running.describe.startBlock, "not read yet");
    assert.ok(lines.some((l) => l.startsWith("warn cannot read the L1")), lines.join("\n"));
    chain.down = false;
    await running.reader.sync();
    assert.equal(running.reader.stats().head, 0n);
    assert.ok(lines.every((l) => !l.includes("secret") && !l.includes("KEY")));
  } finally {
    running.stop();
  }
  assert.equal(await startChainMode(config({}), { log, keys: {} }), undefined);
});
