import assert from "node:assert/strict";
import type { Address, Hex } from "viem";
import { decodeEvent, keyFromBytes } from "./chain_source.ts";

const AM = "0x1111111111111111111111111111111111111111" as Address;
const KR = "0x2222222222222222222222222222222222222222" as Address;
const OTHER = "0x3333333333333333333333333333333333333333" as Address;
const AVS = "0xCE2Ac75bE2E0951F1F7B288c7a6A9BfB6c331DC4" as Address;
const OPERATOR = "0x6B58f6762689DF33fe8fa3FC40Fb5a3089D3a8cc" as Address;
const contracts = { allocationManager: AM, keyRegistrar: KR };

function log(address: Address, eventName: string, args: Record<string, unknown>) {
  return { address, blockNumber: 7n, logIndex: 3, eventName, args };
}

Deno.test("events count only from the contract that owns them (any registrar's AvsConfigSet)", () => {
  const registered = {
    operatorSet: { avs: AVS, id: 1 },
    operator: OPERATOR,
    curveType: 1,
    pubkey: OPERATOR.toLowerCase() as Hex,
  };
  assert.deepEqual(decodeEvent(log(KR, "KeyRegistered", registered), contracts), {
    block: 7n,
    logIndex: 3,
    kind: "key",
    avs: AVS,
    operatorSetId: 1,
    operator: OPERATOR,
    key: { curve: "ecdsa", address: OPERATOR },
  });
  // The same event from another contract is someone's forgery: ignored.
  assert.equal(decodeEvent(log(OTHER, "KeyRegistered", registered), contracts), undefined);
  assert.equal(
    decodeEvent(log(OTHER, "AVSRegistrarSet", { avs: AVS, registrar: OTHER }), contracts),
    undefined,
  );
  assert.deepEqual(
    decodeEvent(log(AM, "AVSRegistrarSet", { avs: AVS, registrar: OTHER }), contracts),
    { block: 7n, logIndex: 3, kind: "registrar", avs: AVS, registrar: OTHER },
  );
  assert.deepEqual(
    decodeEvent(
      log(OTHER, "AvsConfigSet", { aggregatorOperatorSetId: 0, executorOperatorSetIds: [1, 2] }),
      contracts,
    ),
    { block: 7n, logIndex: 3, kind: "avsConfig", registrar: OTHER, aggregatorOperatorSetId: 0 },
  );
  assert.deepEqual(
    decodeEvent(
      log(KR, "KeyDeregistered", { operatorSet: { avs: AVS, id: 2 }, operator: OPERATOR }),
      contracts,
    ),
    {
      block: 7n,
      logIndex: 3,
      kind: "key",
      avs: AVS,
      operatorSetId: 2,
      operator: OPERATOR,
      key: null,
    },
  );
  assert.equal(
    decodeEvent({ ...log(KR, "KeyRegistered", registered), blockNumber: null }, contracts),
    undefined,
    "pending logs are not events yet",
  );
});

Deno.test("KeyRegistrar's key bytes: 20 for ECDSA, G1 ‖ G2 (192) for BN254, nothing else", () => {
  const g1 = "11".repeat(64);
  const g2 = "22".repeat(128);
  assert.deepEqual(keyFromBytes(2, `0x${g1}${g2}`), {
    curve: "bn254",
    g1: `0x${g1}`,
    g2: `0x${g2}`,
  });
  assert.deepEqual(keyFromBytes(1, OPERATOR.toLowerCase() as Hex), {
    curve: "ecdsa",
    address: OPERATOR,
  });
  assert.equal(keyFromBytes(1, `0x${g1}`), null);
  assert.equal(keyFromBytes(2, OPERATOR), null);
  assert.equal(keyFromBytes(0, OPERATOR), null);
});
