/**
 * Deterministic test keys for the local chain, derived from a label: the same label gives the
 * same key on every machine, so tests and `deno task chain` can name them. They are public
 * values: never hold anything of worth with them.
 *
 * - A {@linkcode TestAccount} sends transactions (an AVS, an operator).
 * - A {@linkcode TestSigningKey} is what KeyRegistrar stores for an operator in one operator set:
 *   an ECDSA signing address, or a BN254 G1+G2 public key. KeyRegistrar keeps every key it has
 *   ever seen in a global registry (never cleared, not even by `deregisterKey`), so a key serves
 *   one operator set, once: use a new label for each registration.
 * @module
 */

import { type Address, bytesToHex, concat, type Hex, hexToBytes, keccak256, toHex } from "viem";
import { privateKeyToAddress } from "viem/accounts";
import { Bn254Key, FR_MODULUS } from "../../executor/signing/bn254.ts";
import { EcdsaKey } from "../../executor/signing/ecdsa.ts";

/** An account that sends transactions; its address is EigenLayer's `avs` or `operator`. */
export interface TestAccount {
  label: string;
  address: Address;
  /** 32-byte secp256k1 private key. */
  privateKey: Hex;
}

/** An ECDSA signing key: KeyRegistrar stores its address. */
export interface TestEcdsaKey {
  curve: "ecdsa";
  label: string;
  /** 32-byte secp256k1 private key (an executor's `signingKeys.ecdsa`). */
  privateKey: Hex;
  address: Address;
}

/** A BN254 key: KeyRegistrar stores its G1 and G2 public keys. */
export interface TestBn254Key {
  curve: "bn254";
  label: string;
  /** The scalar, 32 bytes big-endian, already reduced modulo the group order. */
  privateKey: Hex;
  /** x ‖ y, 64 bytes. */
  publicKeyG1: Hex;
  /** x.c1 ‖ x.c0 ‖ y.c1 ‖ y.c0, 128 bytes (Solidity's G2Point order). */
  publicKeyG2: Hex;
}

/** A key KeyRegistrar can hold for an operator in an operator set. */
export type TestSigningKey = TestEcdsaKey | TestBn254Key;

function derive(kind: string, label: string): Uint8Array {
  if (label === "") throw new TypeError("A test key needs a non-empty label");
  return hexToBytes(keccak256(toHex(`hourglass local chain ${kind}: ${label}`)));
}

/** The account for `label`. */
export function testAccount(label: string): TestAccount {
  const privateKey = bytesToHex(derive("account", label));
  return { label, address: privateKeyToAddress(privateKey), privateKey };
}

/** The ECDSA signing key for `label` (distinct from the account of the same label). */
export function testEcdsaKey(label: string): TestEcdsaKey {
  const secret = derive("ecdsa", label);
  return {
    curve: "ecdsa",
    label,
    privateKey: bytesToHex(secret),
    address: EcdsaKey.fromBytes(secret).address as Address,
  };
}

/** The BN254 key for `label`. */
export function testBn254Key(label: string): TestBn254Key {
  // Reduced here (as Bn254Key.fromBytes would) so that privateKey is the scalar itself.
  const scalar = BigInt(bytesToHex(derive("bn254", label))) % FR_MODULUS;
  const key = Bn254Key.fromScalar(scalar);
  return {
    curve: "bn254",
    label,
    privateKey: toHex(scalar, { size: 32 }),
    publicKeyG1: bytesToHex(key.publicKeyG1),
    publicKeyG2: bytesToHex(key.publicKeyG2),
  };
}

/**
 * The bytes KeyRegistrar stores (and `registerKey` takes) for a key: the 20-byte address for
 * ECDSA (`abi.encodePacked(address)`), G1 ‖ G2 for BN254 (its `encodeBN254KeyData`).
 */
export function keyData(key: TestSigningKey): Hex {
  return key.curve === "ecdsa" ? key.address.toLowerCase() as Hex : concat([
    key.publicKeyG1,
    key.publicKeyG2,
  ]);
}

/** Signs a 32-byte registration digest the way KeyRegistrar checks it for the key's curve. */
export function signRegistration(key: TestSigningKey, digest: Hex): Hex {
  const bytes = hexToBytes(digest);
  const signature = key.curve === "ecdsa"
    ? EcdsaKey.fromHex(key.privateKey).sign(bytes) // r ‖ s ‖ v, v ∈ {27, 28}
    : Bn254Key.fromBytes(hexToBytes(key.privateKey)).sign(bytes); // σ = sk·hashToG1(digest)
  return bytesToHex(signature);
}
