/**
 * What chain mode needs to know of EigenLayer to trust a task, as one interface: the three reads
 * Ponos makes per task (`dev/chain/ponos_reads.ts`), each at a block. Implementations: the
 * event-following cache (`cached_reader.ts`, what the executor runs) and the direct reads of
 * `chain_source.ts` it falls back to.
 *
 * A block of `0n` means "the newest block the reader knows", as Ponos treats a task block of 0.
 * @module
 */

import type { Address, Hex } from "viem";
import { ReasonError } from "../../shared/errors/reason_error.ts";

/** KeyRegistrar's curve type of an operator set ("none": not configured). */
export type CurveType = "none" | "ecdsa" | "bn254";

/** KeyRegistrar's `CurveType` enum, by value. */
export const CURVE_TYPES: readonly CurveType[] = ["none", "ecdsa", "bn254"];

/** The key KeyRegistrar holds for an operator in one operator set. */
export type OperatorKey =
  | { curve: "ecdsa"; /** The signing address (not the operator's). */ address: Address }
  | {
    curve: "bn254";
    /** x ‖ y, 64 bytes. */
    g1: Hex;
    /** x.c1 ‖ x.c0 ‖ y.c1 ‖ y.c0, 128 bytes (Solidity's G2Point order). */
    g2: Hex;
  };

/** The AVS's aggregator operator set and the aggregator's key there. */
export interface AggregatorKey {
  /** The registrar the AVS config came from (`AllocationManager.getAVSRegistrar`). */
  registrar: Address;
  /** `registrar.getAvsConfig().aggregatorOperatorSetId`. */
  operatorSetId: number;
  curve: CurveType;
  /** Null: the aggregator has no key in that set. */
  key: OperatorKey | null;
}

/** Reads EigenLayer's view of an AVS's operator sets at a block. */
export interface OperatorSetReader {
  /**
   * The aggregator operator set of `avs` (from its registrar's `getAvsConfig`) and the key of
   * `aggregator` there. Throws ChainReadError "NoTaskRegistrar" when the AVS's registrar has no
   * `getAvsConfig`.
   */
  aggregatorKey(avs: Address, aggregator: Address, block: bigint): Promise<AggregatorKey>;
  /** The key of `operator` in `(avs, operatorSetId)`, null when it has none. */
  operatorKey(
    avs: Address,
    operatorSetId: number,
    operator: Address,
    block: bigint,
  ): Promise<OperatorKey | null>;
  /** KeyRegistrar's curve type of `(avs, operatorSetId)`. */
  curveType(avs: Address, operatorSetId: number, block: bigint): Promise<CurveType>;
}

/** Why a read failed. */
export type ChainReadErrorReason =
  /** The RPC endpoint did not answer, answered with an error, or timed out. */
  | "Unavailable"
  /** The task's block is beyond the newest block the RPC endpoint has. */
  | "BlockAhead"
  /** The AVS's registrar (the AVS itself when none is set) has no `getAvsConfig()`. */
  | "NoTaskRegistrar"
  /** A read of EigenLayer's contracts reverted: the configured addresses are not theirs. */
  | "ContractReverted";

/** A read of the chain failed. Messages never carry the RPC URL. */
export class ChainReadError extends ReasonError<ChainReadErrorReason> {}

/** The first line of an error's short message, without the request (and so the URL). */
export function shortReason(cause: unknown): string {
  if (cause instanceof ChainReadError) return cause.message;
  const err = cause as { shortMessage?: string; message?: string } | undefined;
  return String(err?.shortMessage ?? err?.message ?? cause).split("\n")[0].slice(0, 200);
}
