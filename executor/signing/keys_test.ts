import assert from "node:assert/strict";
import { join } from "node:path";
import { bigIntToBytes, bytesToHex, concatBytes, hexToBytes } from "./_bytes.ts";
import { Bn254Key } from "./bn254.ts";
import { taskSubmissionDigest } from "./digests.ts";
import type { TaskSubmissionFields } from "./digests.ts";
import { EcdsaKey } from "./ecdsa.ts";
import { encryptEip2335Keystore } from "./eip2335_keystore.ts";
import { KeystoreError, SignatureError } from "./errors.ts";
import { checkAggregatorKeys, loadSigningKeys, verifyAggregatorSignature } from "./keys.ts";
import type { SigningKeysConfig, TrustedAggregatorConfig } from "./keys.ts";
import { encryptWeb3Keystore } from "./web3_keystore.ts";

const FAST = { n: 1024, r: 8, p: 1 };
const ECDSA_HEX = "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318";
const aggregatorEcdsa = EcdsaKey.fromHex(
  "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
);
const aggregatorBls = Bn254Key.fromScalar(0x5eed_ba5e_0123_4567_89ab_cdefn);
const aggregator: TrustedAggregatorConfig = {
  address: aggregatorEcdsa.address.toLowerCase(),
  blsPublicKey: bytesToHex(aggregatorBls.publicKeyG2, false),
};
const TASK: TaskSubmissionFields = {
  taskId: "0x" + "ab".repeat(32),
  avsAddress: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
  executorAddress: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
  operatorSetId: 0,
  referenceTimestamp: 1_717_171_717,
  taskBlockNumber: "42",
  payload: new Uint8Array([1, 2, 3]),
};
const digest = taskSubmissionDigest(TASK);

function signatureError(reason: string) {
  return (e: unknown) => e instanceof SignatureError && e.reason === reason;
}

Deno.test("loadSigningKeys: inline ECDSA key and inline EIP-2335 BLS keystore", async () => {
  const bls = Bn254Key.fromScalar(123456789n);
  const keystore = await encryptEip2335Keystore(bigIntToBytes(123456789n), "bls-pw", {
    scrypt: FAST,
    pubkey: bytesToHex(bls.publicKeyG2, false),
    curveType: "bn254",
  });
  const config: SigningKeysConfig = {
    ecdsa: { privateKey: ECDSA_HEX },
    bls: { keystore: JSON.stringify(keystore), password: "bls-pw" },
  };
  const keys = await loadSigningKeys(config);
  assert.equal(keys.ecdsa?.address, EcdsaKey.fromHex(ECDSA_HEX).address);
  assert.equal(
    bytesToHex(keys.bn254?.publicKeyG2 ?? new Uint8Array()),
    bytesToHex(bls.publicKeyG2),
  );
});

Deno.test("loadSigningKeys: keystore files resolved against baseDir", async () => {
  const dir = await Deno.makeTempDir({ prefix: "signing-keys-" });
  try {
    const ecdsa = await encryptWeb3Keystore(hexToBytes(ECDSA_HEX, "key"), "e", { scrypt: FAST });
    await Deno.writeTextFile(join(dir, "ecdsa.json"), JSON.stringify(ecdsa));
    const bls = await encryptWeb3Keystore(bigIntToBytes(99n), "b", { scrypt: FAST });
    await Deno.writeTextFile(join(dir, "bls.json"), JSON.stringify(bls));
    const keys = await loadSigningKeys({
      ecdsa: { keystoreFile: "ecdsa.json", password: "e" },
      bls: { keystoreFile: "bls.json", password: "b" },
    }, { baseDir: dir });
    assert.equal(keys.ecdsa?.address, EcdsaKey.fromHex(ECDSA_HEX).address);
    assert.equal(
      bytesToHex(keys.bn254?.publicKeyG1 ?? new Uint8Array()),
      bytesToHex(Bn254Key.fromScalar(99n).publicKeyG1),
    );
    const onlyEcdsa = await loadSigningKeys({
      ecdsa: { keystoreFile: join(dir, "ecdsa.json"), password: "e" },
    });
    assert.equal(onlyEcdsa.bn254, undefined);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadSigningKeys: an invalid inline key is a KeyInvalid error without the key", async () => {
  const zero = "0x" + "00".repeat(32);
  await assert.rejects(
    loadSigningKeys({ ecdsa: { privateKey: zero } }),
    (e: unknown) =>
      e instanceof KeystoreError && e.reason === "KeyInvalid" &&
      !e.message.includes("0".repeat(64)),
  );
  await assert.rejects(
    loadSigningKeys({ bls: { keystore: "{}", password: "x" } }),
    (e: unknown) =>
      e instanceof KeystoreError && e.message.includes("operator.signingKeys.bls.keystore"),
  );
});

Deno.test("verifyAggregatorSignature accepts the aggregator's ECDSA and BN254 signatures", () => {
  const ecdsa = verifyAggregatorSignature(digest, aggregatorEcdsa.sign(digest), aggregator);
  assert.deepEqual(ecdsa, { scheme: "ecdsa", signer: aggregatorEcdsa.address });
  const bn254 = verifyAggregatorSignature(digest, aggregatorBls.signStandard(digest), aggregator);
  assert.deepEqual(bn254, { scheme: "bn254", publicKey: bytesToHex(aggregatorBls.publicKeyG2) });
  // Keys given with 0x and mixed-case addresses work the same.
  const prefixed = {
    address: aggregatorEcdsa.address,
    blsPublicKey: `0x${aggregator.blsPublicKey}`,
  };
  assert.equal(
    verifyAggregatorSignature(digest, aggregatorBls.signStandard(digest), prefixed).scheme,
    "bn254",
  );
  // v as go-ethereum's raw 0/1 is accepted too.
  const raw = aggregatorEcdsa.sign(digest);
  raw[64] -= 27;
  assert.equal(verifyAggregatorSignature(digest, raw, aggregator).scheme, "ecdsa");
});

Deno.test("verifyAggregatorSignature refuses other signers and tampered tasks", () => {
  const stranger = EcdsaKey.fromHex(ECDSA_HEX);
  assert.throws(
    () => verifyAggregatorSignature(digest, stranger.sign(digest), aggregator),
    signatureError("SignatureInvalid"),
  );
  const strangerBls = Bn254Key.fromScalar(777n);
  assert.throws(
    () => verifyAggregatorSignature(digest, strangerBls.signStandard(digest), aggregator),
    signatureError("SignatureInvalid"),
  );
  // The Solidity-compatible map is for result signatures only: a task signed that way is refused.
  assert.throws(
    () => verifyAggregatorSignature(digest, aggregatorBls.sign(digest), aggregator),
    signatureError("SignatureInvalid"),
  );
  const tampered = taskSubmissionDigest({ ...TASK, payload: new Uint8Array([1, 2, 4]) });
  for (const signature of [aggregatorEcdsa.sign(digest), aggregatorBls.signStandard(digest)]) {
    assert.throws(
      () => verifyAggregatorSignature(tampered, signature, aggregator),
      signatureError("SignatureInvalid"),
    );
  }
});

Deno.test("verifyAggregatorSignature refuses garbage as SignatureMalformed", () => {
  const garbage = [
    new Uint8Array(0),
    new Uint8Array(1),
    new Uint8Array(63),
    new Uint8Array(66),
    new Uint8Array(96),
    new Uint8Array(65).fill(0x11), // v = 17
    new Uint8Array(65).fill(0xff), // r ≥ n
    new Uint8Array(64).fill(0x11), // not a curve point
    new Uint8Array(64), // point at infinity
  ];
  for (const signature of garbage) {
    assert.throws(
      () => verifyAggregatorSignature(digest, signature, aggregator),
      signatureError("SignatureMalformed"),
      `${signature.length} bytes`,
    );
  }
  assert.throws(
    () => verifyAggregatorSignature(digest, "sig" as unknown as Uint8Array, aggregator),
    signatureError("SignatureMalformed"),
  );
});

Deno.test("a BN254 signature needs a usable blsPublicKey on the aggregator entry", () => {
  const sig = aggregatorBls.signStandard(digest);
  assert.throws(
    () => verifyAggregatorSignature(digest, sig, { address: aggregator.address }),
    signatureError("AggregatorKeyMissing"),
  );
  const p = aggregatorBls.publicKey.point;
  const c0First = bytesToHex(
    concatBytes(...[p.x.c0, p.x.c1, p.y.c0, p.y.c1].map((v) => bigIntToBytes(v))),
    false,
  );
  assert.throws(
    () => verifyAggregatorSignature(digest, sig, { ...aggregator, blsPublicKey: c0First }),
    signatureError("AggregatorKeyInvalid"),
  );
});

Deno.test("checkAggregatorKeys reports a bad key with its config path", () => {
  checkAggregatorKeys([aggregator, { address: aggregator.address }]);
  assert.throws(
    () =>
      checkAggregatorKeys(
        [aggregator, { ...aggregator, blsPublicKey: "00".repeat(128) }],
        "avsPerformers[0].aggregators",
      ),
    (e: unknown) =>
      e instanceof SignatureError && e.reason === "AggregatorKeyInvalid" &&
      e.message.startsWith("avsPerformers[0].aggregators[1].blsPublicKey: "),
  );
});
