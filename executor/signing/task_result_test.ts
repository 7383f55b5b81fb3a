import assert from "node:assert/strict";
import { Bn254Key, verifyBn254, verifyBn254Standard } from "./bn254.ts";
import { EcdsaKey, recoverAddress } from "./ecdsa.ts";
import { bn254CertificateDigest, ecdsaCertificateDigest, taskMessageHash } from "./certificate.ts";
import { authDigest } from "./digests.ts";
import { signTaskResult } from "./task_result.ts";

const ecdsa = EcdsaKey.fromHex("0x" + "11".repeat(32));
const bn254 = Bn254Key.fromScalar(42n);
const VERIFIER = { address: "0x" + "ab".repeat(20), version: "1" };
const FIELDS = {
  taskId: "0x" + "01".repeat(32),
  avsAddress: "0x" + "cd".repeat(20),
  operatorAddress: ecdsa.address,
  operatorSetId: 3,
  referenceTimestamp: 1_700_000_000,
  output: new Uint8Array([0xff, 0x00, 0x80]),
};

Deno.test("ECDSA results sign the ECDSA certificate digest; auth binds the result signature", () => {
  const { resultSignature, authSignature } = signTaskResult(
    { ecdsa },
    { scheme: "ecdsa", ecdsaVerifier: VERIFIER },
    FIELDS,
  );
  const messageHash = taskMessageHash(FIELDS.taskId, FIELDS.output);
  const digest = ecdsaCertificateDigest(FIELDS.referenceTimestamp, messageHash, VERIFIER);
  assert.equal(recoverAddress(digest, resultSignature), ecdsa.address);
  const auth = authDigest({ ...FIELDS, resultSignature });
  assert.equal(recoverAddress(auth, authSignature), ecdsa.address);
  // Another reference timestamp is another certificate: the signature does not carry over.
  const other = ecdsaCertificateDigest(FIELDS.referenceTimestamp + 1, messageHash, VERIFIER);
  assert.notEqual(recoverAddress(other, resultSignature), ecdsa.address);
});

Deno.test("BN254 results: Solidity-compatible over the certificate digest, standard auth", () => {
  const { resultSignature, authSignature } = signTaskResult({ bn254 }, { scheme: "bn254" }, FIELDS);
  const digest = bn254CertificateDigest(
    FIELDS.referenceTimestamp,
    taskMessageHash(FIELDS.taskId, FIELDS.output),
  );
  assert.ok(verifyBn254(digest, resultSignature, bn254.publicKey));
  assert.ok(!verifyBn254Standard(digest, resultSignature, bn254.publicKey));
  const auth = authDigest({ ...FIELDS, resultSignature });
  assert.ok(verifyBn254Standard(auth, authSignature, bn254.publicKey));
});

Deno.test("a missing key or ECDSA verifier is a clear error", () => {
  assert.throws(
    () => signTaskResult({ ecdsa }, { scheme: "ecdsa" }, FIELDS),
    /overrideContracts\.ecdsaCertificateVerifier/,
  );
  assert.throws(
    () => signTaskResult({ ecdsa }, { scheme: "bn254" }, FIELDS),
    /operator\.signingKeys\.bls is not configured/,
  );
});
