/**
 * BLS signatures over BN254 the EigenLayer way, in the two hash-to-G1 flavours Hourglass uses.
 *
 * - Private key: a scalar 0 < sk < r. Public keys: pk₁ = sk·G1 and pk₂ = sk·G2.
 * - Signature: σ = sk·H(m) in G1. Verification: e(σ, G2) = e(H(m), pk₂), checked as one product
 *   of two Miller loops and a single final exponentiation.
 * - H, the map of the message to G1, decides which scheme a signature belongs to. They are not
 *   interchangeable: a signature made with one never verifies with the other.
 *   - **Solidity-compatible** ({@linkcode Bn254Key.sign}, {@linkcode verifyBn254},
 *     {@linkcode hashToG1}): a 32-byte digest through the try-and-increment map of EigenLayer's
 *     `BN254.sol` `hashToG1(bytes32)` (eigensdk-go `MapToCurve`, crypto-libs `SolidityHashToG1`,
 *     `SignSolidityCompatible` / `VerifySolidityCompatible`). Used for the **result signature**
 *     (Ponos `SignMessageForSolidity`), which certificates carry on chain.
 *   - **Standard** ({@linkcode Bn254Key.signStandard}, {@linkcode verifyBn254Standard},
 *     {@linkcode hashToG1Standard}): RFC 9380 hash_to_curve with expand_message_xmd(SHA-256) and
 *     the Shallue–van de Woestijne map, DST {@linkcode STANDARD_DST} — gnark-crypto's
 *     `bn254.HashToG1`, which crypto-libs `PrivateKey.Sign` / `Signature.Verify` call. Used for
 *     everything that stays off chain: the **auth signature** on a task result, the
 *     **aggregator's task-submission signature**, and **management auth** (hgctl challenge
 *     tokens). Ponos `SignMessage(data)` signs keccak256(data) this way, so callers pass that
 *     32-byte digest (`authDigest`, `taskSubmissionDigest` in `digests.ts`) as the message.
 *
 * Encodings (big-endian 32-byte words, the same bytes the contracts ABI-encode):
 * - G1, 64 bytes: x ‖ y.
 * - G2, 128 bytes: x.c1 ‖ x.c0 ‖ y.c1 ‖ y.c0 — imaginary part first. This is Solidity's
 *   `G2Point{X: [x.c1, x.c0], Y: [y.c1, y.c0]}` (EIP-197 order) and gnark-crypto's uncompressed
 *   `G2Affine.Marshal()`, which Hourglass (crypto-libs `PublicKey.Bytes()`) uses for BN254 public
 *   keys. Note eigensdk-go's own `SerializeG2` writes c0 first; such keys are refused with a hint.
 * - The point at infinity (all zeros) is refused everywhere: no valid key or signature is it.
 *
 * Backend, chosen by measurement (`signing_bench.ts`, Deno 2.9.6, 2 cores): mcl-wasm for scalar
 * multiplication and pairings (sign 0.15 ms vs 0.65 ms with `@noble/curves`; verify 2.3 ms vs
 * 6.3 ms, with the key's Miller-loop coefficients cached), noble's bigint field arithmetic for
 * both hash-to-G1 maps (try-and-increment's square root: 36 µs vs 55 µs on mcl's Fp; the
 * standard map costs about two square roots, an inversion and a SHA-256 expansion per point,
 * twice). The choice stays inside this file; `_test_util.ts` keeps noble/mcl counterparts
 * that the tests and the benchmark compare with, and `tests/signing_crosscheck_test.ts` checks
 * both schemes against crypto-libs and gnark-crypto themselves.
 * @module
 */

import { hash_to_field } from "@noble/curves/abstract/hash-to-curve.js";
import { bn254 as noble } from "@noble/curves/bn254.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { bigIntToBytes, bytesToBigInt, bytesToHex, concatBytes, hexToBytes } from "./_bytes.ts";
import { fromMclG1, fromMclG2, mcl, toMclFr, toMclG1, toMclG2 } from "./_mcl.ts";
import type { G1Affine, G2Affine } from "./_mcl.ts";
import { SignatureError } from "./errors.ts";

export type { G1Affine, G2Affine };

/** Base field modulus p of BN254 (`BN254.FP_MODULUS`). */
export const FP_MODULUS =
  21888242871839275222246405745257275088696311157297823662689037894645226208583n;
/** Group order r of BN254 (`BN254.FR_MODULUS`). */
export const FR_MODULUS =
  21888242871839275222246405745257275088548364400416034343698204186575808495617n;
/** Encoded length of a G1 point (and of a signature). */
export const G1_POINT_LENGTH = 64;
/** Encoded length of a G2 point. */
export const G2_POINT_LENGTH = 128;
/** Encoded length of a BN254 signature (a G1 point). */
export const BN254_SIGNATURE_LENGTH = G1_POINT_LENGTH;

/** The G1 generator (1, 2). */
export const G1_GENERATOR: G1Affine = { x: 1n, y: 2n };
/** The G2 generator of EIP-197 / `BN254.generatorG2()`. */
export const G2_GENERATOR: G2Affine = {
  x: {
    c0: 10857046999023057135944570762232829481370756359578518086990519993285655852781n,
    c1: 11559732032986387107991004021392285783925812861821192530917403151452391805634n,
  },
  y: {
    c0: 8495653923123431417604973247489272438418190587263600148770280649306958101930n,
    c1: 4082367875863433681332203403145435568316851327593401208105741076214120093531n,
  },
};

const Fp = noble.fields.Fp;
// p ≡ 3 (mod 4), so beta^((p+1)/4) is a square root of beta when one exists. BN254.sol uses exactly
// this root (the constant 0xc19139cb…f52 in findYFromX); picking the other root (p − y) would give a
// different H(m) and signatures the contracts reject.
const SQRT_EXPONENT = (FP_MODULUS + 1n) / 4n;
// Each candidate x succeeds with probability ~1/2; the cap only guarantees termination.
const MAX_HASH_ATTEMPTS = 1000;
const INSPECT = [Symbol.for("Deno.customInspect"), Symbol.for("nodejs.util.inspect.custom")];
// Not exported: only this module may wrap a G2 point without validating it.
const trusted = Symbol("trusted");

const mclG1Generator = toMclG1(G1_GENERATOR);
const mclG2Generator = toMclG2(G2_GENERATOR);
// −G2 precomputed once: every verification pairs the signature with it.
const negG2Precomputed = new mcl.PrecomputedG2(mcl.neg(mclG2Generator));
const precomputedRegistry = new FinalizationRegistry<mcl.PrecomputedG2>((p) => p.destroy());

/**
 * EigenLayer's hash-to-G1 (`BN254.hashToG1`): x = uint256(digest) mod p, then x, x+1, … until
 * x³ + 3 is a square; y = (x³ + 3)^((p+1)/4).
 */
export function hashToG1(digest: Uint8Array): G1Affine {
  if (!(digest instanceof Uint8Array) || digest.length !== 32) {
    throw new RangeError("Digest must be 32 bytes");
  }
  let x = bytesToBigInt(digest) % FP_MODULUS;
  for (let attempt = 0; attempt < MAX_HASH_ATTEMPTS; attempt++) {
    const beta = Fp.add(Fp.mul(Fp.sqr(x), x), 3n);
    const y = Fp.pow(beta, SQRT_EXPONENT);
    if (Fp.eql(Fp.sqr(y), beta)) return { x, y };
    x = Fp.add(x, 1n);
  }
  throw new Error(`Cannot hash digest ${bytesToHex(digest)} to G1 in ${MAX_HASH_ATTEMPTS} steps`);
}

/**
 * The domain separation tag crypto-libs' BN254 `Sign`/`Verify` hash with. Its name says SSWU,
 * but gnark-crypto maps BN254 with SVDW whatever the tag says (SSWU needs A·B ≠ 0, and BN254 has
 * A = 0); the tag is only bytes mixed into the hash.
 */
export const STANDARD_DST: Uint8Array = new TextEncoder().encode(
  "BLS_SIG_BN254G1_XMD:SHA-256_SSWU_RO_NUL_",
);

/** Curve coefficient b of y² = x³ + b (A = 0). */
const CURVE_B = 3n;
const LEGENDRE_EXPONENT = (FP_MODULUS - 1n) / 2n;

const g1Rhs = (x: bigint): bigint => Fp.add(Fp.mul(Fp.sqr(x), x), CURVE_B);
const isSquare = (a: bigint): boolean => a === 0n || Fp.pow(a, LEGENDRE_EXPONENT) === 1n;
/** The canonical value's parity (RFC 9380 §4.1, m = 1). */
const sgn0 = (a: bigint): bigint => a & 1n;

/** A square root of `a`, or undefined if `a` is not a square (one exponentiation: p ≡ 3 mod 4). */
function sqrtOrUndefined(a: bigint): bigint | undefined {
  const y = Fp.pow(a, SQRT_EXPONENT);
  return Fp.sqr(y) === a ? y : undefined;
}

/** RFC 9380 Appendix H.1 `find_z_svdw` for A = 0, B = 3. */
function findZSvdw(): bigint {
  for (let ctr = 1n;; ctr++) {
    for (const z of [ctr, Fp.neg(ctr)]) {
      const gz = g1Rhs(z);
      if (gz === 0n) continue;
      const h = Fp.div(Fp.neg(Fp.mul(3n, Fp.sqr(z))), Fp.mul(4n, gz)); // −(3Z² + 4A) / 4g(Z)
      if (h === 0n || !isSquare(h)) continue;
      if (isSquare(gz) || isSquare(Fp.div(g1Rhs(Fp.neg(z)), 2n))) return z;
    }
  }
}

/**
 * The SVDW constants of RFC 9380 §6.6.1 for BN254 G1, derived here as the RFC prescribes (Z by
 * `find_z_svdw`; c3 the square root with sgn0 = 0). The tests compare them with gnark-crypto's
 * hard-coded ones.
 */
export const SVDW_CONSTANTS: Readonly<
  { z: bigint; c1: bigint; c2: bigint; c3: bigint; c4: bigint }
> = (() => {
  const z = findZSvdw();
  const gz = g1Rhs(z);
  const threeZ2 = Fp.mul(3n, Fp.sqr(z)); // 3Z² + 4A
  const c3 = sqrtOrUndefined(Fp.neg(Fp.mul(gz, threeZ2)));
  if (c3 === undefined) throw new Error("SVDW: −g(Z)·(3Z² + 4A) is not a square");
  return Object.freeze({
    z,
    c1: gz,
    c2: Fp.div(Fp.neg(z), 2n),
    c3: sgn0(c3) === 0n ? c3 : Fp.neg(c3),
    c4: Fp.div(Fp.neg(Fp.mul(4n, gz)), threeZ2),
  });
})();

/**
 * RFC 9380 §6.6.1 `map_to_curve_svdw` for BN254 G1 (gnark-crypto `MapToCurve1`): a field element
 * u < p to a point of y² = x³ + 3. Not constant-time — the input is a hash of a public message.
 * Same result as the RFC's straight-line version: x is x1, x2 or x3, the first whose g(x) is a
 * square, and y's sign follows u's.
 */
export function mapToCurveSvdw(u: bigint): G1Affine {
  if (typeof u !== "bigint" || u < 0n || u >= FP_MODULUS) {
    throw new RangeError("u must be a field element (0 ≤ u < p)");
  }
  const { z, c1, c2, c3, c4 } = SVDW_CONSTANTS;
  const u2c1 = Fp.mul(Fp.sqr(u), c1);
  const tv2 = Fp.add(1n, u2c1);
  const tv1 = Fp.sub(1n, u2c1);
  const denominator = Fp.mul(tv1, tv2);
  const tv3 = denominator === 0n ? 0n : Fp.inv(denominator); // inv0
  const tv4 = Fp.mul(Fp.mul(Fp.mul(u, tv1), tv3), c3);
  let x = Fp.sub(c2, tv4);
  let y = sqrtOrUndefined(g1Rhs(x));
  if (y === undefined) {
    x = Fp.add(c2, tv4);
    y = sqrtOrUndefined(g1Rhs(x));
  }
  if (y === undefined) {
    x = Fp.add(Fp.mul(Fp.sqr(Fp.mul(Fp.sqr(tv2), tv3)), c4), z);
    y = sqrtOrUndefined(g1Rhs(x));
    // The RFC proves g(x3) is a square whenever g(x1) and g(x2) are not.
    if (y === undefined) throw new Error("SVDW: no square among g(x1), g(x2), g(x3)");
  }
  return { x, y: sgn0(u) === sgn0(y) ? y : Fp.neg(y) };
}

/**
 * Hash-to-G1 of RFC 9380 (`hash_to_curve`, random-oracle variant): u₀, u₁ =
 * hash_to_field(message, 2) with expand_message_xmd(SHA-256), k = 128 (48 bytes per element),
 * then map_to_curve_svdw(u₀) + map_to_curve_svdw(u₁); G1's cofactor is 1, so nothing is cleared.
 * With the default DST this is gnark-crypto's `bn254.HashToG1(message, STANDARD_DST)`, the H of
 * crypto-libs' `Sign`/`Verify`. `message` may have any length; `dst` 1 to 255 bytes (RangeError
 * otherwise: gnark refuses longer tags and the RFC advises against empty ones).
 */
export function hashToG1Standard(message: Uint8Array, dst: Uint8Array = STANDARD_DST): G1Affine {
  if (!(message instanceof Uint8Array)) throw new RangeError("Message must be bytes");
  if (!(dst instanceof Uint8Array) || dst.length === 0 || dst.length > 255) {
    throw new RangeError("Domain separation tag must be 1 to 255 bytes");
  }
  const [[u0], [u1]] = hash_to_field(message, 2, {
    DST: dst,
    p: FP_MODULUS,
    m: 1,
    k: 128,
    expand: "xmd",
    hash: sha256,
  });
  return addG1(mapToCurveSvdw(u0), mapToCurveSvdw(u1));
}

/** Affine P + Q on y² = x³ + 3; throws for P = −Q (infinity: a 2⁻²⁵⁴-likely hash collision). */
function addG1(p: G1Affine, q: G1Affine): G1Affine {
  let slope: bigint;
  if (p.x !== q.x) {
    slope = Fp.div(Fp.sub(q.y, p.y), Fp.sub(q.x, p.x));
  } else if (p.y === q.y && p.y !== 0n) {
    slope = Fp.div(Fp.mul(3n, Fp.sqr(p.x)), Fp.add(p.y, p.y));
  } else {
    throw new Error("Hash-to-G1 gave the point at infinity");
  }
  const x = Fp.sub(Fp.sub(Fp.sqr(slope), p.x), q.x);
  return { x, y: Fp.sub(Fp.mul(slope, Fp.sub(p.x, x)), p.y) };
}

/** Encodes a G1 point as 64 bytes x ‖ y. */
export function encodeG1(p: G1Affine): Uint8Array {
  return concatBytes(bigIntToBytes(p.x), bigIntToBytes(p.y));
}

/** Encodes a G2 point as 128 bytes x.c1 ‖ x.c0 ‖ y.c1 ‖ y.c0 (Solidity / gnark order). */
export function encodeG2(p: G2Affine): Uint8Array {
  return concatBytes(
    bigIntToBytes(p.x.c1),
    bigIntToBytes(p.x.c0),
    bigIntToBytes(p.y.c1),
    bigIntToBytes(p.y.c0),
  );
}

/** Decodes and validates a 64-byte G1 point (on the curve, not infinity); RangeError if not. */
export function decodeG1(bytes: Uint8Array, field = "G1 point"): G1Affine {
  if (!(bytes instanceof Uint8Array) || bytes.length !== G1_POINT_LENGTH) {
    throw new RangeError(`${field} must be ${G1_POINT_LENGTH} bytes (x‖y)`);
  }
  const [x, y] = words(bytes, field);
  if (x === 0n && y === 0n) throw new RangeError(`${field} is the point at infinity`);
  const p = { x, y };
  // G1 has cofactor 1: being on the curve is being in the group.
  if (!isOnG1(p)) throw new RangeError(`${field} is not on the BN254 curve`);
  return p;
}

/** Decodes and validates a 128-byte G2 point (on the twist, in the r-torsion subgroup). */
export function decodeG2(bytes: Uint8Array, field = "G2 point"): G2Affine {
  if (!(bytes instanceof Uint8Array) || bytes.length !== G2_POINT_LENGTH) {
    throw new RangeError(`${field} must be ${G2_POINT_LENGTH} bytes (x.c1‖x.c0‖y.c1‖y.c0)`);
  }
  const [x1, x0, y1, y0] = words(bytes, field);
  if (x0 === 0n && x1 === 0n && y0 === 0n && y1 === 0n) {
    throw new RangeError(`${field} is the point at infinity`);
  }
  const p = { x: { c0: x0, c1: x1 }, y: { c0: y0, c1: y1 } };
  if (isInG2(p)) return p;
  const swapped = { x: { c0: x1, c1: x0 }, y: { c0: y1, c1: y0 } };
  const hint = isInG2(swapped)
    ? "; it looks like c0-first order (eigensdk-go SerializeG2), expected x.c1‖x.c0‖y.c1‖y.c0"
    : "";
  throw new RangeError(`${field} is not a point of the BN254 G2 subgroup${hint}`);
}

/** A validated G2 public key, ready for repeated verification. */
export class Bn254PublicKey {
  /** Affine coordinates. */
  readonly point: G2Affine;
  /** 128-byte encoding x.c1 ‖ x.c0 ‖ y.c1 ‖ y.c0. */
  readonly bytes: Uint8Array;
  #precomputed: mcl.PrecomputedG2 | undefined;

  private constructor(point: G2Affine) {
    this.point = point;
    this.bytes = encodeG2(point);
  }

  /** Wraps a point already known to be in G2; keyed by a module-private symbol (derived keys). */
  static [trusted](point: G2Affine): Bn254PublicKey {
    return new Bn254PublicKey(point);
  }

  /** Parses and validates 128 bytes; RangeError naming `field` if it is not a G2 point. */
  static fromBytes(bytes: Uint8Array, field = "BN254 public key"): Bn254PublicKey {
    return new Bn254PublicKey(decodeG2(bytes, field));
  }

  /** Parses and validates 128 bytes of hex (0x optional). */
  static fromHex(hex: string, field = "BN254 public key"): Bn254PublicKey {
    return Bn254PublicKey.fromBytes(hexToBytes(hex, field, { length: G2_POINT_LENGTH }), field);
  }

  /** Hex of the 128-byte encoding. */
  toHex(): string {
    return bytesToHex(this.bytes);
  }

  /** Miller-loop coefficients for this key, computed on first use and kept for the next ones. */
  precomputed(): mcl.PrecomputedG2 {
    if (this.#precomputed === undefined) {
      this.#precomputed = new mcl.PrecomputedG2(toMclG2(this.point));
      // The coefficients live in WASM memory: free them when this key is collected.
      precomputedRegistry.register(this, this.#precomputed);
    }
    return this.#precomputed;
  }
}

/** A BN254 private key; the scalar never leaves this object except as signatures. */
export class Bn254Key {
  readonly #scalar: mcl.Fr;
  /** pk₁ = sk·G1, 64 bytes x ‖ y. */
  readonly publicKeyG1: Uint8Array;
  /** pk₂ = sk·G2. */
  readonly publicKey: Bn254PublicKey;

  private constructor(scalar: bigint) {
    this.#scalar = toMclFr(scalar);
    this.publicKeyG1 = encodeG1(fromMclG1(mcl.mul(mclG1Generator, this.#scalar)));
    this.publicKey = Bn254PublicKey[trusted](fromMclG2(mcl.mul(mclG2Generator, this.#scalar)));
  }

  /** A key from a scalar; RangeError unless 0 < scalar < r. */
  static fromScalar(scalar: bigint): Bn254Key {
    if (typeof scalar !== "bigint" || scalar <= 0n || scalar >= FR_MODULUS) {
      throw new RangeError("BN254 private key must be between 1 and the group order minus 1");
    }
    return new Bn254Key(scalar);
  }

  /**
   * A key from big-endian bytes (1 to 32), reduced mod r as gnark's `fr.Element.SetBytes` does
   * (eigensdk-go, Hourglass keystores); RangeError if empty, longer than 32 bytes or zero mod r.
   */
  static fromBytes(bytes: Uint8Array): Bn254Key {
    if (!(bytes instanceof Uint8Array) || bytes.length === 0 || bytes.length > 32) {
      throw new RangeError("BN254 private key must be 1 to 32 big-endian bytes");
    }
    return Bn254Key.fromScalar(bytesToBigInt(bytes) % FR_MODULUS);
  }

  /** 128-byte G2 public key (x.c1 ‖ x.c0 ‖ y.c1 ‖ y.c0). */
  get publicKeyG2(): Uint8Array {
    return this.publicKey.bytes;
  }

  /**
   * Solidity-compatible signature of a 32-byte digest: σ = sk·hashToG1(digest), 64 bytes x ‖ y
   * (crypto-libs `SignSolidityCompatible`; the result signature).
   */
  sign(digest: Uint8Array): Uint8Array {
    return this.#multiply(hashToG1(digest));
  }

  /**
   * Standard signature of a message: σ = sk·hashToG1Standard(message), 64 bytes x ‖ y
   * (crypto-libs `PrivateKey.Sign`). Ponos `SignMessage(data)` is this over keccak256(data):
   * pass the 32-byte digest (auth signature: `authDigest(...)`; management auth:
   * keccak256(keccak256(utf8(challengeToken)))).
   */
  signStandard(message: Uint8Array): Uint8Array {
    return this.#multiply(hashToG1Standard(message));
  }

  #multiply(h: G1Affine): Uint8Array {
    return encodeG1(fromMclG1(mcl.mul(toMclG1(h), this.#scalar)));
  }

  /** JSON shows the public keys only, so a logged key object leaks nothing. */
  toJSON(): { publicKeyG1: string; publicKeyG2: string } {
    return { publicKeyG1: bytesToHex(this.publicKeyG1), publicKeyG2: this.publicKey.toHex() };
  }

  static {
    for (const symbol of INSPECT) {
      Object.defineProperty(Bn254Key.prototype, symbol, {
        value(this: Bn254Key): string {
          return `Bn254Key { publicKeyG1: ${bytesToHex(this.publicKeyG1)} }`;
        },
      });
    }
  }
}

/**
 * Verifies a Solidity-compatible σ over a 32-byte digest against a G2 public key: true iff
 * e(σ, G2) = e(hashToG1(digest), pk₂) (crypto-libs `VerifySolidityCompatible`).
 * Throws SignatureError "SignatureMalformed" when σ is not a valid G1 encoding.
 */
export function verifyBn254(
  digest: Uint8Array,
  signature: Uint8Array,
  publicKey: Bn254PublicKey,
): boolean {
  const sigma = decodeSignature(signature);
  return pairingCheck(hashToG1(digest), sigma, publicKey);
}

/**
 * Verifies a standard σ over a message against a G2 public key: true iff
 * e(σ, G2) = e(hashToG1Standard(message), pk₂) (crypto-libs `Signature.Verify`). For an
 * aggregator's task-submission signature the message is `taskSubmissionDigest(...)`.
 * Throws SignatureError "SignatureMalformed" when σ is not a valid G1 encoding.
 */
export function verifyBn254Standard(
  message: Uint8Array,
  signature: Uint8Array,
  publicKey: Bn254PublicKey,
): boolean {
  const sigma = decodeSignature(signature);
  return pairingCheck(hashToG1Standard(message), sigma, publicKey);
}

function decodeSignature(signature: Uint8Array): G1Affine {
  try {
    return decodeG1(signature, "BN254 signature");
  } catch (cause) {
    throw new SignatureError("SignatureMalformed", (cause as Error).message, { cause });
  }
}

/** e(H, pk)·e(σ, −G2) = 1, with one final exponentiation instead of two. */
function pairingCheck(h: G1Affine, sigma: G1Affine, publicKey: Bn254PublicKey): boolean {
  const product = mcl.precomputedMillerLoop2(
    toMclG1(h),
    publicKey.precomputed(),
    toMclG1(sigma),
    negG2Precomputed,
  );
  return mcl.finalExp(product).isOne();
}

function words(bytes: Uint8Array, field: string): bigint[] {
  const out: bigint[] = [];
  for (let i = 0; i < bytes.length; i += 32) {
    const w = bytesToBigInt(bytes.subarray(i, i + 32));
    // Non-canonical encodings (≥ p) would make two byte strings mean one point.
    if (w >= FP_MODULUS) throw new RangeError(`${field} has a coordinate not below p`);
    out.push(w);
  }
  return out;
}

function isOnG1(p: G1Affine): boolean {
  return Fp.eql(Fp.sqr(p.y), Fp.add(Fp.mul(Fp.sqr(p.x), p.x), 3n));
}

function isInG2(p: G2Affine): boolean {
  try {
    // mcl's input check already refuses points off the twist or (its default) outside the
    // subgroup; the explicit checks keep that true if someone turns verifyOrderG2 off.
    const point = toMclG2(p);
    return point.isValid() && point.isValidOrder();
  } catch {
    return false;
  }
}
