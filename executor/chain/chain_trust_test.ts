import assert from "node:assert/strict";
import type { Address } from "viem";
import { signedSubmission } from "../../dev/aggregator_client.ts";
import { Bn254Key } from "../signing/bn254.ts";
import { EcdsaKey } from "../signing/ecdsa.ts";
import { TaskError } from "../task/errors.ts";
import type { AvsTaskSettings } from "../task/pipeline.ts";
import { chainTrust, type ChainTrustOptions } from "./chain_trust.ts";
import {
  type AggregatorKey,
  ChainReadError,
  type CurveType,
  type OperatorKey,
  type OperatorSetReader,
} from "./operator_set_reader.ts";

const AVS = "0xCE2Ac75bE2E0951F1F7B288c7a6A9BfB6c331DC4" as Address;
const OPERATOR = "0x6B58f6762689DF33fe8fa3FC40Fb5a3089D3a8cc" as Address;
const AGGREGATOR = "0x1111111111111111111111111111111111111111" as Address;
const aggregatorEcdsa = EcdsaKey.fromHex("0x" + "22".repeat(32));
const aggregatorBls = Bn254Key.fromScalar(123456789n);
const operatorEcdsa = EcdsaKey.fromHex("0x" + "11".repeat(32));
const operatorBls = Bn254Key.fromScalar(987654321n);
const SETTINGS: AvsTaskSettings = { aggregators: [], scheme: "ecdsa", taskTimeoutMs: 1000 };
const VERIFIER = { address: "0x" + "5a".repeat(20), version: "1.8.0" };

const ecdsa = (key: EcdsaKey): OperatorKey => ({ curve: "ecdsa", address: key.address as Address });
const bn254 = (key: Bn254Key): OperatorKey => ({
  curve: "bn254",
  g1: `0x${[...key.publicKeyG1].map((b) => b.toString(16).padStart(2, "0")).join("")}`,
  g2: key.publicKey.toHex() as `0x${string}`,
});

/** A reader that answers from fixed values (the chain as the test wants it). */
interface World {
  aggregatorSet: number | Error;
  curves: Record<number, CurveType>;
  keys: Record<string, OperatorKey | null>;
  blocks: bigint[];
}

function fakeReader(world: World): OperatorSetReader {
  const keyOf = (set: number, who: string) => world.keys[`${set}:${who.toLowerCase()}`] ?? null;
  return {
    aggregatorKey(_avs, aggregator, block): Promise<AggregatorKey> {
      world.blocks.push(block);
      if (world.aggregatorSet instanceof Error) return Promise.reject(world.aggregatorSet);
      const set = world.aggregatorSet;
      return Promise.resolve({
        registrar: AVS,
        operatorSetId: set,
        curve: world.curves[set] ?? "none",
        key: keyOf(set, aggregator),
      });
    },
    operatorKey: (_avs, set, operator) => Promise.resolve(keyOf(set, operator)),
    curveType: (_avs, set) => Promise.resolve(world.curves[set] ?? "none"),
  };
}

function world(patch: Partial<World> = {}): World {
  return {
    aggregatorSet: 0,
    curves: { 0: "ecdsa", 1: "ecdsa", 2: "bn254", 3: "bn254" },
    keys: {
      [`0:${AGGREGATOR.toLowerCase()}`]: ecdsa(aggregatorEcdsa),
      [`3:${AGGREGATOR.toLowerCase()}`]: bn254(aggregatorBls),
      [`1:${OPERATOR.toLowerCase()}`]: ecdsa(operatorEcdsa),
      [`2:${OPERATOR.toLowerCase()}`]: bn254(operatorBls),
    },
    blocks: [],
    ...patch,
  };
}

function trust(w: World, options: Partial<ChainTrustOptions> = {}) {
  return chainTrust({
    reader: fakeReader(w),
    operatorAddress: OPERATOR,
    keys: { ecdsa: operatorEcdsa, bn254: operatorBls },
    ecdsaVerifier: VERIFIER,
    ...options,
  });
}

function task(operatorSetId = 1, key: EcdsaKey | Bn254Key = aggregatorEcdsa, block = "42") {
  return signedSubmission({
    avsAddress: AVS,
    executorAddress: OPERATOR,
    aggregatorAddress: AGGREGATOR,
    payload: new Uint8Array([1]),
    operatorSetId,
    taskBlockNumber: block,
  }, key);
}

async function refusal(promise: Promise<unknown>): Promise<[string, string]> {
  const err = await promise.then(() => undefined, (e) => e);
  assert.ok(err instanceof TaskError, `expected a TaskError, got ${err}`);
  return [err.code, err.message];
}

Deno.test("a registered aggregator: the result is signed on the task's set's curve", async () => {
  const w = world();
  assert.deepEqual(await trust(w)(task(1), SETTINGS), { scheme: "ecdsa" });
  assert.deepEqual(await trust(w)(task(2), SETTINGS), { scheme: "bn254" });
  assert.deepEqual(w.blocks, [42n, 42n], "read at task_block_number");
  // A BN254 aggregator set: the standard hash-to-G1 signature against the registered G2 key.
  const bls = world({ aggregatorSet: 3 });
  assert.deepEqual(await trust(bls)(task(2, aggregatorBls), SETTINGS), { scheme: "bn254" });
});

Deno.test("the aggregator: no key, another signer, a signature of the wrong curve → PERMISSION_DENIED", async () => {
  const w = world();
  delete w.keys[`0:${AGGREGATOR.toLowerCase()}`];
  const [code, message] = await refusal(trust(w)(task(1), SETTINGS));
  assert.equal(code, "PermissionDenied");
  assert.equal(
    message,
    `Aggregator ${AGGREGATOR} has no key in KeyRegistrar for AVS ${AVS} operator set 0 ` +
      `(its aggregator set) at block 42`,
  );
  const stranger = EcdsaKey.fromHex("0x" + "33".repeat(32));
  const [code2, message2] = await refusal(trust(world())(task(1, stranger), SETTINGS));
  assert.equal(code2, "PermissionDenied");
  assert.match(
    message2,
    new RegExp(
      `^Task signature is from ${stranger.address}, not from ${aggregatorEcdsa.address}, the ECDSA key of aggregator ${AGGREGATOR} in AVS ${AVS} operator set 0`,
    ),
  );
  assert.equal(
    (await refusal(trust(world())(task(1, aggregatorBls), SETTINGS)))[0],
    "PermissionDenied",
  );
  const other = Bn254Key.fromScalar(5n);
  const [code3, message3] = await refusal(
    trust(world({ aggregatorSet: 3 }))(task(2, other), SETTINGS),
  );
  assert.equal(code3, "PermissionDenied");
  assert.match(message3, /does not verify against the BN254 key of aggregator/);
});

Deno.test("this operator: not in the set, another key, no local key → FAILED_PRECONDITION", async () => {
  const [code, message] = await refusal(trust(world())(task(4), SETTINGS));
  assert.equal(code, "FailedPrecondition");
  assert.equal(
    message,
    `AVS ${AVS} operator set 4 has no curve type in KeyRegistrar at block 42 (unsupported curve): cannot sign its results`,
  );
  const w = world();
  w.curves[4] = "ecdsa";
  const [code2, message2] = await refusal(trust(w)(task(4), SETTINGS));
  assert.equal(code2, "FailedPrecondition");
  assert.equal(
    message2,
    `Operator ${OPERATOR} (this executor) has no key in KeyRegistrar for AVS ${AVS} operator set 4 at block 42: it is not in that operator set`,
  );
  const rotated = world();
  rotated.keys[`1:${OPERATOR.toLowerCase()}`] = ecdsa(EcdsaKey.fromHex("0x" + "44".repeat(32)));
  const [code3, message3] = await refusal(trust(rotated)(task(1), SETTINGS));
  assert.equal(code3, "FailedPrecondition");
  assert.match(message3, /but this executor signs with 0x.* \(operator.signingKeys.ecdsa\)$/);
  const noBls = trust(world(), { keys: { ecdsa: operatorEcdsa } });
  assert.match(
    (await refusal(noBls(task(2), SETTINGS)))[1],
    /signs with BN254 at block 42, but operator.signingKeys.bls is not configured/,
  );
  const noVerifier = trust(world(), { ecdsaVerifier: undefined });
  assert.match(
    (await refusal(noVerifier(task(1), SETTINGS)))[1],
    /ECDSA certificate verifier is not known/,
  );
});

Deno.test("chain errors: unreachable or behind → UNAVAILABLE, no task registrar → FAILED_PRECONDITION", async () => {
  for (
    const [reason, code] of [
      ["Unavailable", "Unavailable"],
      ["BlockAhead", "Unavailable"],
      ["NoTaskRegistrar", "FailedPrecondition"],
      ["ContractReverted", "FailedPrecondition"],
    ] as const
  ) {
    const w = world({ aggregatorSet: new ChainReadError(reason, `why: ${reason}`) });
    const t = task(1);
    const [got, message] = await refusal(trust(w)(t, SETTINGS));
    assert.equal(got, code, reason);
    assert.equal(
      message,
      `Cannot verify task ${t.taskId} of AVS ${AVS} at block 42 on the L1: why: ${reason}`,
    );
  }
  for (const bad of ["x1", "-1", "18446744073709551616"]) {
    const t = { ...task(1), taskBlockNumber: bad };
    assert.deepEqual(await refusal(trust(world())(t, SETTINGS)), [
      "InvalidArgument",
      "task_block_number: must be a uint64",
    ]);
  }
  // 0: the newest block known, as Ponos reads "latest".
  const w = world();
  await trust(w)(task(1, aggregatorEcdsa, "0"), SETTINGS);
  assert.deepEqual(w.blocks, [0n]);
});
