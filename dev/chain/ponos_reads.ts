/**
 * What the Go executor (Ponos) reads from EigenLayer to trust a task, call for call, as an oracle
 * for tests of our executor. From `ponos/pkg/executor/handlers.go` and
 * `ponos/pkg/contractCaller/caller/caller.go` (hourglass-monorepo); every read is an `eth_call`
 * at `task_block_number` (`bind.CallOpts{BlockNumber}`; a block number of 0 means latest).
 *
 * For each `SubmitTask`, in this order (`handleReceivedTask`):
 *
 * 1. `validateOperatorInSet` — `GetOperatorSetDetailsForOperator(config.operator.address,
 *    task.avsAddress, task.operatorSetId, block)`, i.e. {@linkcode readOperatorSetDetails}:
 *    1. `AllocationManager.getAVSRegistrar(avs)` → registrar (the AVS itself when none is set);
 *    2. `registrar.getOperatorSocket(operator)` (TaskAVSRegistrarBase; a revert fails the task);
 *    3. `KeyRegistrar.getOperatorSetCurveType((avs, operatorSetId))` → 0 NONE, 1 ECDSA, 2 BN254;
 *    4. BN254: `KeyRegistrar.getBN254Key((avs, id), operator)` → (G1, G2), a zero G1 is
 *       `ErrOperatorKeyNotRegistered`; ECDSA: `KeyRegistrar.getECDSAAddress((avs, id), operator)`,
 *       the zero address is `ErrOperatorKeyNotRegistered`; NONE: "unsupported curve type".
 *    "Membership" is therefore *a key in KeyRegistrar for that set*: Ponos never asks
 *    AllocationManager `isMemberOfOperatorSet`/`getMembers`. An operator that left the set in
 *    AllocationManager but still has its key passes until `KeyRegistrar.deregisterKey`.
 * 2. `validateTaskSignature` — `GetAVSConfig(avs, block)` ({@linkcode readAvsConfig}):
 *    `AllocationManager.getAVSRegistrar(avs)`, then `registrar.getAvsConfig()` →
 *    (aggregatorOperatorSetId, executorOperatorSetIds); then
 *    `GetOperatorSetDetailsForOperator(task.aggregatorAddress, avs, aggregatorOperatorSetId,
 *    block)` (the four calls above). The aggregator's signature over keccak256 of the task
 *    submission message is checked against that key: BN254 with the standard hash-to-G1 against
 *    the G2 key, ECDSA by recovering the KeyRegistrar ECDSA address (not the operator address).
 * 3. after the performer ran, `signResult` — `GetOperatorSetCurveType(avs, operatorSetId,
 *    block)`: `KeyRegistrar.getOperatorSetCurveType((avs, id))` ({@linkcode readCurveType});
 *    then at the latest block (no block number) `TaskMailbox.getMessageHash(taskHash, result)`
 *    and `ECDSACertificateVerifier.calculateCertificateDigestBytes(referenceTimestamp, hash)` or
 *    `BN254CertificateVerifier.calculateCertificateDigest(referenceTimestamp, hash)`.
 *
 * So 11 reads at the task's block (4 + 2 + 4 + 1) and 2 at latest per task; executor set ids
 * from `getAvsConfig` are not checked against the task's set. None of these values has on-chain
 * history (no checkpoints): reading them "at a block" needs an archive node for old blocks, or a
 * cache built from events — `AVSRegistrarSet` (AllocationManager), `AvsConfigSet`,
 * `OperatorSocketSet` (registrar), `OperatorSetConfigured`, `KeyRegistered` (with the key
 * bytes), `KeyDeregistered` (KeyRegistrar).
 * @module
 */

import { type Address, type Hex, parseAbi, type PublicClient, zeroAddress } from "viem";
import { ReasonError } from "../../shared/errors/reason_error.ts";

/** The functions Ponos calls, as its bindings declare them. */
export const PONOS_READ_ABI = parseAbi([
  "function getAVSRegistrar(address avs) view returns (address)",
  "struct AvsConfig { uint32 aggregatorOperatorSetId; uint32[] executorOperatorSetIds; }",
  "function getAvsConfig() view returns (AvsConfig)",
  "function getOperatorSocket(address operator) view returns (string)",
  "struct OperatorSet { address avs; uint32 id; }",
  "function getOperatorSetCurveType(OperatorSet operatorSet) view returns (uint8)",
  "struct G1Point { uint256 X; uint256 Y; }",
  "struct G2Point { uint256[2] X; uint256[2] Y; }",
  "function getBN254Key(OperatorSet operatorSet, address operator) view returns (G1Point g1Point, G2Point g2Point)",
  "function getECDSAAddress(OperatorSet operatorSet, address operator) view returns (address)",
]);

/** Where Ponos reads from. */
export interface PonosReader {
  client: PublicClient;
  allocationManager: Address;
  keyRegistrar: Address;
}

/** An AVS and the block to read at (0 or absent: latest, as Ponos treats 0). */
export interface AvsQuery {
  avs: Address;
  blockNumber?: bigint;
}

/** Ponos' `contractCaller.AVSConfig`. */
export interface AvsConfig {
  aggregatorOperatorSetId: number;
  executorOperatorSetIds: number[];
}

/** Ponos' `config.CurveType` from KeyRegistrar's enum. */
export type CurveType = "unknown" | "ecdsa" | "bn254";

/** Ponos' `peering.OperatorSet`: what it knows of an operator in one set. */
export interface OperatorSetDetails {
  operatorSetId: number;
  /** The registrar's socket for the operator (one per operator, whatever the set). */
  socket: string;
  curve: "ecdsa" | "bn254";
  /** ECDSA: the signing address KeyRegistrar holds. */
  ecdsaAddress?: Address;
  /** BN254: G1 ‖ G2 (64 + 128 bytes, Solidity order). */
  bn254PublicKey?: { g1: Hex; g2: Hex };
}

/** Ponos' `ErrOperatorKeyNotRegistered`, or an operator set without a curve type. */
export class OperatorKeyNotRegisteredError
  extends ReasonError<"KeyNotRegistered" | "CurveTypeUnknown"> {}

const CURVES: Record<number, CurveType> = { 0: "unknown", 1: "ecdsa", 2: "bn254" };

function at(blockNumber: bigint | undefined): { blockNumber?: bigint } {
  return blockNumber ? { blockNumber } : {};
}

/** `GetAVSConfig`: the registrar of the AVS, then its `getAvsConfig()`. */
export async function readAvsConfig(reader: PonosReader, query: AvsQuery): Promise<AvsConfig> {
  const registrar = await readRegistrar(reader, query);
  const config = await reader.client.readContract({
    address: registrar,
    abi: PONOS_READ_ABI,
    functionName: "getAvsConfig",
    ...at(query.blockNumber),
  });
  return {
    aggregatorOperatorSetId: config.aggregatorOperatorSetId,
    executorOperatorSetIds: [...config.executorOperatorSetIds],
  };
}

/** `AllocationManager.getAVSRegistrar(avs)`. */
export function readRegistrar(reader: PonosReader, query: AvsQuery): Promise<Address> {
  return reader.client.readContract({
    address: reader.allocationManager,
    abi: PONOS_READ_ABI,
    functionName: "getAVSRegistrar",
    args: [query.avs],
    ...at(query.blockNumber),
  });
}

/** `GetOperatorSetCurveType`: KeyRegistrar's curve type of `(avs, operatorSetId)`. */
export async function readCurveType(
  reader: PonosReader,
  query: AvsQuery & { operatorSetId: number },
): Promise<CurveType> {
  const value = await reader.client.readContract({
    address: reader.keyRegistrar,
    abi: PONOS_READ_ABI,
    functionName: "getOperatorSetCurveType",
    args: [{ avs: query.avs, id: query.operatorSetId }],
    ...at(query.blockNumber),
  });
  const curve = CURVES[value];
  if (!curve) throw new Error(`Unsupported curve type enum value: ${value}`);
  return curve;
}

/**
 * `GetOperatorSetDetailsForOperator`: registrar, socket, curve type and key of `operator` in
 * `(avs, operatorSetId)`, in Ponos' order; OperatorKeyNotRegisteredError where Ponos fails.
 */
export async function readOperatorSetDetails(
  reader: PonosReader,
  query: AvsQuery & { operator: Address; operatorSetId: number },
): Promise<OperatorSetDetails> {
  const block = at(query.blockNumber);
  const registrar = await readRegistrar(reader, query);
  const socket = await reader.client.readContract({
    address: registrar,
    abi: PONOS_READ_ABI,
    functionName: "getOperatorSocket",
    args: [query.operator],
    ...block,
  });
  const curve = await readCurveType(reader, query);
  const operatorSet = { avs: query.avs, id: query.operatorSetId };
  const where =
    `operator ${query.operator} in AVS ${query.avs} operator set ${query.operatorSetId}`;
  if (curve === "unknown") {
    throw new OperatorKeyNotRegisteredError("CurveTypeUnknown", `No curve type for ${where}`);
  }
  const details = { operatorSetId: query.operatorSetId, socket, curve };
  if (curve === "ecdsa") {
    const ecdsaAddress = await reader.client.readContract({
      address: reader.keyRegistrar,
      abi: PONOS_READ_ABI,
      functionName: "getECDSAAddress",
      args: [operatorSet, query.operator],
      ...block,
    });
    if (ecdsaAddress === zeroAddress) {
      throw new OperatorKeyNotRegisteredError("KeyNotRegistered", `No ECDSA key for ${where}`);
    }
    return { ...details, ecdsaAddress };
  }
  const [g1, g2] = await reader.client.readContract({
    address: reader.keyRegistrar,
    abi: PONOS_READ_ABI,
    functionName: "getBN254Key",
    args: [operatorSet, query.operator],
    ...block,
  });
  if (g1.X === 0n && g1.Y === 0n) {
    throw new OperatorKeyNotRegisteredError("KeyNotRegistered", `No BN254 key for ${where}`);
  }
  return { ...details, bn254PublicKey: { g1: words([g1.X, g1.Y]), g2: words([...g2.X, ...g2.Y]) } };
}

function words(values: readonly bigint[]): Hex {
  return `0x${values.map((v) => v.toString(16).padStart(64, "0")).join("")}`;
}
