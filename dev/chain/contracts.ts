/**
 * Which EigenLayer contracts the local chain deploys, and how: one table, deployed in its order
 * by one function that returns typed addresses.
 *
 * Each entry names its Go binding and computes its constructor arguments from the addresses
 * deployed before it. Entries with `proxy` live behind a {@linkcode LOCAL_PROXY} (our stand-in
 * for OpenZeppelin's TransparentUpgradeableProxy), as on mainnet: every proxy is created first,
 * so constructors may name any proxied entry whatever its place in the table (AllocationManager,
 * DelegationManager and StrategyManager take each other's addresses), then the implementations
 * are deployed in table order, then each proxy is pointed at its implementation and initialised
 * in one call (`upgradeToAndCall`), as EigenLayer's `deploy_from_scratch` script does.
 * Contracts configured after deployment get a `configure` step that calls their real functions;
 * callers keep reading `contracts.<name>`. AVSs, operator sets and operators are
 * `scenario.ts`'s business.
 * @module
 */

import {
  type Abi,
  type Address,
  encodeFunctionData,
  getAddress,
  type Hex,
  parseAbi,
  type PublicClient,
  type WalletClient,
  zeroAddress,
} from "viem";
import type { BuildOptions } from "../cluster/binaries.ts";
import { type ContractArtifact, loadArtifact } from "./bindings.ts";
import { LOCAL_PROXY } from "./solidity/artifacts.ts";
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

/** A call encoded against a contract's own ABI, e.g. `initialize(0)`. */
export interface ContractCall {
  functionName: string;
  args: readonly unknown[];
}

/** One deployable contract. */
export interface ContractSpec {
  /** Folder under the module's `pkg/bindings/`, e.g. `TaskMailbox`. */
  binding: string;
  /** Constructor arguments, in the Solidity constructor's order. */
  constructorArgs(ctx: DeployContext): readonly unknown[];
  /**
   * Deploy behind a proxy: `contracts.<name>` is the proxy, known before any implementation is
   * deployed. `initialize` is the call the proxy makes on its implementation when pointed at it
   * (the contracts whose constructors `_disableInitializers()`); absent: no call.
   */
  proxy?: { initialize?(ctx: DeployContext): ContractCall };
  /** Runs after every entry is deployed: register, configure. */
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

/**
 * AllocationManager's `DEALLOCATION_DELAY`: blocks an operator stays slashable after leaving an
 * operator set. KeyRegistrar refuses `deregisterKey` until it has passed, so with 0 a key can be
 * deregistered in the block after the operator left (mainnet: about 14 days).
 */
export const DEALLOCATION_DELAY_BLOCKS = 0;

/** AllocationManager's `ALLOCATION_CONFIGURATION_DELAY` (allocation delays take effect after it). */
export const ALLOCATION_CONFIGURATION_DELAY_BLOCKS = 0;

/** DelegationManager's `MIN_WITHDRAWAL_DELAY_BLOCKS`. */
export const MIN_WITHDRAWAL_DELAY_BLOCKS = 1;

/**
 * Constructor arguments the local chain has nothing for, and that no path it uses reads:
 * AllocationManager's EIGEN strategy (only compared with, when strategies join operator sets),
 * EigenPodManager's beacon-chain deposit contract and EigenPod beacon (only used to create pods).
 */
export const UNUSED_DEPENDENCY_PLACEHOLDER: Address = zeroAddress;

/** `initialize(initialPausedStatus)` with nothing paused. */
const unpaused = (): ContractCall => ({ functionName: "initialize", args: [0n] });

/** The contracts of the local chain, in deployment order. */
export const EIGENLAYER_CONTRACTS = {
  pauserRegistry: {
    binding: "PauserRegistry",
    constructorArgs: (ctx) => [[ctx.deployer], ctx.deployer],
  },
  permissionController: {
    binding: "PermissionController",
    constructorArgs: (ctx) => [ctx.version],
    proxy: {},
  },
  allocationManager: {
    binding: "AllocationManager",
    constructorArgs: (ctx) => [
      deployedAddress(ctx, "delegationManager"),
      UNUSED_DEPENDENCY_PLACEHOLDER,
      deployedAddress(ctx, "pauserRegistry"),
      deployedAddress(ctx, "permissionController"),
      DEALLOCATION_DELAY_BLOCKS,
      ALLOCATION_CONFIGURATION_DELAY_BLOCKS,
      ctx.version,
    ],
    proxy: { initialize: unpaused },
  },
  delegationManager: {
    binding: "DelegationManager",
    constructorArgs: (ctx) => [
      deployedAddress(ctx, "strategyManager"),
      deployedAddress(ctx, "eigenPodManager"),
      deployedAddress(ctx, "allocationManager"),
      deployedAddress(ctx, "pauserRegistry"),
      deployedAddress(ctx, "permissionController"),
      MIN_WITHDRAWAL_DELAY_BLOCKS,
      ctx.version,
    ],
    proxy: { initialize: unpaused },
  },
  strategyManager: {
    binding: "StrategyManager",
    constructorArgs: (ctx) => [
      deployedAddress(ctx, "allocationManager"),
      deployedAddress(ctx, "delegationManager"),
      deployedAddress(ctx, "pauserRegistry"),
      ctx.version,
    ],
    proxy: {
      // initialize(initialOwner, initialStrategyWhitelister, initialPausedStatus)
      initialize: (ctx) => ({ functionName: "initialize", args: [ctx.deployer, ctx.deployer, 0n] }),
    },
  },
  eigenPodManager: {
    binding: "EigenPodManager",
    constructorArgs: (ctx) => [
      UNUSED_DEPENDENCY_PLACEHOLDER,
      UNUSED_DEPENDENCY_PLACEHOLDER,
      deployedAddress(ctx, "delegationManager"),
      deployedAddress(ctx, "pauserRegistry"),
      ctx.version,
    ],
    proxy: {
      // initialize(initialOwner, initialPausedStatus)
      initialize: (ctx) => ({ functionName: "initialize", args: [ctx.deployer, 0n] }),
    },
  },
  keyRegistrar: {
    binding: "KeyRegistrar",
    constructorArgs: (ctx) => [
      deployedAddress(ctx, "permissionController"),
      deployedAddress(ctx, "allocationManager"),
      ctx.version,
    ],
    proxy: {},
  },
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
  /** Where to call each contract (the proxy, for proxied ones). */
  contracts: ContractAddresses;
  /** The implementation behind each proxied contract. */
  implementations: Partial<ContractAddresses>;
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

/** The one function {@linkcode LOCAL_PROXY} answers for its admin (in its fallback). */
const PROXY_ADMIN_ABI = parseAbi(["function upgradeToAndCall(address implementation, bytes data)"]);

/**
 * Deploys every entry of {@linkcode EIGENLAYER_CONTRACTS} from `deployer` (who also administers
 * the proxies), then configures them.
 */
export async function deployEigenLayer(
  client: ChainClient,
  deployer: Address,
  options: DeployOptions = {},
): Promise<Deployment> {
  const deployed: Partial<ContractAddresses> = {};
  const implementations: Partial<ContractAddresses> = {};
  const abis: Partial<Record<ContractName, Abi>> = {};
  const ctx: DeployContext = {
    deployed,
    deployer,
    version: options.version ?? EIGENLAYER_CONTRACTS_RELEASE,
    client,
  };
  const proxyArtifact = { name: LOCAL_PROXY.contractName, ...LOCAL_PROXY } as ContractArtifact;
  for (const [name] of entries().filter(([, spec]) => spec.proxy)) {
    deployed[name] = await deployContract(client, deployer, proxyArtifact, [deployer]);
  }
  for (const [name, spec] of entries()) {
    const artifact = await loadArtifact(spec.binding, options);
    const address = await deployContract(client, deployer, artifact, spec.constructorArgs(ctx));
    if (spec.proxy) implementations[name] = address;
    else deployed[name] = address;
    abis[name] = artifact.abi;
  }
  for (const [name, spec] of entries()) {
    if (!spec.proxy) continue;
    const init = spec.proxy.initialize?.(ctx);
    const data: Hex = init ? encodeFunctionData({ abi: abis[name]!, ...init }) : "0x";
    await send(client, deployer, deployed[name]!, {
      abi: PROXY_ADMIN_ABI,
      functionName: "upgradeToAndCall",
      args: [implementations[name]!, data],
    }, `Pointing the ${name} proxy at its implementation`);
  }
  for (const [, spec] of entries()) await spec.configure?.(ctx);
  // In table order (proxies were created first), for printing.
  const contracts = Object.fromEntries(
    entries().map(([name]) => [name, deployed[name]]),
  ) as ContractAddresses;
  const allAbis = abis as Record<ContractName, Abi>;
  return {
    contracts,
    implementations,
    versions: await readVersions(client, contracts, allAbis),
    abis: allAbis,
  };
}

/** A contract call as a transaction from an unlocked account; throws unless it succeeded. */
async function send(
  client: ChainClient,
  from: Address,
  to: Address,
  call: { abi: Abi; functionName: string; args: readonly unknown[] },
  what: string,
): Promise<void> {
  const hash = await client.sendTransaction({
    account: from,
    chain: client.chain,
    to,
    data: encodeFunctionData(call),
  });
  const receipt = await client.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") throw new Error(`${what} failed (transaction ${hash})`);
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
