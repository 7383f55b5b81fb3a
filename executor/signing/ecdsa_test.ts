import assert from "node:assert/strict";
import { secp256k1 as noble } from "@noble/curves/secp256k1.js";
import * as tiny from "tiny-secp256k1";
import { bigIntToBytes, bytesToBigInt, bytesToHex, hexToBytes } from "./_bytes.ts";
import {
  addressFromPublicKey,
  EcdsaKey,
  parseEcdsaSignature,
  recoverAddress,
  recoverPublicKey,
  sameAddress,
  toChecksumAddress,
} from "./ecdsa.ts";
import { SignatureError } from "./errors.ts";
import { keccak256 } from "./keccak.ts";

const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const KEY_ONE = "0x0000000000000000000000000000000000000000000000000000000000000001";
const utf8 = (s: string) => new TextEncoder().encode(s);
const digests = ["", "a", "hourglass task", "x".repeat(1000)].map((s) => keccak256(utf8(s)));
const KEY_HEXES = [
  KEY_ONE,
  "0x7a28b5ba57c53603b0b07b56bba752f7784bf506fa95edc395f5cf6c7514fe9d",
  "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318",
  `0x${(N - 1n).toString(16)}`,
];
const keys = KEY_HEXES.map((hex) => EcdsaKey.fromHex(hex));

function isSignatureError(reason: string) {
  return (e: unknown) => e instanceof SignatureError && e.reason === reason;
}

Deno.test("private key 0x…01 has address 0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf", () => {
  assert.equal(EcdsaKey.fromHex(KEY_ONE).address, "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf");
  assert.equal(
    EcdsaKey.fromHex(KEY_ONE.slice(2)).address,
    "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf",
  );
});

Deno.test("the Web3 Secret Storage test key has the address the definition lists", () => {
  // Definition "Test vectors": Address 008aeeda4d805471df9b2a5b0f38a0c3bcba786b.
  assert.ok(sameAddress(keys[1].address, "0x008aeeda4d805471df9b2a5b0f38a0c3bcba786b"));
});

Deno.test("toChecksumAddress reproduces the EIP-55 examples", () => {
  for (
    const address of [
      "0x52908400098527886E0F7030069857D2E4169EE7",
      "0x8617E340B3D01FA5F11F306F4090FD50E238070D",
      "0xde709f2102306220921060314715629080e2fb77",
      "0x27b1fdb04752bbc536007a920d24acb045561c26",
      "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
      "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
      "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
      "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
    ]
  ) {
    assert.equal(toChecksumAddress(address.toLowerCase()), address);
  }
  assert.throws(() => toChecksumAddress("0x1234"), RangeError);
});

Deno.test("recovery reproduces go-ethereum's Ecrecover vector (v = 1)", () => {
  // go-ethereum crypto/signature_test.go: testmsg, testsig, testpubkey.
  const msg = hexToBytes(
    "0xce0677bb30baa8cf067c88db9811f4333d131bf8bcf12fe7065d211dce971008",
    "msg",
  );
  const sig = hexToBytes(
    "0x90f27b8b488db00b00606796d2987f6a5f59ae62ea05effe84fef5b8b0e549984a691139ad57a3f0b906637673aa2f63d1f55cb1a69199d4009eea23ceaddc9301",
    "sig",
  );
  const pub =
    "0x04e32df42865e97135acfb65f3bae71bdc86f4d49150ad6a440b6f15878109880a0a2b2667f7e725ceea70c673093bf67663e0312623c8e091b13cf2c0f11ef652";
  assert.equal(bytesToHex(recoverPublicKey(msg, sig)), pub);
  const v28 = sig.slice();
  v28[64] = 28;
  assert.equal(bytesToHex(recoverPublicKey(msg, v28)), pub, "27/28 form recovers the same key");
  assert.equal(recoverAddress(msg, sig), addressFromPublicKey(hexToBytes(pub, "pub")));
});

Deno.test("sign → recover round-trips, with v ∈ {27, 28} and low s", () => {
  for (const key of keys) {
    for (const digest of digests) {
      const sig = key.sign(digest);
      assert.equal(sig.length, 65);
      assert.ok(sig[64] === 27 || sig[64] === 28);
      assert.ok(bytesToBigInt(sig.subarray(32, 64)) <= N / 2n);
      assert.equal(recoverAddress(digest, sig), key.address);
      assert.deepEqual(recoverPublicKey(digest, sig), key.publicKey);
    }
  }
});

// ecdsa.ts signs and recovers with libsecp256k1 (tiny-secp256k1); noble is the independent
// implementation these two tests hold it to (go-ethereum: tests/signing_crosscheck_test.ts).
Deno.test("our signatures equal @noble/curves' (both RFC 6979) and it recovers our key", () => {
  for (const [i, key] of keys.entries()) {
    const secret = hexToBytes(KEY_HEXES[i], "key");
    for (const digest of digests) {
      const sig = key.sign(digest);
      const recid = (sig[64] - 27) as 0 | 1;
      const parsed = noble.Signature.fromBytes(sig.subarray(0, 64)).addRecoveryBit(recid);
      assert.deepEqual(parsed.recoverPublicKey(digest).toBytes(false), key.publicKey);
      assert.ok(noble.verify(sig.subarray(0, 64), digest, key.publicKey, { prehash: false }));
      const theirs = noble.sign(digest, secret, { prehash: false, format: "recovered" });
      assert.deepEqual(theirs.subarray(1, 65), sig.subarray(0, 64));
      assert.equal(theirs[0], recid);
    }
  }
});

Deno.test("signatures made by @noble/curves recover to the right address, v as 0/1 or 27/28", () => {
  for (let i = 1; i <= 8; i++) {
    const secret = keccak256(utf8(`noble key ${i}`));
    const key = EcdsaKey.fromBytes(secret);
    assert.deepEqual(noble.getPublicKey(secret, false), key.publicKey);
    for (const digest of digests) {
      const recovered = noble.sign(digest, secret, { prehash: false, format: "recovered" });
      const signature = recovered.subarray(1, 65);
      const recoveryId = recovered[0];
      for (const v of [recoveryId, recoveryId + 27]) {
        const sig = new Uint8Array(65);
        sig.set(signature);
        sig[64] = v;
        assert.equal(recoverAddress(digest, sig), key.address);
      }
    }
  }
});

Deno.test("a wrong digest or a flipped byte does not recover the signer", () => {
  const key = keys[2];
  const sig = key.sign(digests[2]);
  assert.notEqual(recoverAddress(digests[3], sig), key.address);
  for (const index of [0, 17, 31, 32, 50, 63]) {
    const flipped = sig.slice();
    flipped[index] ^= 0x01;
    let recovered: string | undefined;
    try {
      recovered = recoverAddress(digests[2], flipped);
    } catch (e) {
      assert.ok(e instanceof SignatureError, `byte ${index}: ${e}`);
    }
    assert.notEqual(recovered, key.address, `byte ${index}`);
  }
  const otherV = sig.slice();
  otherV[64] = otherV[64] === 27 ? 28 : 27;
  assert.notEqual(recoverAddress(digests[2], otherV), key.address);
});

Deno.test("malformed signatures are refused as SignatureMalformed", () => {
  const sig = keys[2].sign(digests[1]);
  assert.throws(
    () => parseEcdsaSignature(sig.subarray(0, 64)),
    isSignatureError("SignatureMalformed"),
  );
  assert.throws(
    () => parseEcdsaSignature(new Uint8Array([...sig, 0])),
    isSignatureError("SignatureMalformed"),
  );
  for (const v of [2, 26, 29, 30, 255]) {
    const bad = sig.slice();
    bad[64] = v;
    assert.throws(() => recoverAddress(digests[1], bad), isSignatureError("SignatureMalformed"));
  }
  const zeroR = sig.slice();
  zeroR.fill(0, 0, 32);
  assert.throws(() => recoverAddress(digests[1], zeroR), isSignatureError("SignatureMalformed"));
  const bigS = sig.slice();
  bigS.set(bigIntToBytes(N), 32);
  assert.throws(() => recoverAddress(digests[1], bigS), isSignatureError("SignatureMalformed"));
});

Deno.test("the high-s twin of a valid signature is refused, though libsecp256k1 recovers it", () => {
  const key = keys[1];
  const sig = key.sign(digests[0]);
  const twin = sig.slice();
  twin.set(bigIntToBytes(N - bytesToBigInt(sig.subarray(32, 64))), 32);
  twin[64] = sig[64] === 27 ? 28 : 27;
  // The twin is mathematically valid for the same key…
  assert.deepEqual(
    tiny.recover(digests[0], twin.subarray(0, 64), (twin[64] - 27) as 0 | 1, false),
    key.publicKey,
  );
  // …but malleable, so we (like OpenZeppelin's ECDSA.tryRecover on chain) refuse it.
  assert.throws(() => recoverAddress(digests[0], twin), isSignatureError("SignatureMalformed"));
});

Deno.test("invalid private keys and digests are RangeErrors that do not echo the key", () => {
  const zero = "0x" + "00".repeat(32);
  const order = `0x${N.toString(16)}`;
  for (const hex of [zero, order, "0x1234", "0x" + "zz".repeat(32)]) {
    assert.throws(
      () => EcdsaKey.fromHex(hex),
      (e: unknown) => e instanceof RangeError && !e.message.includes(hex.slice(2)),
    );
  }
  assert.throws(() => keys[0].sign(new Uint8Array(31)), RangeError);
  assert.throws(() => recoverAddress(new Uint8Array(33), keys[0].sign(digests[0])), RangeError);
});

Deno.test("a key shows only its address when logged or serialised", () => {
  const secretHex = "7a28b5ba57c53603b0b07b56bba752f7784bf506fa95edc395f5cf6c7514fe9d";
  const key = EcdsaKey.fromHex(secretHex);
  assert.ok(!Deno.inspect(key).includes(secretHex));
  assert.ok(Deno.inspect(key).includes(key.address));
  assert.equal(JSON.stringify(key), JSON.stringify({ address: key.address }));
});

Deno.test("sameAddress ignores case and refuses non-addresses", () => {
  assert.ok(
    sameAddress(
      "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf",
      "0x7e5f4552091a69125d5dfcb7b8c2659029395bdf",
    ),
  );
  assert.ok(
    !sameAddress(
      "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf",
      "0x7E5F4552091A69125d5DfCb7b8C2659029395Bd0",
    ),
  );
  assert.ok(
    !sameAddress(
      "7e5f4552091a69125d5dfcb7b8c2659029395bdf",
      "7e5f4552091a69125d5dfcb7b8c2659029395bdf",
    ),
  );
});
