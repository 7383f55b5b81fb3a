/**
 * Registering, rotating and removing operators of one AVS through EigenLayer's real functions
 * (the calls and their order are described in `scenario.ts`). Every call is made by the
 * operator's own account, as `checkCanCall(operator)` wants.
 * @module
 */

import { type Abi, type Address, encodeAbiParameters, type Hex, zeroAddress } from "viem";
import type { ChainClient, ContractAddresses, ContractName } from "./contracts.ts";
import { LOCAL_TASK_AVS_REGISTRAR } from "./solidity/artifacts.ts";
import { keyData, signRegistration, type TestAccount, type TestSigningKey } from "./test_keys.ts";
import { type Call, fund, inOneBlock, mine, transact } from "./_transactions.ts";

/** Where a change took effect: reads at `blockNumber` or later see it, earlier ones do not. */
export interface ChainChange {
  blockNumber: bigint;
}

/** A registration: the key counts from `keyRegisteredAt`, membership from `blockNumber`. */
export interface OperatorRegistration extends ChainChange {
  keyRegisteredAt: bigint;
}

/**
 * A rotation or a removal: the operator left the set (AllocationManager) at `leftSetAt`; its old
 * key is read until `blockNumber - 1`.
 */
export interface OperatorSetExit extends ChainChange {
  leftSetAt: bigint;
}

/** Changes to the operators of one AVS. */
export interface OperatorRegistry {
  /**
   * Makes `operator` an EigenLayer operator if it is not one, registers `key` for the set in
   * KeyRegistrar (signed as KeyRegistrar checks), and registers it for the set with `socket`.
   */
  registerOperator(
    operator: TestAccount,
    registration: { operatorSetId: number; key: TestSigningKey; socket: string },
  ): Promise<OperatorRegistration>;
  /** Replaces the operator's key for the set; `key` must never have been registered. */
  rotateKey(
    operator: TestAccount,
    rotation: { operatorSetId: number; key: TestSigningKey },
  ): Promise<OperatorSetExit>;
  /** Takes the operator out of the set and deregisters its key there. */
  removeOperator(
    operator: TestAccount,
    removal: { operatorSetId: number },
  ): Promise<OperatorSetExit>;
}

/** What the registry needs of the chain. */
export interface RegistryChain {
  client: ChainClient;
  contracts: ContractAddresses;
  abis: Record<ContractName, Abi>;
}

/** The registry of `avs`'s operators on `chain`. */
export function operatorRegistry(chain: RegistryChain, avs: TestAccount): OperatorRegistry {
  const { client } = chain;
  const at = (name: "allocationManager" | "keyRegistrar" | "delegationManager") => ({
    address: chain.contracts[name],
    abi: chain.abis[name],
  });
  const read = (name: Parameters<typeof at>[0], functionName: string, args: unknown[] = []) =>
    client.readContract({ ...at(name), functionName, args });
  const set = (id: number) => ({ avs: avs.address, id });
  const call = (name: Parameters<typeof at>[0], functionName: string, args: unknown[]): Call => ({
    ...at(name),
    functionName,
    args,
  });
  const registerKey = async (operator: TestAccount, id: number, key: TestSigningKey) => {
    const data = keyData(key);
    const digest = key.curve === "ecdsa"
      ? await read("keyRegistrar", "getECDSAKeyRegistrationMessageHash", [
        operator.address,
        set(id),
        key.address,
      ])
      : await read("keyRegistrar", "getBN254KeyRegistrationMessageHash", [
        operator.address,
        set(id),
        data,
      ]);
    const signature = signRegistration(key, digest as Hex);
    return call("keyRegistrar", "registerKey", [operator.address, set(id), data, signature]);
  };
  const joinSet = (operator: TestAccount, id: number, socket: string) =>
    call("allocationManager", "registerForOperatorSets", [
      operator.address,
      { avs: avs.address, operatorSetIds: [id], data: socketData(socket) },
    ]);
  const leaveSet = async (operator: TestAccount, id: number): Promise<bigint> => {
    const receipt = await transact(
      client,
      operator,
      call("allocationManager", "deregisterFromOperatorSets", [
        { operator: operator.address, avs: avs.address, operatorSetIds: [id] },
      ]),
    );
    // KeyRegistrar.deregisterKey wants the operator no longer slashable: past the delay.
    await mine(client, Number(await read("allocationManager", "DEALLOCATION_DELAY")));
    return receipt.blockNumber;
  };

  return {
    async registerOperator(operator, { operatorSetId, key, socket }) {
      await fund(client, operator.address);
      if (!(await read("delegationManager", "isOperator", [operator.address]))) {
        await transact(
          client,
          operator,
          call("delegationManager", "registerAsOperator", [
            zeroAddress,
            0,
            `https://hourglass.local/operators/${operator.label}.json`,
          ]),
        );
      }
      const keyReceipt = await transact(
        client,
        operator,
        await registerKey(operator, operatorSetId, key),
      );
      const joined = await transact(client, operator, joinSet(operator, operatorSetId, socket));
      return { blockNumber: joined.blockNumber, keyRegisteredAt: keyReceipt.blockNumber };
    },

    async rotateKey(operator, { operatorSetId, key }) {
      const registrar = await read("allocationManager", "getAVSRegistrar", [avs.address]);
      const socket = await client.readContract({
        address: registrar as Address,
        abi: LOCAL_TASK_AVS_REGISTRAR.abi,
        functionName: "getOperatorSocket",
        args: [operator.address],
      });
      const register = await registerKey(operator, operatorSetId, key);
      const leftSetAt = await leaveSet(operator, operatorSetId);
      const blockNumber = await inOneBlock(client, operator, [
        call("keyRegistrar", "deregisterKey", [operator.address, set(operatorSetId)]),
        register,
        joinSet(operator, operatorSetId, socket),
      ]);
      return { blockNumber, leftSetAt };
    },

    async removeOperator(operator, { operatorSetId }) {
      const leftSetAt = await leaveSet(operator, operatorSetId);
      const receipt = await transact(
        client,
        operator,
        call("keyRegistrar", "deregisterKey", [operator.address, set(operatorSetId)]),
      );
      return { blockNumber: receipt.blockNumber, leftSetAt };
    },
  };
}

/** The ABI-encoded socket the registrar decodes from registration data. */
export function socketData(socket: string): Hex {
  return encodeAbiParameters([{ type: "string" }], [socket]);
}
