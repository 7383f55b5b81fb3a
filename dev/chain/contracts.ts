/**
 * Which EigenLayer contracts the local chain deploys, and how: one table, deployed in its order
 * by one function that returns typed addresses.
 *
 * Each entry names its Go binding and computes its constructor arguments from the addresses
 * deployed before it. Growing the chain (AllocationManager, KeyRegistrar, PermissionController,
 * proxies, an AVS registrar) means adding entries, and, for contracts configured after
 * deployment, a `configure` step that calls their real functions; callers keep reading
 * `contracts.<name>`.
 * @module
 */

import {
  type Abi,
  type Address,
  getAddress,
  type PublicClient,
  type WalletClient,
  zeroAddress,
} from "viem";
import type { BuildOptions } from "../cluster/binaries.ts";
import { type ContractArtifact, loadArtifact } from "./bindings.ts";
import { EIGENLAYER_CONTRACTS_RELEASE } from "./versions.ts";

/** What an entry's constructor arguments and configure step may use. */
export interface DeployContext {
  /**
   * Addresses of the entries deployed so far, by table key. Keyed by string, not
   * {@linkcode ContractName}: that type comes from the table, which cannot refer to itself.
   */
  deployed: Readonly<Record<string, Address | undefined>>;
  /** The account that deploys and owns everything. */
  deployer: Address;
  /** The version string every versioned contract is constructed with. */
  version: string;
  /** Wallet and public actions on the chain. */
  client: ChainClient;
}

/** One deployable contract. */
export interface ContractSpec {
  /** Folder under the module's `pkg/bindings/`, e.g. `TaskMailbox`. */
  binding: string;
  /** Constructor arguments, in the Solidity constructor's order. */
  constructorArgs(ctx: DeployContext): readonly unknown[];
  /** Runs after every entry is deployed: initialize, register, configure. */
  configure?(ctx: DeployContext): Promise<void>;
}

/** A viem wallet client extended with public actions (`createWalletClient(…).extend(publicActions)`). */
export type ChainClient = WalletClient & PublicClient;

/** TaskMailbox's upper bound on a task's SLA, in seconds (EigenLayer's unit tests use 7 days). */
export const MAX_TASK_SLA_SECONDS = 7n * 24n * 3600n;

/**
 * The certificate verifiers take an `IOperatorTableUpdater` (immutable), which only their
 * verification paths call (`isRootValidByTimestamp`). Until the chain deploys an
 * OperatorTableUpdater, they get the zero address: digests work, verifying a certificate reverts.
 */
export const OPERATOR_TABLE_UPDATER_PLACEHOLDER: Address = zeroAddress;

/** The contracts of the local chain, in deployment order. */
export const EIGENLAYER_CONTRACTS = {
  ecdsaCertificateVerifier: {
    binding: "ECDSACertificateVerifier",
    constructorArgs: (ctx) => [OPERATOR_TABLE_UPDATER_PLACEHOLDER, ctx.version],
  },
  bn254CertificateVerifier: {
    binding: "BN254CertificateVerifier",
    constructorArgs: (ctx) => [OPERATOR_TABLE_UPDATER_PLACEHOLDER, ctx.version],
  },
  taskMailbox: {
    binding: "TaskMailbox",
    constructorArgs: (ctx) => [
      deployedAddress(ctx, "bn254CertificateVerifier"),
      deployedAddress(ctx, "ecdsaCertificateVerifier"),
      MAX_TASK_SLA_SECONDS,
      ctx.version,
    ],
  },
} as const satisfies Record<string, ContractSpec>;

/** A key of {@linkcode EIGENLAYER_CONTRACTS}, e.g. `"taskMailbox"`. */
export type ContractName = keyof typeof EIGENLAYER_CONTRACTS;

/** The address of every contract on the chain. */
export type ContractAddresses = Record<ContractName, Address>;

/** What {@linkcode deployEigenLayer} deployed. */
export interface Deployment {
  contracts: ContractAddresses;
  /** Each contract's `version()` as the deployed contract reports it (absent: no `version()`). */
  versions: Partial<Record<ContractName, string>>;
  /** The genuine ABIs, for calls. */
  abis: Record<ContractName, Abi>;
}

/** Options for {@linkcode deployEigenLayer}. */
export interface DeployOptions extends BuildOptions {
  /** Version string for the contracts' constructors; the module's release by default. */
  version?: string;
}

/** Deploys every entry of {@linkcode EIGENLAYER_CONTRACTS} from `deployer`, then configures them. */
export async function deployEigenLayer(
  client: ChainClient,
  deployer: Address,
  options: DeployOptions = {},
): Promise<Deployment> {
  const deployed: Partial<ContractAddresses> = {};
  const abis: Partial<Record<ContractName, Abi>> = {};
  const ctx: DeployContext = {
    deployed,
    deployer,
    version: options.version ?? EIGENLAYER_CONTRACTS_RELEASE,
    client,
  };
  for (const [name, spec] of entries()) {
    const artifact = await loadArtifact(spec.binding, options);
    deployed[name] = await deployContract(client, deployer, artifact, spec.constructorArgs(ctx));
    abis[name] = artifact.abi;
  }
  for (const [, spec] of entries()) await spec.configure?.(ctx);
  const contracts = deployed as ContractAddresses;
  const allAbis = abis as Record<ContractName, Abi>;
  return { contracts, versions: await readVersions(client, contracts, allAbis), abis: allAbis };
}

async function deployContract(
  client: ChainClient,
  deployer: Address,
  artifact: ContractArtifact,
  args: readonly unknown[],
): Promise<Address> {
  const hash = await client.deployContract({
    abi: artifact.abi,
    bytecode: artifact.bytecode,
    args,
    account: deployer,
    chain: client.chain,
  });
  const receipt = await client.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success" || !receipt.contractAddress) {
    throw new Error(`Deploying ${artifact.name} failed (transaction ${hash})`);
  }
  return getAddress(receipt.contractAddress);
}

function entries(): [ContractName, ContractSpec][] {
  return Object.entries(EIGENLAYER_CONTRACTS) as [ContractName, ContractSpec][];
}

/** An address deployed earlier in the table; a TypeError if the table is out of order. */
function deployedAddress(ctx: DeployContext, name: string): Address {
  const address = ctx.deployed[name];
  if (!address) throw new TypeError(`"${name}" must come earlier in EIGENLAYER_CONTRACTS`);
  return address;
}

async function readVersions(
  client: ChainClient,
  contracts: ContractAddresses,
  abis: Record<ContractName, Abi>,
): Promise<Partial<Record<ContractName, string>>> {
  const versions: Partial<Record<ContractName, string>> = {};
  for (const [name] of entries()) {
    const versioned = abis[name].some((item) =>
      item.type === "function" && item.name === "version" && item.inputs.length === 0
    );
    if (!versioned) continue;
    versions[name] = await client.readContract({
      address: contracts[name],
      abi: abis[name],
      functionName: "version",
    }) as string;
  }
  return versions;
}
