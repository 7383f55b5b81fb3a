import assert from "node:assert/strict";
import { hexToBytes, keccak256, size, toHex } from "viem";
import { Bn254PublicKey, verifyBn254 } from "../../executor/signing/bn254.ts";
import { recoverAddress } from "../../executor/signing/ecdsa.ts";
import { keyData, signRegistration, testAccount, testBn254Key, testEcdsaKey } from "./test_keys.ts";

Deno.test("test keys are deterministic per label and distinct per label and kind", () => {
  assert.deepEqual(testEcdsaKey("a"), testEcdsaKey("a"));
  assert.deepEqual(testBn254Key("a"), testBn254Key("a"));
  assert.notEqual(testEcdsaKey("a").address, testEcdsaKey("b").address);
  assert.notEqual(testAccount("a").address, testEcdsaKey("a").address);
  assert.throws(() => testAccount(""), TypeError);
});

Deno.test("keyData is what KeyRegistrar stores: 20 address bytes, or G1 ‖ G2", () => {
  const ecdsa = testEcdsaKey("k");
  assert.equal(size(keyData(ecdsa)), 20);
  assert.equal(keyData(ecdsa), ecdsa.address.toLowerCase());
  const bn254 = testBn254Key("k");
  assert.equal(size(keyData(bn254)), 192);
  assert.equal(keyData(bn254), `${bn254.publicKeyG1}${bn254.publicKeyG2.slice(2)}`);
});

Deno.test("registration signatures verify against the registered key", () => {
  const digest = keccak256(toHex("registration"));
  const ecdsa = testEcdsaKey("s");
  assert.equal(
    recoverAddress(hexToBytes(digest), hexToBytes(signRegistration(ecdsa, digest))),
    ecdsa.address,
  );
  const bn254 = testBn254Key("s");
  const publicKey = Bn254PublicKey.fromHex(bn254.publicKeyG2);
  const signature = hexToBytes(signRegistration(bn254, digest));
  assert.ok(verifyBn254(hexToBytes(digest), signature, publicKey));
  assert.ok(!verifyBn254(hexToBytes(keccak256(toHex("other"))), signature, publicKey));
});
