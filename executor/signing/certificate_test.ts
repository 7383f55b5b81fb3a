import assert from "node:assert/strict";
import { keccak256 as jsKeccak256 } from "js-sha3";
import {
  bn254CertificateDigest,
  ecdsaCertificateDigest,
  ecdsaCertificateDigestBytes,
  majorVersion,
  taskMessageHash,
} from "./certificate.ts";

// Layouts rebuilt from hex strings and hashed with js-sha3, sharing no code with certificate.ts.
// tests/certificate_digest_test.ts checks the same functions against the deployed contracts.
const TASK_ID = "0x" + "5c".repeat(32);
const VERIFIER = { address: "0xd0930ee96D07de4F9d493c259232222e46B6EC25", version: "1.8.0" };
const hex = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
const fromHex = (h: string) => Uint8Array.from(h.match(/../g) ?? [], (b) => parseInt(b, 16));
const k = (h: string) => jsKeccak256(fromHex(h));
const kText = (s: string) => jsKeccak256(s);
const word = (n: bigint | number) => BigInt(n).toString(16).padStart(64, "0");

Deno.test("taskMessageHash ABI-encodes (bytes32, bytes): head, offset, length, padded data", () => {
  for (const length of [0, 1, 31, 32, 33, 100]) {
    const output = Uint8Array.from({ length }, (_, i) => (i * 37 + 11) & 0xff);
    const padded = hex(output).padEnd(Math.ceil(length / 32) * 64, "0");
    const layout = TASK_ID.slice(2) + word(64) + word(length) + padded;
    assert.equal(hex(taskMessageHash(TASK_ID, output)), k(layout), `length ${length}`);
  }
  assert.throws(() => taskMessageHash("0x12", new Uint8Array()), /^RangeError: taskId/);
});

Deno.test("ECDSA certificate digest: EIP-191 ‖ domain (no chain id, major version) ‖ struct", () => {
  const messageHash = fromHex("ab".repeat(32));
  const domain = k(
    kText("EIP712Domain(string name,string version,address verifyingContract)") +
      kText("EigenLayer") + kText("1") + "0".repeat(24) + VERIFIER.address.slice(2).toLowerCase(),
  );
  const struct = k(
    kText("ECDSACertificate(uint32 referenceTimestamp,bytes32 messageHash)") + word(4_000_000_000) +
      "ab".repeat(32),
  );
  const bytes = ecdsaCertificateDigestBytes(4_000_000_000, messageHash, VERIFIER);
  assert.equal(hex(bytes), "1901" + domain + struct);
  assert.equal(hex(ecdsaCertificateDigest(4_000_000_000, messageHash, VERIFIER)), k(hex(bytes)));
  // Only the major version counts; another verifier address changes the digest.
  assert.deepEqual(
    ecdsaCertificateDigestBytes(4_000_000_000, messageHash, { ...VERIFIER, version: "1" }),
    bytes,
  );
  assert.notDeepEqual(
    ecdsaCertificateDigestBytes(4_000_000_000, messageHash, { ...VERIFIER, version: "2.0.0" }),
    bytes,
  );
});

Deno.test("BN254 certificate digest: keccak256(abi.encode(typehash, timestamp, hash))", () => {
  const messageHash = fromHex("cd".repeat(32));
  assert.equal(
    hex(bn254CertificateDigest(7, messageHash)),
    k(
      kText("BN254Certificate(uint32 referenceTimestamp,bytes32 messageHash)") + word(7) +
        "cd".repeat(32),
    ),
  );
});

Deno.test("certificate digests refuse malformed inputs, naming them", () => {
  const h = new Uint8Array(32);
  assert.throws(() => bn254CertificateDigest(2 ** 32, h), /referenceTimestamp/);
  assert.throws(() => bn254CertificateDigest(1, new Uint8Array(31)), /messageHash must be 32/);
  assert.throws(() => ecdsaCertificateDigest(1, h, { ...VERIFIER, address: "0x12" }), /verifier/);
  assert.throws(() => majorVersion(""), /must not be empty/);
});
