import assert from "node:assert/strict";
import { bytesToHex, hexToBytes } from "./_bytes.ts";
import {
  decryptEip2335Keystore,
  eip2335Password,
  encryptEip2335Keystore,
  isEip2335Keystore,
} from "./eip2335_keystore.ts";
import { KeystoreError } from "./errors.ts";

// EIP-2335 "Test Cases": password 𝔱𝔢𝔰𝔱𝔭𝔞𝔰𝔰𝔴𝔬𝔯𝔡🔑 (NFKD: "testpassword🔑"),
// secret 0x000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f.
const PASSWORD = "𝔱𝔢𝔰𝔱𝔭𝔞𝔰𝔰𝔴𝔬𝔯𝔡🔑";
const SECRET = "0x000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f";
const SALT = "d4e56740f876aef8c010b86a40d5f56745a118d0906a34e69aec8c0db1cb8fa3";
const IV = "264daa3f303d7259501c93d997d84fe6";

function vector(kdf: "scrypt" | "pbkdf2") {
  const params = kdf === "scrypt"
    ? { dklen: 32, n: 262144, p: 1, r: 8, salt: SALT }
    : { dklen: 32, c: 262144, prf: "hmac-sha256", salt: SALT };
  const [checksum, message] = kdf === "scrypt"
    ? [
      "d2217fe5f3e9a1e34581ef8a78f7c9928e436d36dacc5e846690a5581e8ea484",
      "06ae90d55fe0a6e9c5c3bc5b170827b2e5cce3929ed3f116c2811e6366dfe20f",
    ]
    : [
      "8a9f5d9912ed7e75ea794bc5a89bca5f193721d30868ade6f73043c6ea6febf1",
      "cee03fde2af33149775b7223e7845e4fb2c8ae1792e5f99fe9ecf474cc8c16ad",
    ];
  return {
    crypto: {
      kdf: { function: kdf, params, message: "" },
      checksum: { function: "sha256", params: {}, message: checksum },
      cipher: { function: "aes-128-ctr", params: { iv: IV }, message },
    },
    pubkey:
      "9612d7a727c9d0a22e185a1c768478dfe919cada9266988cb32359c11f2b7b27f4ae4040902382ae2910c15e2b420d07",
    path: "m/12381/60/0/0",
    uuid: "1d85ae20-35c5-4611-98e8-aa14a633906f",
    version: 4,
  };
}

Deno.test("EIP-2335 password processing: NFKD, control codes removed", () => {
  assert.equal(bytesToHex(eip2335Password(PASSWORD)), "0x7465737470617373776f7264f09f9491");
  assert.deepEqual(eip2335Password("te\u0000st\u007f\u0085\u001f"), eip2335Password("test"));
});

Deno.test("the EIP-2335 scrypt and PBKDF2 test keystores decrypt to the listed secret", async () => {
  for (const kdf of ["scrypt", "pbkdf2"] as const) {
    const doc = vector(kdf);
    assert.ok(isEip2335Keystore(doc));
    assert.equal(bytesToHex(await decryptEip2335Keystore(doc, PASSWORD)), SECRET, kdf);
  }
});

Deno.test("encrypting with the EIP-2335 salt and iv reproduces its checksum and ciphertext", async () => {
  for (const kdf of ["scrypt", "pbkdf2"] as const) {
    const doc = await encryptEip2335Keystore(hexToBytes(SECRET, "secret"), PASSWORD, {
      kdf,
      salt: hexToBytes(SALT, "salt"),
      iv: hexToBytes(IV, "iv"),
    });
    assert.deepEqual(doc.crypto, vector(kdf).crypto, kdf);
  }
});

Deno.test("a wrong EIP-2335 password fails the checksum with a clear message", async () => {
  await assert.rejects(
    decryptEip2335Keystore(vector("pbkdf2"), "testpassword", { source: "bls.json" }),
    (e: unknown) =>
      e instanceof KeystoreError && e.reason === "WrongPassword" &&
      e.message === "Cannot decrypt keystore bls.json: wrong password (checksum mismatch)",
  );
});

Deno.test("EIP-2335 round trip and refusal of a v3 document", async () => {
  const secret = crypto.getRandomValues(new Uint8Array(31));
  const doc = await encryptEip2335Keystore(secret, "pw", { scrypt: { n: 1024, r: 8, p: 1 } });
  assert.deepEqual(await decryptEip2335Keystore(JSON.parse(JSON.stringify(doc)), "pw"), secret);
  await assert.rejects(
    decryptEip2335Keystore({ crypto: { kdf: "scrypt" } }, "pw"),
    (e: unknown) => e instanceof KeystoreError && e.reason === "KeystoreMalformed",
  );
  const badChecksum = {
    ...doc,
    crypto: { ...doc.crypto, checksum: { ...doc.crypto.checksum, function: "md5" } },
  };
  await assert.rejects(
    decryptEip2335Keystore(badChecksum, "pw"),
    (e: unknown) => e instanceof KeystoreError && e.reason === "KeystoreUnsupported",
  );
});
