/**
 * Test helpers of the signing module: second implementations of the BN254 operations (for the
 * tests and the benchmark only), so `bn254.ts` is checked against code that shares none of its
 * arithmetic:
 * - group operations and pairings on `@noble/curves` (bn254.ts uses mcl-wasm for those);
 * - hash-to-G1 on mcl-wasm's field arithmetic (bn254.ts uses noble's Fp for that).
 * @module
 */

import { bn254 } from "@noble/curves/bn254.js";
import type { G1Affine, G2Affine } from "./_mcl.ts";
import { mcl } from "./_mcl.ts";

const G1 = bn254.G1.Point;
const G2 = bn254.G2.Point;
const Fp12 = bn254.fields.Fp12;
const P = bn254.fields.Fp.ORDER;

/** sk·G1 and sk·G2 with noble. */
export function noblePublicKeys(sk: bigint): { g1: G1Affine; g2: G2Affine } {
  return { g1: G1.BASE.multiply(sk).toAffine(), g2: G2.BASE.multiply(sk).toAffine() };
}

/** σ = sk·H with noble, H given as affine coordinates. */
export function nobleSign(sk: bigint, h: G1Affine): G1Affine {
  return G1.fromAffine(h).multiply(sk).toAffine();
}

/** e(σ, G2) = e(H, pk) with noble, as one pairing product with a single final exponentiation. */
export function nobleVerify(h: G1Affine, sigma: G1Affine, pk: G2Affine): boolean {
  const product = bn254.pairingBatch([
    { g1: G1.fromAffine(sigma), g2: G2.BASE.negate() },
    { g1: G1.fromAffine(h), g2: G2.fromAffine(pk) },
  ]);
  return Fp12.eql(product, Fp12.ONE);
}

/** Whether affine coordinates satisfy y² = x³ + 3 (noble). */
export function nobleIsOnG1(p: G1Affine): boolean {
  try {
    G1.fromAffine(p).assertValidity();
    return true;
  } catch {
    return false;
  }
}

/** BN254.sol `hashToG1`, written again on mcl-wasm's Fp (setBigEndianMod, pow, sqr). */
export function mclHashToG1(digest: Uint8Array): G1Affine {
  const x = new mcl.Fp();
  x.setBigEndianMod(digest);
  const one = new mcl.Fp();
  one.setInt(1);
  const three = new mcl.Fp();
  three.setInt(3);
  const exponent = (P + 1n) / 4n;
  let current = x;
  for (;;) {
    const beta = mcl.add(mcl.mul(mcl.sqr(current), current), three);
    const y = mcl.pow(beta, exponent);
    if (mcl.sqr(y).isEqual(beta)) {
      return { x: BigInt(current.getStr(10)), y: BigInt(y.getStr(10)) };
    }
    current = mcl.add(current, one);
  }
}
