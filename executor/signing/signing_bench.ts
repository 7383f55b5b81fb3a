/**
 * Per-operation cost of the signing primitives, ours against the alternatives, so the library
 * choices in `ecdsa.ts` and `bn254.ts` rest on measurements. Run: `deno bench -A executor/signing/`.
 * @module
 */

import { keccak256 as jsKeccak256 } from "js-sha3";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { hexToBytes } from "./_bytes.ts";
import { mclHashToG1, nobleSign, nobleVerify } from "./_test_util.ts";
import {
  Bn254Key,
  Bn254PublicKey,
  decodeG1,
  hashToG1,
  hashToG1Standard,
  verifyBn254,
  verifyBn254Standard,
} from "./bn254.ts";
import { EcdsaKey, recoverAddress, recoverPublicKey } from "./ecdsa.ts";
import { keccak256 } from "./keccak.ts";

const SECRET = hexToBytes(
  "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318",
  "secret",
);
const ecdsaKey = EcdsaKey.fromBytes(SECRET);
const digest = keccak256(new TextEncoder().encode("hourglass task"));
const ecdsaSig = ecdsaKey.sign(digest);
const compact = ecdsaSig.subarray(0, 64);
const recid = (ecdsaSig[64] - 27) as 0 | 1;

const SCALAR = 0x1f2e3d4c5b6a79880123456789abcdef0fedcba9876543210123456789abcdefn;
const blsKey = Bn254Key.fromScalar(SCALAR);
const blsSig = blsKey.sign(digest);
const blsStandardSig = blsKey.signStandard(digest);
const blsPoint = decodeG1(blsSig);
const publicKey = blsKey.publicKey;
const kib = new Uint8Array(1024).map((_, i) => i & 0xff);

Deno.bench(
  "ECDSA sign: tiny-secp256k1 (WASM, used)",
  { group: "ecdsa sign", baseline: true },
  () => {
    ecdsaKey.sign(digest);
  },
);
Deno.bench("ECDSA sign: @noble/curves", { group: "ecdsa sign" }, () => {
  secp256k1.sign(digest, SECRET, { prehash: false, format: "recovered" });
});

Deno.bench(
  "ECDSA recover: tiny-secp256k1 (WASM, used)",
  { group: "ecdsa recover", baseline: true },
  () => {
    recoverPublicKey(digest, ecdsaSig);
  },
);
Deno.bench("ECDSA recover: @noble/curves", { group: "ecdsa recover" }, () => {
  secp256k1.Signature.fromBytes(compact).addRecoveryBit(recid).recoverPublicKey(digest);
});
Deno.bench("ECDSA recover + address (keccak, EIP-55)", { group: "ecdsa recover" }, () => {
  recoverAddress(digest, ecdsaSig);
});

Deno.bench("BN254 sign: mcl-wasm (used)", { group: "bn254 sign", baseline: true }, () => {
  blsKey.sign(digest);
});
Deno.bench("BN254 sign: @noble/curves", { group: "bn254 sign" }, () => {
  nobleSign(SCALAR, hashToG1(digest));
});
Deno.bench("BN254 sign, standard (RFC 9380 SVDW): mcl-wasm", { group: "bn254 sign" }, () => {
  blsKey.signStandard(digest);
});

Deno.bench("BN254 verify: mcl-wasm (used)", { group: "bn254 verify", baseline: true }, () => {
  if (!verifyBn254(digest, blsSig, publicKey)) throw new Error("verify failed");
});
Deno.bench("BN254 verify: mcl-wasm, key parsed each time", { group: "bn254 verify" }, () => {
  verifyBn254(digest, blsSig, Bn254PublicKey.fromBytes(publicKey.bytes));
});
Deno.bench("BN254 verify: @noble/curves", { group: "bn254 verify" }, () => {
  if (!nobleVerify(hashToG1(digest), blsPoint, publicKey.point)) throw new Error("verify failed");
});
Deno.bench("BN254 verify, standard (RFC 9380 SVDW): mcl-wasm", { group: "bn254 verify" }, () => {
  if (!verifyBn254Standard(digest, blsStandardSig, publicKey)) throw new Error("verify failed");
});

Deno.bench("hash-to-G1: noble Fp (used)", { group: "hash-to-G1", baseline: true }, () => {
  hashToG1(digest);
});
Deno.bench("hash-to-G1: mcl-wasm Fp", { group: "hash-to-G1" }, () => {
  mclHashToG1(digest);
});
Deno.bench("hash-to-G1, standard (RFC 9380 SVDW): noble Fp (used)", { group: "hash-to-G1" }, () => {
  hashToG1Standard(digest);
});

Deno.bench("keccak256 1 KiB: @noble/hashes (used)", { group: "keccak", baseline: true }, () => {
  keccak256(kib);
});
Deno.bench("keccak256 1 KiB: js-sha3", { group: "keccak" }, () => {
  jsKeccak256(kib);
});
