import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { bigIntToBytes, bytesToHex } from "./_bytes.ts";
import { Bn254Key } from "./bn254.ts";
import { EcdsaKey } from "./ecdsa.ts";
import { encryptEip2335Keystore } from "./eip2335_keystore.ts";
import { KeystoreError } from "./errors.ts";
import { loadBn254Keystore, loadEcdsaKeystore } from "./keystore.ts";
import { encryptWeb3Keystore } from "./web3_keystore.ts";

// eigensdk-go crypto/utils/test_data: bls_keys/keys/1.bls.key.json, written by
// KeyPair.SaveToFile, with line 1 of password.txt and of private_key_hex.txt (decimal there).
const EIGENSDK_BLS_KEYSTORE = JSON.stringify({
  pubKey:
    "E([20770760626397288647989719952430268435412940027317835986854114355284449304367,14860742301798284656486681596150725088757741265286915113692865360170725264111])",
  crypto: {
    cipher: "aes-128-ctr",
    ciphertext: "0fb5c298c1783ac3ed388f513c4cf7e5cc9b6f12df4d931949801b02012c9bdc",
    cipherparams: { iv: "ebe125ef3babb65e5cc6651decae2f88" },
    kdf: "scrypt",
    kdfparams: {
      dklen: 32,
      n: 262144,
      p: 1,
      r: 8,
      salt: "e14f75b96c13aa124f063eb48c4ce4abb2d8560d44dc40da01d9c8afc048325f",
    },
    mac: "7efcdf55ff520c228f34b4a5e9e3a0417defc831ea441b925045d3a0f89aaaff",
  },
});
const EIGENSDK_BLS_PASSWORD = "f3?T0pFhPFKG=SJ^No0<";
const EIGENSDK_BLS_SCALAR =
  2695733600625131346122864983303466385927445828993184612262398097053003827945n;

// eigensdk-go crypto/utils/test_data/ecdsa_keys: keys/1.ecdsa.key.json, line 1 of the lists.
const EIGENSDK_ECDSA_KEYSTORE = JSON.stringify({
  address: "36cacfc85697f462fd755995d2b689f458a0db64",
  crypto: {
    cipher: "aes-128-ctr",
    ciphertext: "b3ea1639651eb83e3383b3b642e660c65c54b512b1f08a03d0d1ffc040ed8adb",
    cipherparams: { iv: "2c67bf1eaf194bcfa6abf4d2352bef39" },
    kdf: "scrypt",
    kdfparams: {
      dklen: 32,
      n: 262144,
      p: 1,
      r: 8,
      salt: "413ddd05d7668c9b2a818e8af894aaaea3ceeee5f0c632f004481141d77f1967",
    },
    mac: "226de9d821e506d05979a469139439467982e384e5bb4e09e13230c90817f8c9",
  },
  id: "6db0cfb6-6438-43c0-a2f8-5dace3ab2cd2",
  version: 3,
});
const EIGENSDK_ECDSA_PASSWORD = "TV/2%P?|_l[Dr*]Q8^d+";
const EIGENSDK_ECDSA_KEY = "0x64540125e6bf2ade614af37e7c644eb0c75ad1e64e54f84843bce49cd164dcbb";

const FAST = { n: 1024, r: 8, p: 1 };
const SCALAR = 0x00ab_cdef_0123_4567_89ab_cdef_0123_4567_89ab_cdef_0123_4567_89ab_cdef_0123n;

function keystoreError(reason: string, message?: RegExp) {
  return (e: unknown) =>
    e instanceof KeystoreError && e.reason === reason && (message?.test(e.message) ?? true);
}

/** Writes `content` to key.json in a fresh temporary directory, removed after `use`. */
async function withTempFile(content: string, use: (path: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "signing-keystore-" });
  try {
    const path = join(dir, "key.json");
    await Deno.writeTextFile(path, content);
    await use(path);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("eigensdk-go's BLS test keystore: the secret is the big-endian scalar", async () => {
  const key = await loadBn254Keystore({ keystore: EIGENSDK_BLS_KEYSTORE }, EIGENSDK_BLS_PASSWORD);
  assert.equal(
    bytesToHex(key.publicKeyG1),
    bytesToHex(Bn254Key.fromScalar(EIGENSDK_BLS_SCALAR).publicKeyG1),
  );
});

Deno.test("eigensdk-go's ECDSA test keystore loads the listed key and checks its address", async () => {
  await withTempFile(EIGENSDK_ECDSA_KEYSTORE, async (path) => {
    const key = await loadEcdsaKeystore({ keystoreFile: path }, EIGENSDK_ECDSA_PASSWORD);
    assert.equal(key.address, EcdsaKey.fromHex(EIGENSDK_ECDSA_KEY).address);
    assert.equal(key.address.toLowerCase(), "0x36cacfc85697f462fd755995d2b689f458a0db64");
  });
});

Deno.test("relative keystore paths resolve against baseDir; errors name the file", async () => {
  await withTempFile(EIGENSDK_BLS_KEYSTORE, async (path) => {
    const key = await loadBn254Keystore({ keystoreFile: "key.json" }, EIGENSDK_BLS_PASSWORD, {
      baseDir: dirname(path),
    });
    const expected = Bn254Key.fromScalar(EIGENSDK_BLS_SCALAR);
    assert.equal(bytesToHex(key.publicKeyG1), bytesToHex(expected.publicKeyG1));
    await assert.rejects(
      loadBn254Keystore({ keystoreFile: path }, "wrong"),
      (e: unknown) =>
        e instanceof KeystoreError && e.reason === "WrongPassword" &&
        e.message === `Cannot decrypt keystore ${path}: wrong password (MAC mismatch)`,
    );
    await assert.rejects(
      loadBn254Keystore({ keystoreFile: join(dirname(path), "missing.json") }, "pw"),
      keystoreError("KeystoreUnreadable", /^Cannot read keystore .*missing\.json/),
    );
  });
});

Deno.test("Hourglass EIP-2335 BN254 keystores (short big-endian secret, G2 pubkey) load", async () => {
  const expected = Bn254Key.fromScalar(SCALAR);
  // crypto-libs stores big.Int.Bytes(): no leading zero byte, so 31 bytes here.
  const secret = bigIntToBytes(SCALAR).subarray(1);
  const doc = await encryptEip2335Keystore(secret, "pw", {
    scrypt: FAST,
    pubkey: bytesToHex(expected.publicKeyG2, false),
    curveType: "bn254",
  });
  const key = await loadBn254Keystore({ keystore: JSON.stringify(doc) }, "pw");
  assert.equal(bytesToHex(key.publicKeyG2), bytesToHex(expected.publicKeyG2));
});

Deno.test("Hourglass legacy (v3 crypto, publicKey, curveType) BN254 keystores load", async () => {
  const expected = Bn254Key.fromScalar(SCALAR);
  const doc = await encryptWeb3Keystore(bigIntToBytes(SCALAR), "pw", {
    scrypt: FAST,
    extra: { publicKey: bytesToHex(expected.publicKeyG2, false), curveType: "bn254" },
  });
  const key = await loadBn254Keystore({ keystore: JSON.stringify(doc) }, "pw");
  assert.equal(bytesToHex(key.publicKeyG1), bytesToHex(expected.publicKeyG1));
});

Deno.test("a keystore whose recorded public key or curve does not fit is refused", async () => {
  const secret = bigIntToBytes(SCALAR);
  const other = Bn254Key.fromScalar(SCALAR + 1n);
  const cases: [Record<string, unknown>, string, RegExp][] = [
    [
      { pubkey: bytesToHex(other.publicKeyG2, false) },
      "KeyMismatch",
      /does not match the keystore's pubkey/,
    ],
    [{ pubkey: "ab".repeat(48) }, "KeystoreUnsupported", /BLS12-381/],
    [{ curveType: "bls381" }, "KeystoreUnsupported", /curveType is "bls381"/],
  ];
  for (const [fields, reason, message] of cases) {
    const doc = { ...(await encryptEip2335Keystore(secret, "pw", { scrypt: FAST })), ...fields };
    await assert.rejects(
      loadBn254Keystore({ keystore: JSON.stringify(doc) }, "pw"),
      keystoreError(reason, message),
    );
  }
  const wrongG1 = await encryptWeb3Keystore(secret, "pw", {
    scrypt: FAST,
    extra: { pubKey: "E([1,2])" },
  });
  await assert.rejects(
    loadBn254Keystore({ keystore: JSON.stringify(wrongG1) }, "pw"),
    keystoreError("KeyMismatch", /pubKey/),
  );
});

Deno.test("a secret that is not a ≤32-byte scalar (e.g. a decimal string) is refused", async () => {
  const decimal = new TextEncoder().encode(SCALAR.toString(10));
  const doc = await encryptWeb3Keystore(decimal, "pw", { scrypt: FAST });
  await assert.rejects(
    loadBn254Keystore({ keystore: JSON.stringify(doc) }, "pw", { label: "bls.keystore" }),
    keystoreError(
      "KeyInvalid",
      /^Cannot load BN254 key from keystore bls\.keystore: .*\(\d+ bytes\)/,
    ),
  );
});

Deno.test("ECDSA keystores: address mismatch and EIP-2335 input are refused", async () => {
  const secret = crypto.getRandomValues(new Uint8Array(32));
  const doc = await encryptWeb3Keystore(secret, "pw", {
    scrypt: FAST,
    extra: { address: "36cacfc85697f462fd755995d2b689f458a0db64" },
  });
  await assert.rejects(
    loadEcdsaKeystore({ keystore: JSON.stringify(doc) }, "pw"),
    keystoreError("KeyMismatch", /differs from the keystore's/),
  );
  const eip2335 = await encryptEip2335Keystore(secret, "pw", { scrypt: FAST });
  await assert.rejects(
    loadEcdsaKeystore({ keystore: JSON.stringify(eip2335) }, "pw"),
    keystoreError("KeystoreUnsupported"),
  );
});

Deno.test("text that is not JSON is refused without being echoed", async () => {
  const pasted = "0x64540125e6bf2ade614af37e7c644eb0c75ad1e64e54f84843bce49cd164dcbb";
  for (const text of [pasted, "[]", "null"]) {
    await assert.rejects(
      loadEcdsaKeystore({ keystore: text }, "pw", { label: "ecdsa.keystore" }),
      (e: unknown) =>
        e instanceof KeystoreError && e.reason === "KeystoreMalformed" &&
        e.message.startsWith("Cannot parse keystore ecdsa.keystore") &&
        !e.message.includes(pasted.slice(2, 20)) && e.cause === undefined,
    );
  }
});
