/**
 * secp256k1 ECDSA the Ethereum way: keys, EIP-55 addresses, 65-byte r‖s‖v signatures over a
 * 32-byte digest, and signer recovery.
 *
 * Conventions (decided here, in one place):
 * - **v = 27 or 28 when we sign.** EigenLayer's `ECDSACertificateVerifier` recovers signers with
 *   OpenZeppelin `ECDSA.tryRecover`, which hands v to the `ecrecover` precompile (27/28 only).
 *   Hourglass's own signer (Layr-Labs/crypto-libs `pkg/ecdsa` `Sign`) likewise adds 27 to the
 *   0/1 recovery id of go-ethereum's `crypto.Sign`.
 * - **v = 0, 1, 27 or 28 accepted when we verify**, because older Ponos builds sent the raw
 *   `crypto.Sign` output (v ∈ {0,1}). 29/30 (recovery ids 2/3) are refused: they only occur when
 *   r ≥ n, which honest signers never produce.
 * - **High-s refused.** go-ethereum, libsecp256k1 and noble only produce s ≤ n/2, and
 *   OpenZeppelin rejects s > n/2 on chain, so a high-s signature can only be a malleated copy.
 * - The digest is signed as is (no EIP-191 prefix, no extra hashing); callers build it with
 *   `digests.ts`.
 *
 * Signing and recovery run on `tiny-secp256k1` (bitcoin-core's libsecp256k1 built to WASM); key
 * set-up and the curve order come from `@noble/curves` (audited, pure JS). Every ECDSA task does
 * one recovery (the aggregator's signature) and two signatures (result, auth): libsecp256k1 is
 * about twice as fast as noble at both (sign 0.10 vs 0.19 ms, recover 0.21 vs 0.37 ms in
 * `signing_bench.ts` on an idle core; 0.41 vs 0.77 ms recover on the loaded 2-core machine),
 * which is CPU time every task pays, and at 64 in flight the executor is CPU-bound. Both produce
 * RFC 6979 low-s signatures, so the bytes are the same: `ecdsa_test.ts` checks ours against
 * noble's (now the independent implementation) and `tests/signing_crosscheck_test.ts` against
 * go-ethereum.
 * @module
 */

import { secp256k1 } from "@noble/curves/secp256k1.js";
import * as libsecp256k1 from "tiny-secp256k1";
import { bytesToBigInt, bytesToHex, hexToBytes } from "./_bytes.ts";
import { SignatureError } from "./errors.ts";
import { keccak256 } from "./keccak.ts";

const N = secp256k1.Point.Fn.ORDER;
const HALF_N = N >> 1n;
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const INSPECT = [Symbol.for("Deno.customInspect"), Symbol.for("nodejs.util.inspect.custom")];

/** Length of an Ethereum ECDSA signature r‖s‖v. */
export const ECDSA_SIGNATURE_LENGTH = 65;

/** A secp256k1 private key; the secret never leaves this object except as signatures. */
export class EcdsaKey {
  readonly #secret: Uint8Array;
  /** Uncompressed public key (0x04 ‖ x ‖ y, 65 bytes). */
  readonly publicKey: Uint8Array;
  /** EIP-55 checksummed address. */
  readonly address: string;

  private constructor(secret: Uint8Array) {
    this.#secret = secret;
    this.publicKey = secp256k1.getPublicKey(secret, false);
    this.address = addressFromPublicKey(this.publicKey);
  }

  /** Wraps 32 secret bytes (copied); throws a RangeError unless 1 ≤ key < n. */
  static fromBytes(secret: Uint8Array): EcdsaKey {
    if (!(secret instanceof Uint8Array) || secret.length !== 32) {
      throw new RangeError("ECDSA private key must be 32 bytes");
    }
    const d = bytesToBigInt(secret);
    if (d === 0n || d >= N) {
      throw new RangeError("ECDSA private key must be between 1 and the secp256k1 order minus 1");
    }
    return new EcdsaKey(Uint8Array.from(secret));
  }

  /** Parses 32 bytes of hex (0x optional); `field` names the input in errors. */
  static fromHex(hex: string, field = "privateKey"): EcdsaKey {
    return EcdsaKey.fromBytes(hexToBytes(hex, field, { length: 32 }));
  }

  /** Signs a 32-byte digest: 65 bytes r‖s‖v with v ∈ {27, 28} and low s (RFC 6979 nonce). */
  sign(digest: Uint8Array): Uint8Array {
    assertDigest(digest);
    // RFC 6979 nonce, no extra entropy; libsecp256k1 always answers with low s.
    const { signature, recoveryId } = libsecp256k1.signRecoverable(digest, this.#secret);
    const out = new Uint8Array(ECDSA_SIGNATURE_LENGTH);
    out.set(signature, 0);
    out[64] = recoveryId + 27;
    return out;
  }

  /** JSON shows the address only, so a logged key object leaks nothing. */
  toJSON(): { address: string } {
    return { address: this.address };
  }

  static {
    for (const symbol of INSPECT) {
      Object.defineProperty(EcdsaKey.prototype, symbol, {
        value(this: EcdsaKey): string {
          return `EcdsaKey { address: ${this.address} }`;
        },
      });
    }
  }
}

/** The parts of a validated signature. */
export interface EcdsaSignatureParts {
  /** r, 1 ≤ r < n. */
  r: bigint;
  /** s, 1 ≤ s ≤ n/2. */
  s: bigint;
  /** Recovery id 0 or 1 (v minus 27 when v was 27/28). */
  recovery: 0 | 1;
}

/** Validates a 65-byte r‖s‖v signature; throws SignatureError "SignatureMalformed" if not. */
export function parseEcdsaSignature(signature: Uint8Array): EcdsaSignatureParts {
  if (!(signature instanceof Uint8Array) || signature.length !== ECDSA_SIGNATURE_LENGTH) {
    throw new SignatureError(
      "SignatureMalformed",
      `ECDSA signature must be ${ECDSA_SIGNATURE_LENGTH} bytes (r‖s‖v), got ${signature?.length}`,
    );
  }
  const v = signature[64];
  const recovery = v >= 27 ? v - 27 : v;
  if (recovery !== 0 && recovery !== 1) {
    throw new SignatureError(
      "SignatureMalformed",
      `ECDSA signature v must be 0, 1, 27 or 28, got ${v}`,
    );
  }
  const r = bytesToBigInt(signature.subarray(0, 32));
  const s = bytesToBigInt(signature.subarray(32, 64));
  if (r === 0n || r >= N || s === 0n || s >= N) {
    throw new SignatureError("SignatureMalformed", "ECDSA signature r or s is out of range");
  }
  if (s > HALF_N) {
    throw new SignatureError(
      "SignatureMalformed",
      "ECDSA signature has a high s value (malleable)",
    );
  }
  return { r, s, recovery };
}

/** Recovers the uncompressed public key (65 bytes) that signed `digest`. */
export function recoverPublicKey(digest: Uint8Array, signature: Uint8Array): Uint8Array {
  assertDigest(digest);
  const { recovery } = parseEcdsaSignature(signature);
  let publicKey: Uint8Array | null;
  try {
    publicKey = libsecp256k1.recover(digest, signature.subarray(0, 64), recovery, false);
  } catch (cause) {
    throw new SignatureError("SignatureInvalid", "ECDSA signature does not recover a public key", {
      cause,
    });
  }
  // null: r is not the x-coordinate of a curve point, or the recovered point is the identity.
  if (publicKey === null) {
    throw new SignatureError("SignatureInvalid", "ECDSA signature does not recover a public key");
  }
  return publicKey;
}

/** Recovers the EIP-55 address that signed `digest`. */
export function recoverAddress(digest: Uint8Array, signature: Uint8Array): string {
  return addressFromPublicKey(recoverPublicKey(digest, signature));
}

/** The EIP-55 address of an uncompressed (65-byte) public key. */
export function addressFromPublicKey(publicKey: Uint8Array): string {
  if (publicKey.length !== 65 || publicKey[0] !== 4) {
    throw new RangeError("Public key must be 65 bytes, uncompressed (0x04 prefix)");
  }
  const hash = keccak256(publicKey.subarray(1));
  return toChecksumAddress(bytesToHex(hash.subarray(12)));
}

/** EIP-55 mixed-case checksum encoding of a 0x address (input in any case). */
export function toChecksumAddress(address: string): string {
  if (!ADDRESS.test(address)) throw new RangeError("Address must be 0x followed by 40 hex digits");
  const lower = address.slice(2).toLowerCase();
  const hash = keccak256(new TextEncoder().encode(lower));
  let out = "0x";
  for (let i = 0; i < 40; i++) {
    const nibble = (hash[i >> 1] >> (i % 2 === 0 ? 4 : 0)) & 0xf;
    out += nibble >= 8 ? lower[i].toUpperCase() : lower[i];
  }
  return out;
}

/** Whether two 0x addresses are the same account (case-insensitive; checksums not required). */
export function sameAddress(a: string, b: string): boolean {
  return ADDRESS.test(a) && ADDRESS.test(b) && a.toLowerCase() === b.toLowerCase();
}

function assertDigest(digest: Uint8Array): void {
  if (!(digest instanceof Uint8Array) || digest.length !== 32) {
    throw new RangeError("Digest must be 32 bytes");
  }
}
