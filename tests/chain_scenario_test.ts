/**
 * The Hourglass scenario on the local chain, read exactly as the Go executor (Ponos) reads it
 * (`dev/chain/ponos_reads.ts`: eth_calls at a block number), and the changes tests make to it:
 * registration, key rotation and removal, each seen from the block it returned.
 */

import assert from "node:assert/strict";
import type { Abi, Address } from "viem";
import { createChainClient, startLocalChain } from "../dev/chain/local_chain.ts";
import {
  OperatorKeyNotRegisteredError,
  type OperatorSetDetails,
  readAvsConfig,
  readCurveType,
  readOperatorSetDetails,
  readRegistrar,
} from "../dev/chain/ponos_reads.ts";
import { deployHourglassScenario } from "../dev/chain/scenario.ts";
import {
  keyData,
  signRegistration,
  testAccount,
  testBn254Key,
  testEcdsaKey,
  type TestSigningKey,
} from "../dev/chain/test_keys.ts";
import { ponosReader, type TestChain, testChain, testScenario } from "./fixture/chain.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

/** What Ponos learns of an operator's key: the ECDSA address, or G1 ‖ G2. */
function expectedKey(key: TestSigningKey): Partial<OperatorSetDetails> {
  return key.curve === "ecdsa"
    ? { curve: "ecdsa", ecdsaAddress: key.address }
    : { curve: "bn254", bn254PublicKey: { g1: key.publicKeyG1, g2: key.publicKeyG2 } };
}

async function isMember(chain: TestChain, operator: Address, avs: Address, id: number, at: bigint) {
  return await chain.client.readContract({
    address: chain.contracts.allocationManager,
    abi: chain.abis.allocationManager as Abi,
    functionName: "isMemberOfOperatorSet",
    args: [operator, { avs, id }],
    blockNumber: at,
  });
}

/** Every message of an error and its causes, for matching a revert reason wrapped twice. */
function messages(err: unknown): string {
  const parts: string[] = [];
  for (let e = err; e instanceof Error; e = e.cause) parts.push(e.message);
  return parts.join("\n");
}

async function rejectsWith(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  assert.ok(err, `expected a rejection matching ${pattern}`);
  assert.match(messages(err), pattern);
}

Deno.test(
  "Ponos' reads at the scenario's block return its registrar, config, curves and keys",
  opts,
  async () => {
    const chain = await testChain();
    const scenario = await testScenario();
    const reader = ponosReader(chain);
    const avs = scenario.avs.address;
    const blockNumber = scenario.readyAt;
    assert.equal(await readRegistrar(reader, { avs, blockNumber }), scenario.registrar);
    assert.deepEqual(await readAvsConfig(reader, { avs, blockNumber }), {
      aggregatorOperatorSetId: 0,
      executorOperatorSetIds: [1, 2],
    });
    for (const [id, curve] of [[0, "ecdsa"], [1, "ecdsa"], [2, "bn254"], [3, "unknown"]] as const) {
      assert.equal(await readCurveType(reader, { avs, operatorSetId: id, blockNumber }), curve);
    }
    for (const operator of [scenario.aggregator, scenario.executor]) {
      for (const [id, key] of Object.entries(operator.keys)) {
        const operatorSetId = Number(id);
        const query = { avs, operator: operator.account.address, operatorSetId, blockNumber };
        assert.deepEqual(await readOperatorSetDetails(reader, query), {
          operatorSetId,
          socket: operator.socket,
          ...expectedKey(key),
        });
        assert.ok(await isMember(chain, operator.account.address, avs, operatorSetId, blockNumber));
      }
    }
    // The executor is no member of the aggregator set: Ponos finds no key there.
    await assert.rejects(
      readOperatorSetDetails(reader, {
        avs,
        operator: scenario.executor.account.address,
        operatorSetId: 0,
        blockNumber,
      }),
      OperatorKeyNotRegisteredError,
    );
  },
);

Deno.test(
  "an operator registered later counts from its key's block for Ponos, from the registration for AllocationManager",
  opts,
  async () => {
    const chain = await testChain();
    const scenario = await testScenario();
    const reader = ponosReader(chain);
    const operator = testAccount("test/late-joiner");
    const key = testEcdsaKey("test/late-joiner");
    const avs = scenario.avs.address;
    const joined = await scenario.registerOperator(operator, {
      operatorSetId: 1,
      key,
      socket: "10.0.0.7:9090",
    });
    assert.ok(joined.keyRegisteredAt < joined.blockNumber);
    const query = (blockNumber: bigint) => ({
      avs,
      operator: operator.address,
      operatorSetId: 1,
      blockNumber,
    });
    await rejectsWith(
      readOperatorSetDetails(reader, query(joined.keyRegisteredAt - 1n)),
      /No ECDSA key/,
    );
    assert.equal(
      (await readOperatorSetDetails(reader, query(joined.keyRegisteredAt))).ecdsaAddress,
      key.address,
    );
    assert.ok(!await isMember(chain, operator.address, avs, 1, joined.blockNumber - 1n));
    assert.ok(await isMember(chain, operator.address, avs, 1, joined.blockNumber));
    assert.equal(
      (await readOperatorSetDetails(reader, query(joined.blockNumber))).socket,
      "10.0.0.7:9090",
    );
  },
);

for (
  const [curve, operatorSetId, makeKey] of [
    ["ECDSA", 1, testEcdsaKey],
    ["BN254", 2, testBn254Key],
  ] as const
) {
  Deno.test(
    `a rotated ${curve} key: the old one before the rotation block, the new one from it`,
    opts,
    async () => {
      const chain = await testChain();
      const scenario = await testScenario();
      const reader = ponosReader(chain);
      const label = `test/rotate-${curve}`;
      const operator = testAccount(label);
      const [oldKey, newKey] = [makeKey(`${label}/1`), makeKey(`${label}/2`)];
      const avs = scenario.avs.address;
      await scenario.registerOperator(operator, { operatorSetId, key: oldKey, socket: "s:1" });
      const rotation = await scenario.rotateKey(operator, { operatorSetId, key: newKey });
      const read = (blockNumber: bigint) =>
        readOperatorSetDetails(reader, {
          avs,
          operator: operator.address,
          operatorSetId,
          blockNumber,
        });
      assert.equal(rotation.leftSetAt + 1n, rotation.blockNumber, "DEALLOCATION_DELAY is 0");
      assert.deepEqual(await read(rotation.blockNumber - 1n), {
        operatorSetId,
        socket: "s:1",
        ...expectedKey(oldKey),
      });
      assert.deepEqual(await read(rotation.blockNumber), {
        operatorSetId,
        socket: "s:1",
        ...expectedKey(newKey),
      });
      // Between leaving and rejoining, AllocationManager has no member while KeyRegistrar still
      // holds the old key: Ponos (which reads keys only) still accepts the operator there.
      assert.ok(!await isMember(chain, operator.address, avs, operatorSetId, rotation.leftSetAt));
      assert.deepEqual(await read(rotation.leftSetAt), await read(rotation.blockNumber - 1n));
      assert.ok(await isMember(chain, operator.address, avs, operatorSetId, rotation.blockNumber));
    },
  );
}

Deno.test(
  "a removed operator: its key is read up to the block before the removal, not from it",
  opts,
  async () => {
    const chain = await testChain();
    const scenario = await testScenario();
    const reader = ponosReader(chain);
    const operator = testAccount("test/leaver");
    const avs = scenario.avs.address;
    const key = testBn254Key("test/leaver");
    await scenario.registerOperator(operator, { operatorSetId: 2, key, socket: "s:2" });
    const removal = await scenario.removeOperator(operator, { operatorSetId: 2 });
    const read = (blockNumber: bigint) =>
      readOperatorSetDetails(reader, {
        avs,
        operator: operator.address,
        operatorSetId: 2,
        blockNumber,
      });
    assert.deepEqual(
      (await read(removal.blockNumber - 1n)).bn254PublicKey,
      expectedKey(key).bn254PublicKey,
    );
    await rejectsWith(read(removal.blockNumber), /No BN254 key/);
    assert.ok(!await isMember(chain, operator.address, avs, 2, removal.leftSetAt));
    assert.ok(removal.leftSetAt < removal.blockNumber);
  },
);

Deno.test(
  "KeyRegistrar checks the registration signatures and keeps every key unique forever",
  opts,
  async () => {
    const chain = await testChain();
    const scenario = await testScenario();
    const avs = scenario.avs.address;
    const keyRegistrar = {
      address: chain.contracts.keyRegistrar,
      abi: chain.abis.keyRegistrar as Abi,
    };
    // A key used once (the scenario's executor BN254 key) cannot be registered again, anywhere.
    await rejectsWith(
      scenario.registerOperator(testAccount("test/copycat"), {
        operatorSetId: 2,
        key: scenario.executor.keys[2],
        socket: "s:3",
      }),
      /KeyAlreadyRegistered/,
    );
    // A signature by another key is refused, for both curves.
    const operator = testAccount("test/forger");
    for (
      const [id, key, signer] of [
        [1, testEcdsaKey("test/forger"), testEcdsaKey("test/forger/other")],
        [2, testBn254Key("test/forger"), testBn254Key("test/forger/other")],
      ] as const
    ) {
      const digest = key.curve === "ecdsa"
        ? await chain.client.readContract({
          ...keyRegistrar,
          functionName: "getECDSAKeyRegistrationMessageHash",
          args: [operator.address, { avs, id }, key.address],
        })
        : await chain.client.readContract({
          ...keyRegistrar,
          functionName: "getBN254KeyRegistrationMessageHash",
          args: [operator.address, { avs, id }, keyData(key)],
        });
      const call = (signature: `0x${string}`) =>
        chain.client.simulateContract({
          ...keyRegistrar,
          functionName: "registerKey",
          args: [operator.address, { avs, id }, keyData(key), signature],
          account: operator.address,
        });
      await rejectsWith(
        call(signRegistration(signer, digest as `0x${string}`)),
        /InvalidSignature/,
      );
      await call(signRegistration(key, digest as `0x${string}`)); // the right one passes
    }
    // Our BN254 key bytes are KeyRegistrar's own encoding.
    const bn254 = testBn254Key("test/encoding");
    const g1 = BigInt(bn254.publicKeyG1.slice(0, 66));
    assert.equal(
      await chain.client.readContract({
        ...keyRegistrar,
        functionName: "encodeBN254KeyData",
        args: [
          { X: g1, Y: BigInt(`0x${bn254.publicKeyG1.slice(66)}`) },
          {
            X: [
              BigInt(`0x${bn254.publicKeyG2.slice(2, 66)}`),
              BigInt(`0x${bn254.publicKeyG2.slice(66, 130)}`),
            ],
            Y: [
              BigInt(`0x${bn254.publicKeyG2.slice(130, 194)}`),
              BigInt(`0x${bn254.publicKeyG2.slice(194)}`),
            ],
          },
        ],
      }),
      keyData(bn254),
    );
  },
);

Deno.test(
  "KeyRegistrar refuses to deregister a key while the operator is in the set",
  opts,
  async () => {
    const chain = await testChain();
    const scenario = await testScenario();
    await rejectsWith(
      chain.client.simulateContract({
        address: chain.contracts.keyRegistrar,
        abi: chain.abis.keyRegistrar as Abi,
        functionName: "deregisterKey",
        args: [scenario.executor.account.address, { avs: scenario.avs.address, id: 1 }],
        account: scenario.executor.account.address,
      }),
      /OperatorStillSlashable/,
    );
  },
);

Deno.test("a warm start, the deployment and the scenario take well under 2 s", opts, async () => {
  await testChain(); // anvil installed, the Go module downloaded
  const started = performance.now();
  const chain = await startLocalChain();
  try {
    await deployHourglassScenario({ ...chain, client: createChainClient(chain.rpcUrl) });
    const ms = performance.now() - started;
    console.log(`start + deploy + scenario: ${ms.toFixed(0)} ms`);
    assert.ok(ms < 2000, `took ${ms.toFixed(0)} ms`);
  } finally {
    await chain.stop();
  }
});
