/**
 * mcl-wasm set up for BN254 (folder-private): the pairing backend `bn254.ts` uses.
 *
 * mcl calls the Ethereum curve `BN_SNARK1` (its `BN254` is a different curve). Initialisation is
 * global to the process and asynchronous, so it happens once here, at import, with top-level
 * await; after that every call is synchronous.
 *
 * Points cross this boundary as bigint coordinates and mcl's decimal string form
 * `"1 x y"` / `"1 x.c0 x.c1 y.c0 y.c1"`, which is explicit about coordinate order (mcl's binary
 * serialisation is little-endian and compressed, and differs from Ethereum's).
 * @module
 */

import * as mcl from "mcl-wasm";

await mcl.init(mcl.BN_SNARK1);

/** Affine G1 coordinates. */
export interface G1Affine {
  x: bigint;
  y: bigint;
}

/** An Fp2 element c0 + c1·i. */
export interface Fp2 {
  c0: bigint;
  c1: bigint;
}

/** Affine G2 coordinates. */
export interface G2Affine {
  x: Fp2;
  y: Fp2;
}

/** Builds an mcl G1 point; throws if it is not on the curve (mcl checks on input). */
export function toMclG1(p: G1Affine): mcl.G1 {
  const point = new mcl.G1();
  point.setStr(`1 ${p.x} ${p.y}`, 10);
  return point;
}

/** Builds an mcl G2 point; throws if it is off the twist or outside the subgroup (mcl checks). */
export function toMclG2(p: G2Affine): mcl.G2 {
  const point = new mcl.G2();
  point.setStr(`1 ${p.x.c0} ${p.x.c1} ${p.y.c0} ${p.y.c1}`, 10);
  return point;
}

/** Reads affine coordinates back from an mcl G1 point (not the identity). */
export function fromMclG1(point: mcl.G1): G1Affine {
  const normal = mcl.normalize(point);
  const [, x, y] = normal.getStr(16).split(" ");
  return { x: BigInt(`0x${x}`), y: BigInt(`0x${y}`) };
}

/** Reads affine coordinates back from an mcl G2 point (not the identity). */
export function fromMclG2(point: mcl.G2): G2Affine {
  const normal = mcl.normalize(point);
  const [, x0, x1, y0, y1] = normal.getStr(16).split(" ").map((h) => BigInt(`0x${h}`));
  return { x: { c0: x0, c1: x1 }, y: { c0: y0, c1: y1 } };
}

/** An mcl scalar from a bigint in [0, r). */
export function toMclFr(scalar: bigint): mcl.Fr {
  const fr = new mcl.Fr();
  fr.setStr(scalar.toString(10), 10);
  return fr;
}

/** The mcl-wasm namespace, initialised for BN_SNARK1. */
export { mcl };
