/**
 * The Hourglass scenario on the local chain, set up through the contracts' real functions: an
 * AVS with its own registrar ({@linkcode LOCAL_TASK_AVS_REGISTRAR}), three operator sets (the
 * aggregator's on ECDSA, two executor sets on ECDSA and BN254), an aggregator and an executor
 * operator registered with keys KeyRegistrar checked the signatures of. What Ponos reads of it is
 * in `ponos_reads.ts`.
 *
 * The returned {@linkcode ChainScenario} registers further operators, rotates keys and removes
 * operators, each returning the block from which the change holds, so tests can check that an
 * executor honours it from exactly that block. How the contracts allow it:
 * - register: `DelegationManager.registerAsOperator` (once per operator), then
 *   `KeyRegistrar.registerKey` (the registrar refuses operators without a key), then
 *   `AllocationManager.registerForOperatorSets`, which calls the registrar (socket stored).
 * - rotate: KeyRegistrar has no rotation and refuses `deregisterKey` while the operator is
 *   slashable for the set, so: leave the set (`deregisterFromOperatorSets`), wait out
 *   `DEALLOCATION_DELAY`, then `deregisterKey`, `registerKey` (new key) and
 *   `registerForOperatorSets` together in one block: the old key is read before that block, the
 *   new one from it. The new key must be one KeyRegistrar never saw (keys are globally unique,
 *   forever).
 * - remove: leave the set, wait out `DEALLOCATION_DELAY`, `deregisterKey` (the block Ponos stops
 *   accepting the operator: it only looks at the key).
 * @module
 */

import type { Address } from "viem";
import { LOCAL_TASK_AVS_REGISTRAR } from "./solidity/artifacts.ts";
import {
  type TestAccount,
  testAccount,
  testBn254Key,
  testEcdsaKey,
  type TestSigningKey,
} from "./test_keys.ts";
import { deploy, fund, transact } from "./_transactions.ts";
import { type OperatorRegistry, operatorRegistry, type RegistryChain } from "./_operators.ts";

export type {
  ChainChange,
  OperatorRegistration,
  OperatorRegistry,
  OperatorSetExit,
} from "./_operators.ts";

/** KeyRegistrar's `CurveType` enum values. */
export const CURVE_TYPE = { ecdsa: 1, bn254: 2 } as const;

/** The scenario's operator sets: ids and the curve KeyRegistrar is configured with. */
export const SCENARIO_OPERATOR_SETS = {
  aggregator: { id: 0, curve: "ecdsa" },
  executorEcdsa: { id: 1, curve: "ecdsa" },
  executorBn254: { id: 2, curve: "bn254" },
} as const;

/** An operator of the scenario and the keys it registered, by operator set id. */
export interface ScenarioOperator {
  account: TestAccount;
  /** The socket its registration stored in the registrar. */
  socket: string;
  keys: Record<number, TestSigningKey>;
  /** The block of its last registration: it holds all of them from there on. */
  registeredAt: bigint;
}

/** The scenario on the chain, and what changes it. */
export interface ChainScenario extends OperatorRegistry {
  /** The AVS: an account, as EigenLayer AVSs are (it calls AllocationManager and KeyRegistrar). */
  avs: TestAccount;
  /** The AVS's registrar (`AllocationManager.getAVSRegistrar(avs)`). */
  registrar: Address;
  operatorSets: typeof SCENARIO_OPERATOR_SETS;
  /** What `registrar.getAvsConfig()` returns. */
  avsConfig: { aggregatorOperatorSetId: number; executorOperatorSetIds: readonly number[] };
  /** Registered in the aggregator set with an ECDSA key. */
  aggregator: ScenarioOperator;
  /** Registered in both executor sets, with an ECDSA and a BN254 key. */
  executor: ScenarioOperator;
  /** The block where set-up finished: everything above holds from it on. */
  readyAt: bigint;
}

/** Options for {@linkcode deployHourglassScenario}. */
export interface ScenarioOptions {
  /** Prefix of every key label, so several scenarios can share a chain; default `"hourglass"`. */
  name?: string;
  /** Sockets stored for the aggregator and the executor. */
  sockets?: { aggregator?: string; executor?: string };
}

/** What the scenario needs of a local chain: a client on it, and the deployed contracts. */
export type ScenarioChain = RegistryChain;

/** Sets up the scenario on a chain whose EigenLayer contracts are deployed. */
export async function deployHourglassScenario(
  chain: ScenarioChain,
  options: ScenarioOptions = {},
): Promise<ChainScenario> {
  const name = options.name ?? "hourglass";
  const { client, contracts } = chain;
  const avs = testAccount(`${name}/avs`);
  await fund(client, avs.address);
  const avsConfig = {
    aggregatorOperatorSetId: SCENARIO_OPERATOR_SETS.aggregator.id,
    executorOperatorSetIds: [
      SCENARIO_OPERATOR_SETS.executorEcdsa.id,
      SCENARIO_OPERATOR_SETS.executorBn254.id,
    ],
  };
  const registrar = await deploy(client, avs, LOCAL_TASK_AVS_REGISTRAR, [
    contracts.allocationManager,
    contracts.keyRegistrar,
    avs.address,
    avs.address,
    avsConfig,
  ]);
  await setUpAvs(chain, avs, registrar);
  const registry = operatorRegistry(chain, avs);
  const aggregator = await registerAll(registry, testAccount(`${name}/aggregator`), {
    socket: options.sockets?.aggregator ?? "127.0.0.1:9000",
    keys: { [SCENARIO_OPERATOR_SETS.aggregator.id]: testEcdsaKey(`${name}/aggregator`) },
  });
  const executor = await registerAll(registry, testAccount(`${name}/executor`), {
    socket: options.sockets?.executor ?? "127.0.0.1:9090",
    keys: {
      [SCENARIO_OPERATOR_SETS.executorEcdsa.id]: testEcdsaKey(`${name}/executor`),
      [SCENARIO_OPERATOR_SETS.executorBn254.id]: testBn254Key(`${name}/executor`),
    },
  });
  return {
    ...registry,
    avs,
    registrar,
    operatorSets: SCENARIO_OPERATOR_SETS,
    avsConfig,
    aggregator,
    executor,
    // Not getBlockNumber(): viem caches it for a polling interval.
    readyAt: executor.registeredAt,
  };
}

/** The AVS's own calls: metadata, registrar, operator sets, their curve types. */
async function setUpAvs(chain: ScenarioChain, avs: TestAccount, registrar: Address) {
  const { client, contracts, abis } = chain;
  const allocationManager = { address: contracts.allocationManager, abi: abis.allocationManager };
  const keyRegistrar = { address: contracts.keyRegistrar, abi: abis.keyRegistrar };
  const sets = Object.values(SCENARIO_OPERATOR_SETS);
  await transact(client, avs, {
    ...allocationManager,
    functionName: "updateAVSMetadataURI",
    args: [avs.address, `https://hourglass.local/avs/${avs.label}.json`],
  });
  await transact(client, avs, {
    ...allocationManager,
    functionName: "setAVSRegistrar",
    args: [avs.address, registrar],
  });
  await transact(client, avs, {
    ...allocationManager,
    functionName: "createOperatorSets",
    args: [avs.address, sets.map((set) => ({ operatorSetId: set.id, strategies: [] }))],
  });
  for (const set of sets) {
    await transact(client, avs, {
      ...keyRegistrar,
      functionName: "configureOperatorSet",
      args: [{ avs: avs.address, id: set.id }, CURVE_TYPE[set.curve]],
    });
  }
}

async function registerAll(
  registry: OperatorRegistry,
  account: TestAccount,
  plan: { socket: string; keys: Record<number, TestSigningKey> },
): Promise<ScenarioOperator> {
  let registeredAt = 0n;
  for (const [id, key] of Object.entries(plan.keys)) {
    const registration = { operatorSetId: Number(id), key, socket: plan.socket };
    registeredAt = (await registry.registerOperator(account, registration)).blockNumber;
  }
  return { account, ...plan, registeredAt };
}
