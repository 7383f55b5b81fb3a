/**
 * Chain mode's answer to "is this task trusted, and how is its result signed": the checks Ponos
 * makes per task (`validateTaskSignature`, `validateOperatorInSet`, `signResult`'s curve), read
 * at `task_block_number` through an {@linkcode OperatorSetReader}, with a gRPC code and a message
 * naming AVS, operator set, operator and block for each way it can fail:
 *
 * | failure                                                       | status              |
 * | ------------------------------------------------------------- | ------------------- |
 * | `task_block_number` not a uint64                              | INVALID_ARGUMENT    |
 * | aggregator without a key in the aggregator set, wrong signer  | PERMISSION_DENIED   |
 * | AVS without a task registrar, a set without a curve           | FAILED_PRECONDITION |
 * | this operator without a key in the task's set, or another key | FAILED_PRECONDITION |
 * | no local key (or verifier) for the set's curve                | FAILED_PRECONDITION |
 * | the L1 unreachable, or behind the task's block                | UNAVAILABLE         |
 *
 * The aggregator is checked first, so an unauthenticated caller learns nothing about the
 * operator's sets. Beyond Ponos, the key registered for this operator must be the one the
 * executor signs with: a result signed with another key would be refused by the aggregator
 * after the performer ran.
 * @module
 */

import { type Address, getAddress } from "viem";
import { Bn254PublicKey, verifyBn254Standard } from "../signing/bn254.ts";
import type { CertificateVerifierRef } from "../signing/certificate.ts";
import { taskSubmissionDigest } from "../signing/digests.ts";
import { ECDSA_SIGNATURE_LENGTH, recoverAddress } from "../signing/ecdsa.ts";
import { SignatureError } from "../signing/errors.ts";
import type { SignatureScheme, SigningKeys } from "../signing/keys.ts";
import { TaskError } from "../task/errors.ts";
import type { AuthorizeTask } from "../task/pipeline.ts";
import type { TaskSubmissionMessage } from "../task/validate.ts";
import {
  type AggregatorKey,
  ChainReadError,
  type OperatorKey,
  type OperatorSetReader,
} from "./operator_set_reader.ts";

/** What {@linkcode chainTrust} checks against. */
export interface ChainTrustOptions {
  reader: OperatorSetReader;
  /** `operator.address`: the operator this executor signs for. */
  operatorAddress: string;
  keys: SigningKeys;
  /** Needed to sign for an ECDSA set. */
  ecdsaVerifier?: CertificateVerifierRef;
}

const MAX_BLOCK = (1n << 64n) - 1n;

/** The chain-mode AuthorizeTask. */
export function chainTrust(options: ChainTrustOptions): AuthorizeTask {
  const operator = getAddress(options.operatorAddress);
  return async (task) => {
    const block = taskBlock(task.taskBlockNumber);
    const avs = getAddress(task.avsAddress);
    const at = block === 0n ? "the newest block" : `block ${block}`;
    try {
      const aggregator = await options.reader.aggregatorKey(
        avs,
        getAddress(task.aggregatorAddress),
        block,
      );
      verifyAggregator(task, aggregator, { avs, at });
      const set = task.operatorSetId;
      const curve = await options.reader.curveType(avs, set, block);
      if (curve === "none") {
        throw new TaskError(
          "FailedPrecondition",
          `AVS ${avs} operator set ${set} has no curve type in KeyRegistrar at ${at} ` +
            `(unsupported curve): cannot sign its results`,
        );
      }
      const key = await options.reader.operatorKey(avs, set, operator, block);
      checkOwnKey(options, key, { avs, set, operator, at, curve });
      return { scheme: curve };
    } catch (err) {
      throw asTaskError(err, { taskId: task.taskId, avs, at });
    }
  };
}

function taskBlock(text: string): bigint {
  if (!/^\d{1,20}$/.test(text ?? "") || BigInt(text) > MAX_BLOCK) {
    throw new TaskError("InvalidArgument", "task_block_number: must be a uint64");
  }
  return BigInt(text);
}

interface Where {
  avs: Address;
  at: string;
}

/** Ponos' `validateTaskSignature`: by the aggregator set's curve, against the registered key. */
function verifyAggregator(task: TaskSubmissionMessage, found: AggregatorKey, where: Where): void {
  const aggregator = getAddress(task.aggregatorAddress);
  const set = `AVS ${where.avs} operator set ${found.operatorSetId} (its aggregator set)`;
  if (found.curve === "none") {
    throw new TaskError(
      "FailedPrecondition",
      `${set} has no curve type in KeyRegistrar at ${where.at}: no aggregator can be verified`,
    );
  }
  if (found.key === null) {
    throw new TaskError(
      "PermissionDenied",
      `Aggregator ${aggregator} has no key in KeyRegistrar for ${set} at ${where.at}`,
    );
  }
  const digest = taskSubmissionDigest({ ...task });
  const signature = task.signature;
  const length = signature instanceof Uint8Array ? signature.length : 0;
  let verified: boolean;
  if (found.key.curve === "ecdsa") {
    if (length !== ECDSA_SIGNATURE_LENGTH) {
      throw new TaskError(
        "PermissionDenied",
        `Task signature must be ${ECDSA_SIGNATURE_LENGTH} bytes (ECDSA) for ${set}, got ${length}`,
      );
    }
    const signer = signerOf(digest, signature);
    verified = signer === found.key.address;
    if (!verified) {
      throw new TaskError(
        "PermissionDenied",
        `Task signature is from ${signer ?? "no valid signer"}, not from ${found.key.address}, ` +
          `the ECDSA key of aggregator ${aggregator} in ${set} at ${where.at}`,
      );
    }
    return;
  }
  try {
    verified = verifyBn254Standard(digest, signature, publicKey(found.key.g2));
  } catch (cause) {
    if (!(cause instanceof SignatureError || cause instanceof RangeError)) throw cause;
    verified = false;
  }
  if (!verified) {
    throw new TaskError(
      "PermissionDenied",
      `Task signature does not verify against the BN254 key of aggregator ${aggregator} in ` +
        `${set} at ${where.at}`,
    );
  }
}

function signerOf(digest: Uint8Array, signature: Uint8Array): string | undefined {
  try {
    return getAddress(recoverAddress(digest, signature));
  } catch {
    return undefined;
  }
}

// Parsed G2 keys: parsing checks subgroup membership and each key keeps its pairing
// precomputation, so a registered aggregator key costs that once, not per task.
const MAX_PARSED_KEYS = 256;
const parsedKeys = new Map<string, Bn254PublicKey>();

function publicKey(g2: string): Bn254PublicKey {
  let key = parsedKeys.get(g2);
  if (key === undefined) {
    key = Bn254PublicKey.fromHex(g2, "the aggregator's BN254 key in KeyRegistrar");
    if (parsedKeys.size >= MAX_PARSED_KEYS) parsedKeys.delete(parsedKeys.keys().next().value!);
    parsedKeys.set(g2, key);
  }
  return key;
}

/** Ponos' `validateOperatorInSet`, and that the registered key is the one we sign with. */
function checkOwnKey(
  options: ChainTrustOptions,
  key: OperatorKey | null,
  where: Where & { set: number; operator: Address; curve: SignatureScheme },
): void {
  const set = `AVS ${where.avs} operator set ${where.set}`;
  if (key === null) {
    throw new TaskError(
      "FailedPrecondition",
      `Operator ${where.operator} (this executor) has no key in KeyRegistrar for ${set} at ` +
        `${where.at}: it is not in that operator set`,
    );
  }
  const path = where.curve === "ecdsa" ? "ecdsa" : "bls";
  const local = where.curve === "ecdsa"
    ? options.keys.ecdsa?.address
    : options.keys.bn254?.publicKey.toHex();
  if (local === undefined) {
    throw new TaskError(
      "FailedPrecondition",
      `${set} signs with ${where.curve.toUpperCase()} at ${where.at}, but ` +
        `operator.signingKeys.${path} is not configured`,
    );
  }
  const registered = key.curve === "ecdsa" ? key.address : key.g2;
  if (registered.toLowerCase() !== local.toLowerCase()) {
    throw new TaskError(
      "FailedPrecondition",
      `Operator ${where.operator} is registered in ${set} with ${key.curve.toUpperCase()} key ` +
        `${short(registered)} at ${where.at}, but this executor signs with ${short(local)} ` +
        `(operator.signingKeys.${path})`,
    );
  }
  if (where.curve === "ecdsa" && options.ecdsaVerifier === undefined) {
    throw new TaskError(
      "FailedPrecondition",
      `${set} signs with ECDSA, but the ECDSA certificate verifier is not known (set ` +
        `overrideContracts.ecdsaCertificateVerifier)`,
    );
  }
}

function short(hex: string): string {
  return hex.length > 42 ? `${hex.slice(0, 18)}…` : hex;
}

function asTaskError(err: unknown, task: { taskId: string; avs: Address; at: string }): unknown {
  if (!(err instanceof ChainReadError)) return err;
  const code = err.reason === "Unavailable" || err.reason === "BlockAhead"
    ? "Unavailable"
    : "FailedPrecondition";
  return new TaskError(
    code,
    `Cannot verify task ${task.taskId} of AVS ${task.avs} at ${task.at} on the L1: ${err.message}`,
    { cause: err },
  );
}
