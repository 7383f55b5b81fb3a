/**
 * The off-chain digests Hourglass signs, message format version 1 (spec: protocols.md, "Message
 * formats used for signatures"): the aggregator's task submission and the executor's auth
 * signature. The result signature is over EigenLayer's certificate digests (`certificate.ts`).
 *
 * Encoding rules: every field is one 32-byte big-endian word, as Solidity's `abi.encode` would lay
 * it out. A task id is `bytes32` (from its `0x` + 64 hex string); addresses (20 bytes) and
 * integers are left-padded with zeros; byte strings enter as their keccak256.
 *
 * Inputs are validated: a malformed value throws a RangeError that names the field (addresses
 * may be in any letter case — the checksum is not required).
 * @module
 */

import { bigIntToBytes, concatBytes, hexToBytes, pad32 } from "./_bytes.ts";
import { keccak256 } from "./keccak.ts";

/** The message-format version these digests implement (TaskSubmission/TaskResult `version`). */
export const MESSAGE_FORMAT_VERSION = 1;

const UINT32_MAX = 0xffff_ffffn;
const UINT64_MAX = 0xffff_ffff_ffff_ffffn;

/** An unsigned integer as protobuf loaders hand it over (a uint64 may come as a decimal string). */
export type UintInput = number | bigint | string;

/** How a field enters a digest as one 32-byte word, and the input it takes. */
interface WordInputs {
  /** A task id, `0x` + 64 hex digits, as itself. */
  bytes32: string;
  /** A `0x` address, left-padded. */
  address: string;
  /** An unsigned 32-bit integer, big-endian. */
  uint32: UintInput;
  /** An unsigned 64-bit integer, big-endian. */
  uint64: UintInput;
  /** Bytes of any length, as their keccak256. */
  keccak256: Uint8Array;
}

/** A signed message's words in signing order: each field's name and how it is encoded. */
type WordLayout = readonly (readonly [name: string, kind: keyof WordInputs])[];

/** The fields a layout reads, each with the input its word kind takes. */
type FieldsOf<L extends WordLayout> = { [E in L[number] as E[0]]: WordInputs[E[1]] };

const WORD: { [K in keyof WordInputs]: (value: WordInputs[K], field: string) => Uint8Array } = {
  bytes32: taskIdWord,
  address: addressWord,
  uint32: (value, field) => uintWord(value, field, UINT32_MAX),
  uint64: (value, field) => uintWord(value, field, UINT64_MAX),
  keccak256: bytesHash,
};

/** keccak256 of `fields` laid out as `layout`'s words; RangeError naming a malformed field. */
function layoutDigest<L extends WordLayout>(layout: L, fields: FieldsOf<L>): Uint8Array {
  const values = fields as Record<string, unknown>;
  return keccak256(concatBytes(
    ...layout.map(([name, kind]) =>
      (WORD[kind] as (value: unknown, field: string) => Uint8Array)(values[name], name)
    ),
  ));
}

/** The TaskSubmission fields the aggregator signs, in order (names as in the proto, camelCase). */
const TASK_SUBMISSION_WORDS = [
  ["taskId", "bytes32"],
  ["avsAddress", "address"],
  /** The executor (operator) the task is meant for. */
  ["executorAddress", "address"],
  ["operatorSetId", "uint32"],
  ["referenceTimestamp", "uint32"],
  ["taskBlockNumber", "uint64"],
  ["payload", "keccak256"],
] as const;

/** The TaskSubmission fields the aggregator signs. */
export type TaskSubmissionFields = FieldsOf<typeof TASK_SUBMISSION_WORDS>;

/**
 * Digest the aggregator signs on `TaskSubmission.signature`: keccak256 of the 224 bytes
 * taskId ‖ pad32(avs) ‖ pad32(executor) ‖ pad32(operatorSetId) ‖ pad32(referenceTimestamp) ‖
 * pad32(taskBlockNumber) ‖ keccak256(payload).
 */
export function taskSubmissionDigest(task: TaskSubmissionFields): Uint8Array {
  return layoutDigest(TASK_SUBMISSION_WORDS, task);
}

/** The fields bound by `TaskResult.auth_signature`, in order. */
const AUTH_WORDS = [
  ["taskId", "bytes32"],
  ["avsAddress", "address"],
  /** The executor's operator address. */
  ["operatorAddress", "address"],
  ["operatorSetId", "uint32"],
  /** The result signature this authenticates. */
  ["resultSignature", "keccak256"],
] as const;

/** The fields bound by `TaskResult.auth_signature`. */
export type AuthFields = FieldsOf<typeof AUTH_WORDS>;

/**
 * Digest the executor signs on `TaskResult.auth_signature`: keccak256 of the 160 bytes
 * taskId ‖ pad32(avs) ‖ pad32(operator) ‖ pad32(operatorSetId) ‖ keccak256(resultSignature).
 */
export function authDigest(fields: AuthFields): Uint8Array {
  return layoutDigest(AUTH_WORDS, fields);
}

/** A task id string (`0x` + 64 hex) as its bytes32 word; RangeError naming `field`. */
export function taskIdWord(taskId: string, field = "taskId"): Uint8Array {
  return hexToBytes(taskId, field, { length: 32, prefix: true });
}

/** A 0x address left-padded to a 32-byte word; RangeError naming `field`. */
export function addressWord(address: string, field = "address"): Uint8Array {
  return pad32(hexToBytes(address, field, { length: 20, prefix: true }));
}

/** An unsigned integer (≤ `max`) as a 32-byte big-endian word; RangeError naming `field`. */
export function uintWord(value: UintInput, field: string, max: bigint): Uint8Array {
  let n: bigint;
  if (typeof value === "bigint") n = value;
  else if (typeof value === "number" && Number.isSafeInteger(value)) n = BigInt(value);
  else if (typeof value === "string" && /^[0-9]{1,20}$/.test(value)) n = BigInt(value);
  else throw new RangeError(`${field} must be an unsigned integer`);
  if (n < 0n || n > max) throw new RangeError(`${field} must be between 0 and ${max}`);
  return bigIntToBytes(n, 32);
}

function bytesHash(bytes: Uint8Array, field: string): Uint8Array {
  if (!(bytes instanceof Uint8Array)) throw new RangeError(`${field} must be bytes`);
  return keccak256(bytes);
}
