/**
 * EigenLayer's core contracts by chain id, as Ponos knows them (`CoreContracts` and
 * `TableCalculatorsByChain` in ponos/pkg/config/config.go), and the resolver that picks the
 * certificate verifiers and the TaskMailbox an executor config points at.
 *
 * Unlike Ponos, local chains (anvil 31337 and 31338) are not mapped to Sepolia's addresses: a
 * local chain has whatever its deployment script produced, so its addresses come from
 * `overrideContracts`.
 * @module
 */

import type { ExecutorConfig } from "./executor_config.ts";

/** Addresses of one chain's EigenLayer deployment; L2s carry only the multichain contracts. */
export interface CoreContractAddresses {
  readonly allocationManager?: string;
  readonly delegationManager?: string;
  readonly releaseManager?: string;
  readonly taskMailbox: string;
  readonly keyRegistrar?: string;
  readonly crossChainRegistry?: string;
  readonly ecdsaCertificateVerifier: string;
  readonly bn254CertificateVerifier: string;
  readonly ecdsaTableCalculator?: string;
  readonly bn254TableCalculator?: string;
}

/** A chain with a known EigenLayer deployment. */
export interface KnownDeployment {
  /** Human name, for messages. */
  readonly name: string;
  /** Whether it is an L1 (the core contracts live there) or an L2 (multichain contracts only). */
  readonly layer: "L1" | "L2";
  readonly contracts: CoreContractAddresses;
}

// Multichain contracts share addresses across a network's L1 and L2 (CREATE2 deployments).
const MAINNET_MULTICHAIN = {
  taskMailbox: "0x132b466d9d5723531F68797519DfED701aC2C749",
  ecdsaCertificateVerifier: "0xd0930ee96D07de4F9d493c259232222e46B6EC25",
  bn254CertificateVerifier: "0x3F55654b2b2b86bB11bE2f72657f9C33bf88120A",
  ecdsaTableCalculator: "0xA933CB4cbD0C4C208305917f56e0C3f51ad713Fa",
  bn254TableCalculator: "0x55F4b21681977F412B318eCB204cB933bD1dF57c",
} as const;

const TESTNET_MULTICHAIN = {
  taskMailbox: "0xb99cc53e8db7018f557606c2a5b066527bf96b26",
  ecdsaCertificateVerifier: "0xb3cd1a457dea9a9a6f6406c6419b1c326670a96f",
  bn254CertificateVerifier: "0xff58a373c18268f483c1f5ca03cf885c0c43373a",
  ecdsaTableCalculator: "0xbcff2Cb40eD4A80e3A9EB095840986F9c8395a38",
  bn254TableCalculator: "0x797d076aB96a5d4104062C15c727447fD8b71eB0",
} as const;

/** Known deployments by chain id: Ethereum mainnet, Base, Sepolia, Base Sepolia. */
export const KNOWN_DEPLOYMENTS: Readonly<Record<number, KnownDeployment>> = deepFreeze<
  Record<number, KnownDeployment>
>({
  1: {
    name: "Ethereum mainnet",
    layer: "L1",
    contracts: {
      allocationManager: "0x948a420b8CC1d6BFd0B6087C2E7c344a2CD0bc39",
      delegationManager: "0x39053D51B77DC0d36036Fc1fCc8Cb819df8Ef37A",
      releaseManager: "0xeDA3CAd031c0cf367cF3f517Ee0DC98F9bA80C8F",
      keyRegistrar: "0x54f4bC6bDEbe479173a2bbDc31dD7178408A57A4",
      crossChainRegistry: "0x9376A5863F2193cdE13e1aB7c678F22554E2Ea2b",
      ...MAINNET_MULTICHAIN,
    },
  },
  8453: { name: "Base", layer: "L2", contracts: { ...MAINNET_MULTICHAIN } },
  11155111: {
    name: "Sepolia",
    layer: "L1",
    contracts: {
      allocationManager: "0x42583067658071247ec8ce0a516a58f682002d07",
      delegationManager: "0xd4a7e1bd8015057293f0d0a557088c286942e84b",
      releaseManager: "0x59c8D715DCa616e032B744a753C017c9f3E16bf4",
      keyRegistrar: "0xa4db30d08d8bbca00d40600bee9f029984db162a",
      crossChainRegistry: "0x287381b1570d9048c4b4c7ec94d21ddb8aa1352a",
      ...TESTNET_MULTICHAIN,
    },
  },
  84532: { name: "Base Sepolia", layer: "L2", contracts: { ...TESTNET_MULTICHAIN } },
});

/** The chain ids of KNOWN_DEPLOYMENTS, ascending. */
export const KNOWN_CHAIN_IDS: readonly number[] = Object.keys(KNOWN_DEPLOYMENTS).map(Number)
  .sort((a, b) => a - b);

/** The known deployment of a chain, if any. */
export function knownDeployment(chainId: number | undefined): KnownDeployment | undefined {
  return chainId === undefined ? undefined : KNOWN_DEPLOYMENTS[chainId];
}

/** Where a resolved address came from. */
export type ContractSource = "overrideContracts" | `known deployment for chain ${number}`;

/** A resolved contract address. */
export interface ResolvedContract {
  address: string;
  source: ContractSource;
}

/** The ECDSA certificate verifier, with what is known of its version. */
export interface ResolvedEcdsaVerifier extends ResolvedContract {
  /**
   * Its `version()` string, when the config gives it
   * (`overrideContracts.ecdsaCertificateVerifier.version`). Undefined: read `version()` from
   * `l1Chain.rpcUrl` (the config rules guarantee one of the two when an AVS signs with ECDSA).
   */
  version?: string;
  /** The EIP-712 domain version: the first character of `version`, e.g. "1". */
  majorVersion?: string;
}

/** The TaskMailbox, with the chains a Ponos-style override names. */
export interface ResolvedTaskMailbox extends ResolvedContract {
  chainIds?: number[];
}

/** What `resolveCertificateVerifiers` found; a contract is absent when nothing names it. */
export interface ResolvedContracts {
  chainId?: number;
  ecdsa?: ResolvedEcdsaVerifier;
  bn254?: ResolvedContract;
  taskMailbox?: ResolvedTaskMailbox;
}

/** The config keys the resolver reads. */
export type ContractsConfigView = Pick<ExecutorConfig, "l1Chain" | "overrideContracts">;

/**
 * The certificate verifiers and the TaskMailbox of a config: `overrideContracts` wins over the
 * known deployment of `l1Chain.chainId`. A TaskMailbox override with `chainIds` applies only
 * when `l1Chain.chainId` is one of them (or no chain is configured).
 */
export function resolveCertificateVerifiers(config: ContractsConfigView): ResolvedContracts {
  const chainId = config.l1Chain?.chainId;
  const known = knownDeployment(chainId)?.contracts;
  const knownSource: ContractSource = `known deployment for chain ${chainId ?? 0}`;
  const overrides = config.overrideContracts ?? {};
  const pick = (override: string | undefined, fromTable: string | undefined) =>
    override !== undefined
      ? { address: override, source: "overrideContracts" as const }
      : fromTable !== undefined
      ? { address: fromTable, source: knownSource }
      : undefined;
  const out: ResolvedContracts = {};
  if (chainId !== undefined) out.chainId = chainId;
  const ecdsa = pick(overrides.ecdsaCertificateVerifier?.address, known?.ecdsaCertificateVerifier);
  if (ecdsa) {
    const version = overrides.ecdsaCertificateVerifier?.version;
    out.ecdsa = version === undefined
      ? ecdsa
      : { ...ecdsa, version, majorVersion: majorVersion(version) };
  }
  const bn254 = pick(overrides.bn254CertificateVerifier?.address, known?.bn254CertificateVerifier);
  if (bn254) out.bn254 = bn254;
  const mailbox = overrides.taskMailbox;
  const mailboxApplies = mailbox !== undefined &&
    (mailbox.chainIds === undefined || chainId === undefined || mailbox.chainIds.includes(chainId));
  const taskMailbox = pick(mailboxApplies ? mailbox.address : undefined, known?.taskMailbox);
  if (taskMailbox) {
    out.taskMailbox = mailboxApplies && mailbox.chainIds !== undefined
      ? { ...taskMailbox, chainIds: mailbox.chainIds }
      : taskMailbox;
  }
  return out;
}

/** The core contracts chain mode reads, when both resolve. */
export interface ResolvedChainContracts {
  allocationManager: ResolvedContract;
  keyRegistrar: ResolvedContract;
}

/**
 * The AllocationManager and KeyRegistrar of a config (`overrideContracts` wins over the known
 * deployment of `l1Chain.chainId`), and what is missing when one does not resolve.
 */
export function resolveChainContracts(
  config: ContractsConfigView,
): { contracts: ResolvedChainContracts; missing?: undefined } | {
  contracts?: undefined;
  missing: ("allocationManager" | "keyRegistrar")[];
} {
  const chainId = config.l1Chain?.chainId;
  const known = knownDeployment(chainId)?.contracts;
  const knownSource: ContractSource = `known deployment for chain ${chainId ?? 0}`;
  const overrides = config.overrideContracts ?? {};
  const pick = (name: "allocationManager" | "keyRegistrar"): ResolvedContract | undefined => {
    const override = overrides[name]?.address;
    if (override !== undefined) return { address: override, source: "overrideContracts" };
    const fromTable = known?.[name];
    return fromTable === undefined ? undefined : { address: fromTable, source: knownSource };
  };
  const allocationManager = pick("allocationManager");
  const keyRegistrar = pick("keyRegistrar");
  if (allocationManager && keyRegistrar) return { contracts: { allocationManager, keyRegistrar } };
  const missing: ("allocationManager" | "keyRegistrar")[] = [];
  if (!allocationManager) missing.push("allocationManager");
  if (!keyRegistrar) missing.push("keyRegistrar");
  return { missing };
}

/**
 * The version EigenLayer's contracts put in their EIP-712 domain: the first character of
 * `version()` (SemVerMixin `_majorVersion`), e.g. "1" for "1.0.0".
 */
export function majorVersion(version: string): string {
  if (version === "") throw new RangeError("version must not be empty");
  return version[0];
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
