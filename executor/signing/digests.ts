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

/** The TaskSubmission fields the aggregator signs (names as in the proto, camelCase). */
export interface TaskSubmissionFields {
  /** `0x` + 64 hex digits. */
  taskId: string;
  /** AVS address. */
  avsAddress: string;
  /** Executor (operator) address the task is meant for. */
  executorAddress: string;
  /** uint32 operator set id. */
  operatorSetId: UintInput;
  /** uint32 reference timestamp. */
  referenceTimestamp: UintInput;
  /** uint64 task block number. */
  taskBlockNumber: UintInput;
  /** Task payload. */
  payload: Uint8Array;
}

/**
 * Digest the aggregator signs on `TaskSubmission.signature`: keccak256 of the 224 bytes
 * taskId ‖ pad32(avs) ‖ pad32(executor) ‖ pad32(operatorSetId) ‖ pad32(referenceTimestamp) ‖
 * pad32(taskBlockNumber) ‖ keccak256(payload).
 */
export function taskSubmissionDigest(task: TaskSubmissionFields): Uint8Array {
  return keccak256(concatBytes(
    taskIdWord(task.taskId, "taskId"),
    addressWord(task.avsAddress, "avsAddress"),
    addressWord(task.executorAddress, "executorAddress"),
    uintWord(task.operatorSetId, "operatorSetId", UINT32_MAX),
    uintWord(task.referenceTimestamp, "referenceTimestamp", UINT32_MAX),
    uintWord(task.taskBlockNumber, "taskBlockNumber", UINT64_MAX),
    bytesHash(task.payload, "payload"),
  ));
}

/** The fields bound by `TaskResult.auth_signature`. */
export interface AuthFields {
  /** `0x` + 64 hex digits. */
  taskId: string;
  /** AVS address. */
  avsAddress: string;
  /** Operator address (the executor's). */
  operatorAddress: string;
  /** uint32 operator set id. */
  operatorSetId: UintInput;
  /** The result signature this authenticates. */
  resultSignature: Uint8Array;
}

/**
 * Digest the executor signs on `TaskResult.auth_signature`: keccak256 of the 160 bytes
 * taskId ‖ pad32(avs) ‖ pad32(operator) ‖ pad32(operatorSetId) ‖ keccak256(resultSignature).
 */
export function authDigest(fields: AuthFields): Uint8Array {
  return keccak256(concatBytes(
    taskIdWord(fields.taskId, "taskId"),
    addressWord(fields.avsAddress, "avsAddress"),
    addressWord(fields.operatorAddress, "operatorAddress"),
    uintWord(fields.operatorSetId, "operatorSetId", UINT32_MAX),
    bytesHash(fields.resultSignature, "resultSignature"),
  ));
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
