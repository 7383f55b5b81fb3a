import assert from "node:assert/strict";
import { bytesToHex, hexToBytes } from "./_bytes.ts";
import { pbkdf2Key, scryptKey } from "./_kdf.ts";
import { KeystoreError } from "./errors.ts";
import { decryptWeb3Keystore, encryptWeb3Keystore } from "./web3_keystore.ts";

// Web3 Secret Storage Definition (ethereum.org), "Test vectors": password "testpassword",
// secret 7a28b5ba…fe9d, with the derived keys the definition lists as intermediates.
const SECRET = "0x7a28b5ba57c53603b0b07b56bba752f7784bf506fa95edc395f5cf6c7514fe9d";
const PBKDF2_VECTOR = {
  crypto: {
    cipher: "aes-128-ctr",
    cipherparams: { iv: "6087dab2f9fdbbfaddc31a909735c1e6" },
    ciphertext: "5318b4d5bcd28de64ee5559e671353e16f075ecae9f99c7a79a38af5f869aa46",
    kdf: "pbkdf2",
    kdfparams: {
      c: 262144,
      dklen: 32,
      prf: "hmac-sha256",
      salt: "ae3cd4e7013836a3df6bd7241b12db061dbe2c6785853cce422d148a624ce0bd",
    },
    mac: "517ead924a9d0dc3124507e3393d175ce3ff7c1e96529c6c555ce9e51205e9b2",
  },
  id: "3198bc9c-6672-5ab3-d995-4942343ae5b6",
  version: 3,
};
const PBKDF2_DERIVED_KEY = "0xf06d69cdc7da0faffb1008270bca38f5e31891a3a773950e6d0fea48a7188551";
const SCRYPT_VECTOR = {
  crypto: {
    cipher: "aes-128-ctr",
    cipherparams: { iv: "83dbcc02d8ccb40e466191a123791e0e" },
    ciphertext: "d172bf743a674da9cdad04534d56926ef8358534d458fffccd4e6ad2fbde479c",
    kdf: "scrypt",
    kdfparams: {
      dklen: 32,
      n: 262144,
      p: 8,
      r: 1,
      salt: "ab0c7876052600dd703518d6fc3fe8984592145b591fc8fb5c6d43190334ba19",
    },
    mac: "2103ac29920d71da29f15d75b4a16dbe95cfd7ff8faea1056c33131d846e3097",
  },
  id: "3198bc9c-6672-5ab3-d995-4942343ae5b6",
  version: 3,
};
const SCRYPT_DERIVED_KEY = "0xfac192ceb5fd772906bea3e118a69e8bbb5cc24229e20d8766fd298291bba6bd";
const FAST = { n: 1024, r: 8, p: 1 };
const utf8 = (s: string) => new TextEncoder().encode(s);

function keystoreError(reason: string, message?: string | RegExp) {
  return (e: unknown) =>
    e instanceof KeystoreError && e.reason === reason &&
    (message === undefined ||
      (typeof message === "string" ? e.message === message : message.test(e.message)));
}

Deno.test("KDFs reproduce the definition's derived keys", async () => {
  const salt1 = hexToBytes(PBKDF2_VECTOR.crypto.kdfparams.salt, "salt");
  assert.equal(
    bytesToHex(await pbkdf2Key(utf8("testpassword"), salt1, 262144)),
    PBKDF2_DERIVED_KEY,
  );
  const salt2 = hexToBytes(SCRYPT_VECTOR.crypto.kdfparams.salt, "salt");
  assert.equal(
    bytesToHex(await scryptKey(utf8("testpassword"), salt2, { n: 262144, r: 1, p: 8 })),
    SCRYPT_DERIVED_KEY,
  );
});

Deno.test("the definition's PBKDF2 and scrypt keystores decrypt to the listed secret", async () => {
  for (const vector of [PBKDF2_VECTOR, SCRYPT_VECTOR]) {
    const secret = await decryptWeb3Keystore(vector, "testpassword");
    assert.equal(bytesToHex(secret), SECRET, vector.crypto.kdf);
  }
});

Deno.test("encrypting with the definition's salt and iv reproduces its ciphertext and MAC", async () => {
  const pbkdf2 = await encryptWeb3Keystore(hexToBytes(SECRET, "secret"), "testpassword", {
    kdf: "pbkdf2",
    salt: hexToBytes(PBKDF2_VECTOR.crypto.kdfparams.salt, "salt"),
    iv: hexToBytes(PBKDF2_VECTOR.crypto.cipherparams.iv, "iv"),
  });
  assert.deepEqual(pbkdf2.crypto, PBKDF2_VECTOR.crypto);
  const scrypt = await encryptWeb3Keystore(hexToBytes(SECRET, "secret"), "testpassword", {
    scrypt: { n: 262144, r: 1, p: 8 },
    salt: hexToBytes(SCRYPT_VECTOR.crypto.kdfparams.salt, "salt"),
    iv: hexToBytes(SCRYPT_VECTOR.crypto.cipherparams.iv, "iv"),
  });
  assert.deepEqual(scrypt.crypto, SCRYPT_VECTOR.crypto);
});

Deno.test("encrypt → decrypt round-trips with random salt and iv, any password", async () => {
  for (const password of ["", "pässwörd 🔑", "x".repeat(200)]) {
    const secret = crypto.getRandomValues(new Uint8Array(32));
    const keystore = await encryptWeb3Keystore(secret, password, { scrypt: FAST });
    assert.notEqual(keystore.crypto.ciphertext, bytesToHex(secret, false));
    assert.deepEqual(
      await decryptWeb3Keystore(JSON.parse(JSON.stringify(keystore)), password),
      secret,
    );
  }
});

Deno.test("a wrong password is a clear WrongPassword error that does not echo the password", async () => {
  await assert.rejects(
    decryptWeb3Keystore(PBKDF2_VECTOR, "hunter2-wrong", { source: "/keys/operator.json" }),
    keystoreError(
      "WrongPassword",
      "Cannot decrypt keystore /keys/operator.json: wrong password (MAC mismatch)",
    ),
  );
});

Deno.test("early MyEtherWallet files with a capitalised Crypto section decrypt", async () => {
  const { crypto: section, ...rest } = PBKDF2_VECTOR;
  assert.equal(
    bytesToHex(await decryptWeb3Keystore({ ...rest, Crypto: section }, "testpassword")),
    SECRET,
  );
});

Deno.test("malformed or unsupported keystores are refused before any KDF work", async () => {
  const base = PBKDF2_VECTOR.crypto;
  const cases: [unknown, string, RegExp][] = [
    [{}, "KeystoreMalformed", /no crypto\.kdf/],
    [null, "KeystoreMalformed", /no crypto\.kdf/],
    [{ crypto: { ...base, cipher: "aes-128-cbc" } }, "KeystoreUnsupported", /only aes-128-ctr/],
    [{ crypto: { ...base, kdf: "argon2" } }, "KeystoreUnsupported", /KDF "argon2"/],
    [
      { crypto: { ...base, kdfparams: { ...base.kdfparams, prf: "hmac-sha512" } } },
      "KeystoreUnsupported",
      /prf/,
    ],
    [
      { crypto: { ...base, kdfparams: { ...base.kdfparams, dklen: 16 } } },
      "KeystoreUnsupported",
      /dklen/,
    ],
    [
      { crypto: { ...base, kdfparams: { ...base.kdfparams, c: 1e9 } } },
      "KeystoreMalformed",
      /PBKDF2 c/,
    ],
    [
      { crypto: { ...base, cipherparams: { iv: "00" } } },
      "KeystoreMalformed",
      /iv must be 16 bytes/,
    ],
    [{ crypto: { ...base, mac: "zz" } }, "KeystoreMalformed", /mac must be/],
    [
      {
        crypto: {
          ...base,
          kdf: "scrypt",
          kdfparams: { dklen: 32, n: 1000, r: 8, p: 1, salt: "00" },
        },
      },
      "KeystoreMalformed",
      /power of two/,
    ],
    [
      {
        crypto: {
          ...base,
          kdf: "scrypt",
          kdfparams: { dklen: 32, n: 2 ** 30, r: 8, p: 1, salt: "00" },
        },
      },
      "KeystoreUnsupported",
      /1 GiB/,
    ],
  ];
  for (const [doc, reason, message] of cases) {
    await assert.rejects(decryptWeb3Keystore(doc, "testpassword"), keystoreError(reason, message));
  }
});
