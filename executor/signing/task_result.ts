/**
 * The two signatures on a TaskResult, as the Go executor makes them and the Go aggregator checks
 * them (ponos `signResult`, `aggregation/{ecdsa,bn254}.go`):
 *
 * - `result_signature` over the EigenLayer certificate digest of the result (`certificate.ts`):
 *   ECDSA over `calculateCertificateDigest` (bound to the ECDSA certificate verifier), BN254 with
 *   the Solidity-compatible hash-to-G1 over `BN254CertificateVerifier.calculateCertificateDigest`
 *   — the signatures the certificate verifiers and the TaskMailbox accept;
 * - `auth_signature` over keccak256(taskId ‖ avs ‖ operator ‖ operatorSetId ‖
 *   keccak256(result_signature)) (`digests.ts` `authDigest`): ECDSA, or BN254 with the standard
 *   (RFC 9380) hash-to-G1, as crypto-libs' `Sign` does.
 * @module
 */

import { Bn254Key } from "./bn254.ts";
import { authDigest, type UintInput } from "./digests.ts";
import {
  bn254CertificateDigest,
  type CertificateVerifierRef,
  ecdsaCertificateDigest,
  taskMessageHash,
} from "./certificate.ts";
import type { EcdsaKey } from "./ecdsa.ts";
import type { SignatureScheme, SigningKeys } from "./keys.ts";

/** What a task result's signatures cover. */
export interface TaskResultFields {
  taskId: string;
  avsAddress: string;
  /** The executor's operator address. */
  operatorAddress: string;
  operatorSetId: UintInput;
  /** `TaskSubmission.reference_timestamp`. */
  referenceTimestamp: UintInput;
  output: Uint8Array;
}

/** How results are signed for one AVS. */
export interface ResultSigning {
  /** The operator set's curve. */
  scheme: SignatureScheme;
  /** The ECDSA certificate verifier (address, version); required when `scheme` is ecdsa. */
  ecdsaVerifier?: CertificateVerifierRef;
}

/** The digest `result_signature` signs, for `scheme` (what a verifier recomputes). */
export function resultSignatureDigest(
  signing: ResultSigning,
  fields: Pick<TaskResultFields, "taskId" | "output" | "referenceTimestamp">,
): Uint8Array {
  const messageHash = taskMessageHash(fields.taskId, fields.output);
  if (signing.scheme === "bn254") {
    return bn254CertificateDigest(fields.referenceTimestamp, messageHash);
  }
  if (signing.ecdsaVerifier === undefined) {
    throw new Error(
      "Cannot sign an ECDSA result: the ECDSA certificate verifier is not known " +
        "(set l1Chain.chainId of a known deployment or overrideContracts.ecdsaCertificateVerifier)",
    );
  }
  return ecdsaCertificateDigest(fields.referenceTimestamp, messageHash, signing.ecdsaVerifier);
}

/** Signs a task result: `{ resultSignature, authSignature }` with the operator's key. */
export function signTaskResult(
  keys: SigningKeys,
  signing: ResultSigning,
  fields: TaskResultFields,
): { resultSignature: Uint8Array; authSignature: Uint8Array } {
  const key = keyFor(keys, signing.scheme);
  const resultDigest = resultSignatureDigest(signing, fields);
  const resultSignature = key.sign(resultDigest);
  const auth = authDigest({
    taskId: fields.taskId,
    avsAddress: fields.avsAddress,
    operatorAddress: fields.operatorAddress,
    operatorSetId: fields.operatorSetId,
    resultSignature,
  });
  const authSignature = key instanceof Bn254Key ? key.signStandard(auth) : key.sign(auth);
  return { resultSignature, authSignature };
}

function keyFor(keys: SigningKeys, scheme: SignatureScheme): EcdsaKey | Bn254Key {
  const key = scheme === "ecdsa" ? keys.ecdsa : keys.bn254;
  if (key === undefined) {
    const path = scheme === "ecdsa" ? "ecdsa" : "bls";
    throw new Error(`Cannot sign with ${scheme}: operator.signingKeys.${path} is not configured`);
  }
  return key;
}
