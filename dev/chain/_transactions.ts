/**
 * Transactions from test accounts (signed locally by viem, as a real operator's client would)
 * and the few anvil controls the scenario needs: funding an account, mining empty blocks, and
 * putting several transactions into one block.
 * @module
 */

import {
  type Abi,
  type Address,
  getAddress,
  type Hash,
  type Hex,
  parseEther,
  toHex,
  type TransactionReceipt,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import type { ChainClient } from "./contracts.ts";
import type { TestAccount } from "./test_keys.ts";

/** A contract call. */
export interface Call {
  address: Address;
  abi: Abi;
  functionName: string;
  args: readonly unknown[];
}

/** Gas for a transaction whose estimate cannot run first (it depends on one in the same block). */
const BUNDLED_GAS = 3_000_000n;

/** Calls a raw JSON-RPC method (anvil's `anvil_*`/`evm_*` are not in viem's typed set). */
export function rpc(client: ChainClient, method: string, params: unknown[]): Promise<unknown> {
  const request = client.request as (args: { method: string; params: unknown[] }) => Promise<
    unknown
  >;
  return request({ method, params });
}

/** Gives `account` 1000 ETH if it has none (anvil's `anvil_setBalance`). */
export async function fund(client: ChainClient, account: Address): Promise<void> {
  if (await client.getBalance({ address: account }) > 0n) return;
  await rpc(client, "anvil_setBalance", [account, toHex(parseEther("1000"))]);
}

/** Mines `blocks` empty blocks. */
export async function mine(client: ChainClient, blocks: number): Promise<void> {
  if (blocks > 0) await rpc(client, "anvil_mine", [toHex(blocks)]);
}

/** Sends `call` from `from` and waits for it; throws (with the revert reason) unless it succeeded. */
export async function transact(
  client: ChainClient,
  from: TestAccount,
  call: Call,
): Promise<TransactionReceipt> {
  let hash: Hash;
  try {
    hash = await client.writeContract({
      ...call,
      account: privateKeyToAccount(from.privateKey),
      chain: client.chain,
    });
  } catch (err) {
    throw new Error(`${describe(call)} from ${from.label} (${from.address}) failed`, {
      cause: err,
    });
  }
  return await succeeded(client, hash, call);
}

/** Deploys a contract from `from`; returns its address. */
export async function deploy(
  client: ChainClient,
  from: TestAccount,
  artifact: { abi: Abi; bytecode: Hex; contractName: string },
  args: readonly unknown[],
): Promise<Address> {
  const hash = await client.deployContract({
    abi: artifact.abi,
    bytecode: artifact.bytecode,
    args,
    account: privateKeyToAccount(from.privateKey),
    chain: client.chain,
  });
  const receipt = await client.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success" || !receipt.contractAddress) {
    throw new Error(`Deploying ${artifact.contractName} failed (transaction ${hash})`);
  }
  return getAddress(receipt.contractAddress);
}

/**
 * Sends `calls` from `from` into one block, in order: automine off, send with consecutive nonces
 * and fixed gas (an estimate would run before the earlier calls took effect), mine, automine
 * on. Returns the block; throws naming the first call that reverted.
 */
export async function inOneBlock(
  client: ChainClient,
  from: TestAccount,
  calls: Call[],
): Promise<bigint> {
  const account = privateKeyToAccount(from.privateKey);
  const nonce = await client.getTransactionCount({ address: from.address, blockTag: "pending" });
  const hashes: Hash[] = [];
  await rpc(client, "evm_setAutomine", [false]);
  try {
    for (const [i, call] of calls.entries()) {
      hashes.push(
        await client.writeContract({
          ...call,
          account,
          chain: client.chain,
          nonce: nonce + i,
          gas: BUNDLED_GAS,
        }),
      );
    }
    await rpc(client, "evm_mine", []);
  } finally {
    await rpc(client, "evm_setAutomine", [true]);
  }
  const receipts = await Promise.all(hashes.map((hash, i) => succeeded(client, hash, calls[i])));
  const blocks = new Set(receipts.map((r) => r.blockNumber));
  if (blocks.size !== 1) throw new Error(`Expected one block, got ${[...blocks].join(", ")}`);
  return receipts[0].blockNumber;
}

async function succeeded(client: ChainClient, hash: Hash, call: Call): Promise<TransactionReceipt> {
  const receipt = await client.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") {
    throw new Error(`${describe(call)} reverted (transaction ${hash})`);
  }
  return receipt;
}

function describe(call: Call): string {
  return `${call.functionName} on ${call.address}`;
}
