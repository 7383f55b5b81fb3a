/**
 * Everything chain mode asks an L1 node, through viem: block headers, the registration events of
 * a block range, and the reads Ponos makes (`dev/chain/ponos_reads.ts`) at one block. The cache
 * (`cached_reader.ts`) is written against the {@linkcode ChainSource} interface, so its tests can
 * run on an in-memory chain.
 *
 * Errors are ChainReadError: "Unavailable" for anything the transport or the node reports,
 * "ContractReverted" for a revert where none is expected. A registrar without `getAvsConfig()`
 * (a revert, or an account without code) is an answer, not an error: null.
 * @module
 */

import {
  type Address,
  BaseError,
  ContractFunctionRevertedError,
  ContractFunctionZeroDataError,
  createPublicClient,
  getAddress,
  type Hex,
  http,
  parseAbi,
  type PublicClient,
  sliceHex,
  webSocket,
  zeroAddress,
} from "viem";
import {
  ChainReadError,
  CURVE_TYPES,
  type CurveType,
  type OperatorKey,
  shortReason,
} from "./operator_set_reader.ts";

/** What the cache needs of a block. */
export interface BlockHeader {
  number: bigint;
  hash: Hex;
  parentHash: Hex;
}

/** A registration event, decoded: what it sets, from its block on. */
export type ChainEvent =
  & { block: bigint; logIndex: number }
  & (
    | { kind: "registrar"; avs: Address; registrar: Address }
    | { kind: "avsConfig"; registrar: Address; aggregatorOperatorSetId: number }
    | { kind: "curve"; avs: Address; operatorSetId: number; curve: CurveType }
    | {
      kind: "key";
      avs: Address;
      operatorSetId: number;
      operator: Address;
      /** Null: deregistered. */
      key: OperatorKey | null;
    }
  );

/** An L1 node, as chain mode uses it. Every method is one RPC request. */
export interface ChainSource {
  /** A block's header; null when the node has no such block. */
  header(block: bigint | "latest"): Promise<BlockHeader | null>;
  /** The registration events in `[fromBlock, toBlock]`, in chain order. */
  events(fromBlock: bigint, toBlock: bigint): Promise<ChainEvent[]>;
  /** `AllocationManager.getAVSRegistrar(avs)` (the AVS itself when none is set). */
  registrar(avs: Address, block: bigint): Promise<Address>;
  /** `registrar.getAvsConfig().aggregatorOperatorSetId`; null when it has no such function. */
  aggregatorSetId(registrar: Address, block: bigint): Promise<number | null>;
  /** `KeyRegistrar.getOperatorSetCurveType((avs, id))`. */
  curveType(avs: Address, operatorSetId: number, block: bigint): Promise<CurveType>;
  /** `getECDSAAddress` or `getBN254Key` (by `curve`); null when the operator has no key. */
  operatorKey(
    avs: Address,
    operatorSetId: number,
    operator: Address,
    curve: "ecdsa" | "bn254",
    block: bigint,
  ): Promise<OperatorKey | null>;
}

/** The functions and events chain mode uses, as the contracts declare them. */
export const CHAIN_ABI = parseAbi([
  "function getAVSRegistrar(address avs) view returns (address)",
  "struct AvsConfig { uint32 aggregatorOperatorSetId; uint32[] executorOperatorSetIds; }",
  "function getAvsConfig() view returns (AvsConfig)",
  "struct OperatorSet { address avs; uint32 id; }",
  "function getOperatorSetCurveType(OperatorSet operatorSet) view returns (uint8)",
  "struct G1Point { uint256 X; uint256 Y; }",
  "struct G2Point { uint256[2] X; uint256[2] Y; }",
  "function getBN254Key(OperatorSet operatorSet, address operator) view returns (G1Point g1Point, G2Point g2Point)",
  "function getECDSAAddress(OperatorSet operatorSet, address operator) view returns (address)",
  "event AVSRegistrarSet(address avs, address registrar)",
  "event AvsConfigSet(uint32 aggregatorOperatorSetId, uint32[] executorOperatorSetIds)",
  "event OperatorSetConfigured(OperatorSet operatorSet, uint8 curveType)",
  "event KeyRegistered(OperatorSet operatorSet, address indexed operator, uint8 curveType, bytes pubkey)",
  "event KeyDeregistered(OperatorSet operatorSet, address indexed operator, uint8 curveType)",
]);

const EVENTS = CHAIN_ABI.filter((item) => item.type === "event");

/** Where chain mode reads. */
export interface ViemChainSourceOptions {
  /** http(s) or ws(s). Never put in an error message. */
  rpcUrl: string;
  allocationManager: Address;
  keyRegistrar: Address;
  /** Limit of each request (default 5 s); a request is not retried, the caller decides. */
  timeoutMs?: number;
}

/** A {@linkcode ChainSource} over viem. */
export function viemChainSource(options: ViemChainSourceOptions): ChainSource {
  const timeout = options.timeoutMs ?? 5_000;
  const transport = /^wss?:/i.test(options.rpcUrl)
    ? webSocket(options.rpcUrl, { timeout, retryCount: 0 })
    : http(options.rpcUrl, { timeout, retryCount: 0 });
  const client: PublicClient = createPublicClient({ transport });
  const allocationManager = getAddress(options.allocationManager);
  const keyRegistrar = getAddress(options.keyRegistrar);
  const read = <T>(what: string, request: () => Promise<T>) => rpc(what, request);
  return {
    async header(block) {
      try {
        const found = await client.getBlock(
          block === "latest" ? { blockTag: "latest" } : { blockNumber: block },
        );
        if (found.number === null || found.hash === null) return null;
        return { number: found.number, hash: found.hash, parentHash: found.parentHash };
      } catch (err) {
        if (err instanceof BaseError && err.name === "BlockNotFoundError") return null;
        throw unavailable(`the header of block ${block}`, err);
      }
    },
    async events(fromBlock, toBlock) {
      const logs = await read(
        `the registration events of blocks ${fromBlock}–${toBlock}`,
        () => client.getLogs({ events: EVENTS, fromBlock, toBlock, strict: true }),
      );
      return logs.flatMap((log) => {
        const event = decodeEvent(log, { allocationManager, keyRegistrar });
        return event === undefined ? [] : [event];
      });
    },
    async registrar(avs, block) {
      return getAddress(
        await read(
          `AllocationManager.getAVSRegistrar(${avs}) at block ${block}`,
          () =>
            client.readContract({
              address: allocationManager,
              abi: CHAIN_ABI,
              functionName: "getAVSRegistrar",
              args: [avs],
              blockNumber: block,
            }),
        ),
      );
    },
    async aggregatorSetId(registrar, block) {
      try {
        const config = await client.readContract({
          address: registrar,
          abi: CHAIN_ABI,
          functionName: "getAvsConfig",
          blockNumber: block,
        });
        return config.aggregatorOperatorSetId;
      } catch (err) {
        if (isRevert(err)) return null;
        throw unavailable(`getAvsConfig() of registrar ${registrar} at block ${block}`, err);
      }
    },
    async curveType(avs, operatorSetId, block) {
      const value = await read(
        `KeyRegistrar.getOperatorSetCurveType(${avs}, ${operatorSetId}) at block ${block}`,
        () =>
          client.readContract({
            address: keyRegistrar,
            abi: CHAIN_ABI,
            functionName: "getOperatorSetCurveType",
            args: [{ avs, id: operatorSetId }],
            blockNumber: block,
          }),
      );
      return CURVE_TYPES[value] ?? "none";
    },
    async operatorKey(avs, operatorSetId, operator, curve, block) {
      const set = { avs, id: operatorSetId };
      const what = `the ${curve.toUpperCase()} key of ${operator} in AVS ${avs} operator set ` +
        `${operatorSetId} at block ${block}`;
      if (curve === "ecdsa") {
        const address = await read(what, () =>
          client.readContract({
            address: keyRegistrar,
            abi: CHAIN_ABI,
            functionName: "getECDSAAddress",
            args: [set, operator],
            blockNumber: block,
          }));
        return address === zeroAddress ? null : { curve, address: getAddress(address) };
      }
      const [g1, g2] = await read(what, () =>
        client.readContract({
          address: keyRegistrar,
          abi: CHAIN_ABI,
          functionName: "getBN254Key",
          args: [set, operator],
          blockNumber: block,
        }));
      if (g1.X === 0n && g1.Y === 0n) return null;
      return { curve, g1: words([g1.X, g1.Y]), g2: words([...g2.X, ...g2.Y]) };
    },
  };
}

/** A decoded log as viem gives it (the fields this module reads). */
interface DecodedLog {
  address: Address;
  blockNumber: bigint | null;
  logIndex: number | null;
  eventName: string;
  args: Record<string, unknown>;
}

/**
 * One log as a ChainEvent, or undefined when it is not one of ours: the same event signature
 * from another contract than AllocationManager or KeyRegistrar (any contract's AvsConfigSet
 * counts: registrars are the AVSs' own contracts).
 */
export function decodeEvent(
  log: DecodedLog,
  contracts: { allocationManager: Address; keyRegistrar: Address },
): ChainEvent | undefined {
  if (log.blockNumber === null || log.logIndex === null) return undefined; // pending
  const at = { block: log.blockNumber, logIndex: log.logIndex };
  const from = log.address.toLowerCase();
  const args = log.args;
  const set = args.operatorSet as { avs: Address; id: number } | undefined;
  const fromKeyRegistrar = from === contracts.keyRegistrar.toLowerCase();
  switch (log.eventName) {
    case "AVSRegistrarSet":
      if (from !== contracts.allocationManager.toLowerCase()) return undefined;
      return {
        ...at,
        kind: "registrar",
        avs: getAddress(args.avs as Address),
        registrar: getAddress(args.registrar as Address),
      };
    case "AvsConfigSet":
      return {
        ...at,
        kind: "avsConfig",
        registrar: getAddress(log.address),
        aggregatorOperatorSetId: args.aggregatorOperatorSetId as number,
      };
    case "OperatorSetConfigured":
      if (!fromKeyRegistrar || !set) return undefined;
      return {
        ...at,
        kind: "curve",
        avs: getAddress(set.avs),
        operatorSetId: set.id,
        curve: CURVE_TYPES[args.curveType as number] ?? "none",
      };
    case "KeyRegistered":
    case "KeyDeregistered":
      if (!fromKeyRegistrar || !set) return undefined;
      return {
        ...at,
        kind: "key",
        avs: getAddress(set.avs),
        operatorSetId: set.id,
        operator: getAddress(args.operator as Address),
        key: log.eventName === "KeyDeregistered"
          ? null
          : keyFromBytes(args.curveType as number, args.pubkey as Hex),
      };
    default:
      return undefined;
  }
}

/**
 * KeyRegistrar's key bytes as a key: ECDSA 20 bytes (the address), BN254 192 bytes
 * (`abi.encode(G1, G2)`); null for anything else, which KeyRegistrar never registers.
 */
export function keyFromBytes(curveType: number, pubkey: Hex): OperatorKey | null {
  const bytes = (pubkey.length - 2) / 2;
  if (CURVE_TYPES[curveType] === "ecdsa" && bytes === 20) {
    return { curve: "ecdsa", address: getAddress(pubkey) };
  }
  if (CURVE_TYPES[curveType] === "bn254" && bytes === 192) {
    return { curve: "bn254", g1: sliceHex(pubkey, 0, 64), g2: sliceHex(pubkey, 64, 192) };
  }
  return null;
}

function words(values: readonly bigint[]): Hex {
  return `0x${values.map((v) => v.toString(16).padStart(64, "0")).join("")}`;
}

function isRevert(err: unknown): boolean {
  return err instanceof BaseError &&
    err.walk((e) =>
        e instanceof ContractFunctionRevertedError || e instanceof ContractFunctionZeroDataError
      ) !== null;
}

async function rpc<T>(what: string, request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (err) {
    if (isRevert(err)) {
      throw new ChainReadError(
        "ContractReverted",
        `Reading ${what} reverted: is the configured contract address EigenLayer's? ` +
          `(${shortReason(err)})`,
        { cause: err },
      );
    }
    throw unavailable(what, err);
  }
}

function unavailable(what: string, err: unknown): ChainReadError {
  if (err instanceof ChainReadError) return err;
  return new ChainReadError(
    "Unavailable",
    `Cannot read ${what} through l1Chain.rpcUrl: ${shortReason(err)}`,
    { cause: err },
  );
}
