/**
 * The reference Go code decides: our signing module against crypto-libs v0.0.4, gnark-crypto
 * v0.17.0 and the Ponos encoders themselves (tests/go/crypto_vectors, built from the Go module
 * proxy on first use by tests/fixture/go_crypto.ts), with random keys and messages plus edge
 * cases:
 * - hash-to-G1, both maps, and public keys are equal point for point;
 * - signatures are byte-identical (BN254 and RFC 6979 ECDSA are deterministic) and each side
 *   accepts the other's, while tampered ones are refused by both;
 * - our auth, task-submission and management-auth digests hash exactly the reference's bytes,
 *   and whole auth / submission / management signatures equal what a Ponos executor, aggregator
 *   or hgctl would send.
 * Where the reference is more lenient than we are on purpose (high-s ECDSA, gnark's compressed
 * BN254 encodings), a test pins both behaviours down.
 *
 * Inputs come from a seeded generator; a failure names the seed (`CROSSCHECK_SEED=<n>` replays it)
 * and the case. Needs Go, not the cluster: `deno test -A tests/signing_crosscheck_test.ts`.
 */

import { seededRandom } from "./fixture/seeded_random.ts";
import assert from "node:assert/strict";
import {
  bigIntToBytes,
  bytesToBigInt,
  bytesToHex,
  concatBytes,
} from "../executor/signing/_bytes.ts";
import {
  Bn254Key,
  decodeG1,
  encodeG1,
  FP_MODULUS,
  FR_MODULUS,
  hashToG1,
  hashToG1Standard,
  mapToCurveSvdw,
  STANDARD_DST,
  verifyBn254,
  verifyBn254Standard,
} from "../executor/signing/bn254.ts";
import {
  authDigest,
  type AuthFields,
  taskSubmissionDigest,
  type TaskSubmissionFields,
} from "../executor/signing/digests.ts";
import { EcdsaKey, recoverAddress, toChecksumAddress } from "../executor/signing/ecdsa.ts";
import { SignatureError } from "../executor/signing/errors.ts";
import { keccak256 } from "../executor/signing/keccak.ts";
import {
  CRYPTO_LIBS_VERSION,
  GNARK_CRYPTO_VERSION,
  GoCrypto,
  GoCryptoError,
  type GoScheme,
  PONOS_VERSION,
} from "./fixture/go_crypto.ts";

// One oracle process for the whole file, so the sanitizers cannot own it per test.
const opts = { sanitizeOps: false, sanitizeResources: false };
const SEED = Number(Deno.env.get("CROSSCHECK_SEED") ?? Date.now() % 2 ** 31);
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const UINT32_MAX = 2 ** 32 - 1;
const UINT64_MAX = 2n ** 64n - 1n;
const utf8 = (s: string) => new TextEncoder().encode(s);

const random = seededRandom(SEED);
const randomInt = (n: number) => Math.floor(random() * n);
const randomBytes = (n: number) => Uint8Array.from({ length: n }, () => randomInt(256));
const randomBelow = (max: bigint) => bytesToBigInt(randomBytes(40)) % max;
const at = (what: string) => `seed ${SEED}, ${what}`;
const hex = (b: Uint8Array) => (b.length <= 96 ? bytesToHex(b) : `${b.length} bytes`);

let started: Promise<GoCrypto> | undefined;
/** The oracle, built and started on first use; it exits when this process closes its stdin. */
function oracle(): Promise<GoCrypto> {
  started ??= GoCrypto.start({ log: (line) => console.error(`[go-crypto] ${line}`) });
  return started;
}

/** BN254 private keys as 32 big-endian bytes: the extremes, then random scalars. */
function bn254Keys(count: number): Uint8Array[] {
  const scalars = [1n, 2n, FR_MODULUS - 1n];
  while (scalars.length < count) scalars.push(1n + randomBelow(FR_MODULUS - 1n));
  return scalars.map((s) => bigIntToBytes(s));
}

/** secp256k1 private keys as 32 bytes: the extremes, then random ones. */
function ecdsaKeys(count: number): Uint8Array[] {
  const scalars = [1n, SECP256K1_N - 1n];
  while (scalars.length < count) scalars.push(1n + randomBelow(SECP256K1_N - 1n));
  return scalars.map((s) => bigIntToBytes(s));
}

/** Messages worth hashing: empty, word-sized, digest-like, large, random lengths. */
function messages(count: number): Uint8Array[] {
  const out = [
    new Uint8Array(0),
    new Uint8Array(32),
    new Uint8Array(32).fill(0xff),
    bigIntToBytes(FP_MODULUS),
    bigIntToBytes(FP_MODULUS - 1n),
    randomBytes(31),
    randomBytes(33),
    randomBytes(10 * 1024),
  ];
  while (out.length < count) {
    out.push(random() < 0.5 ? randomBytes(32) : randomBytes(randomInt(300)));
  }
  return out;
}

/** Whether our verifier refused: false, or a SignatureError (malformed or unrecoverable). */
function oursRefuses(verify: () => boolean): boolean {
  try {
    return !verify();
  } catch (e) {
    if (e instanceof SignatureError) return true;
    throw e;
  }
}

/** A random 0x address in the spellings callers use: lower case, EIP-55, upper case. */
function randomAddress(): string {
  const lower = bytesToHex(randomBytes(20));
  const spelling = randomInt(3);
  if (spelling === 0) return lower;
  if (spelling === 1) return toChecksumAddress(lower);
  return `0x${lower.slice(2).toUpperCase()}`;
}

function randomTaskId(): string {
  const id = bytesToHex(randomBytes(32));
  return random() < 0.5 ? id : `0x${id.slice(2).toUpperCase()}`;
}

const uint32Cases = () => [0, 1, UINT32_MAX, 2 ** 31, randomInt(UINT32_MAX + 1)];

Deno.test("the oracle links the reference versions", opts, async () => {
  const { go, modules } = await (await oracle()).versions();
  console.error(`[go-crypto] ${go}, crypto-libs ${modules["github.com/Layr-Labs/crypto-libs"]}`);
  assert.equal(modules["github.com/Layr-Labs/crypto-libs"], CRYPTO_LIBS_VERSION);
  assert.equal(modules["github.com/consensys/gnark-crypto"], GNARK_CRYPTO_VERSION);
  assert.equal(modules["github.com/Layr-Labs/hourglass-monorepo/ponos"], PONOS_VERSION);
});

Deno.test("hashToG1Standard equals gnark-crypto's bn254.HashToG1", opts, async () => {
  const go = await oracle();
  const cases: [Uint8Array, Uint8Array | undefined][] = messages(160).map((m) => [m, undefined]);
  cases.push([randomBytes(100 * 1024), undefined]);
  // Other tags: the shortest, the longest gnark allows, the hash-to-curve vectors' one, random.
  const ascii = (n: number) => Uint8Array.from({ length: n }, () => 0x21 + randomInt(94));
  for (
    const dst of [ascii(1), ascii(255), utf8("QUUX-V01-CS02-with-BN254G1_XMD:SHA-256_SVDW_RO_")]
  ) {
    cases.push([randomBytes(randomInt(100)), dst]);
  }
  for (let i = 0; i < 12; i++) cases.push([randomBytes(randomInt(100)), ascii(1 + randomInt(255))]);
  const theirs = await Promise.all(cases.map(([m, dst]) => go.hashToG1(m, dst)));
  cases.forEach(([message, dst], i) => {
    const what = at(`message ${hex(message)}, dst ${dst ? bytesToHex(dst) : "default"}`);
    assert.equal(bytesToHex(encodeG1(hashToG1Standard(message, dst))), bytesToHex(theirs[i]), what);
  });
  // The default tag is crypto-libs' (its hashToG1 passes it explicitly).
  const m = randomBytes(32);
  assert.equal(
    bytesToHex(await go.hashToG1(m)),
    bytesToHex(await go.hashToG1(m, STANDARD_DST)),
  );
});

Deno.test(
  "mapToCurveSvdw equals gnark-crypto's MapToCurve1, exceptional inputs too",
  opts,
  async () => {
    const go = await oracle();
    const half = (FP_MODULUS + 1n) / 2n; // u²·c1 = 1: tv1·tv2 = 0, the inv0 case
    const us = [0n, 1n, 2n, half, FP_MODULUS - half, (FP_MODULUS - 1n) / 2n, FP_MODULUS - 1n];
    while (us.length < 60) us.push(randomBelow(FP_MODULUS));
    const theirs = await Promise.all(us.map((u) => go.mapToG1(bigIntToBytes(u))));
    us.forEach((u, i) => {
      assert.equal(bytesToHex(encodeG1(mapToCurveSvdw(u))), bytesToHex(theirs[i]), at(`u = ${u}`));
    });
  },
);

Deno.test("hashToG1 (Solidity) equals crypto-libs' SolidityHashToG1", opts, async () => {
  const go = await oracle();
  const digests = messages(120).filter((m) => m.length === 32);
  for (const v of [FP_MODULUS + 1n, 2n ** 256n - 1n, 3n]) digests.push(bigIntToBytes(v));
  while (digests.length < 100) digests.push(randomBytes(32));
  const theirs = await Promise.all(digests.map((d) => go.solidityHashToG1(d)));
  digests.forEach((d, i) => {
    assert.equal(bytesToHex(encodeG1(hashToG1(d))), bytesToHex(theirs[i]), at(`digest ${hex(d)}`));
  });
});

Deno.test(
  "public keys equal crypto-libs' (BN254 G1 and G2 bytes, ECDSA key and address)",
  opts,
  async () => {
    const go = await oracle();
    for (const sk of bn254Keys(30)) {
      const ours = Bn254Key.fromBytes(sk);
      const theirs = await go.publicKeys("bn254", sk);
      assert.equal(bytesToHex(ours.publicKeyG1), bytesToHex(theirs.g1), at(`BN254 key ${hex(sk)}`));
      assert.equal(bytesToHex(ours.publicKeyG2), bytesToHex(theirs.g2), at(`BN254 key ${hex(sk)}`));
    }
    for (const sk of ecdsaKeys(30)) {
      const ours = EcdsaKey.fromBytes(sk);
      const theirs = await go.publicKeys("ecdsa", sk);
      assert.equal(ours.address, theirs.address, at(`ECDSA key ${hex(sk)}`));
      assert.equal(bytesToHex(ours.publicKey), bytesToHex(theirs.publicKey), at(`key ${hex(sk)}`));
    }
  },
);

Deno.test(
  "BN254 standard signatures equal crypto-libs' Sign and verify both ways",
  opts,
  async () => {
    const go = await oracle();
    const keys = bn254Keys(16);
    const msgs = messages(48);
    for (let i = 0; i < msgs.length; i++) {
      const sk = keys[i % keys.length];
      const key = Bn254Key.fromBytes(sk);
      const message = msgs[i];
      const what = at(`BN254 key ${hex(sk)}, message ${hex(message)}`);
      const ours = key.signStandard(message);
      const theirs = await go.sign("bn254", sk, message);
      assert.equal(bytesToHex(ours), bytesToHex(theirs), what);
      assert.deepEqual(
        await go.verify("bn254", key.publicKeyG2, message, ours),
        { valid: true },
        what,
      );
      assert.ok(verifyBn254Standard(message, theirs, key.publicKey), what);
      // Ponos's signer: SignMessage(data) = Sign(keccak256(data)).
      const viaSigner = await go.signMessage("bn254", sk, message);
      assert.equal(bytesToHex(key.signStandard(keccak256(message))), bytesToHex(viaSigner), what);
    }
  },
);

Deno.test(
  "BN254 Solidity-compatible signatures equal crypto-libs' and verify both ways",
  opts,
  async () => {
    const go = await oracle();
    const keys = bn254Keys(16);
    for (let i = 0; i < 40; i++) {
      const sk = keys[i % keys.length];
      const key = Bn254Key.fromBytes(sk);
      const digest = i === 0 ? new Uint8Array(32) : randomBytes(32);
      const what = at(`BN254 key ${hex(sk)}, digest ${hex(digest)}`);
      const ours = key.sign(digest);
      const theirs = await go.sign("bn254-solidity", sk, digest);
      assert.equal(bytesToHex(ours), bytesToHex(theirs), what);
      const verdict = await go.verify("bn254-solidity", key.publicKeyG2, digest, ours);
      assert.deepEqual(verdict, { valid: true }, what);
      assert.ok(verifyBn254(digest, theirs, key.publicKey), what);
      // SignMessageForSolidity signs 32 bytes as they are, anything else as its keccak256.
      assert.equal(
        bytesToHex(await go.signMessage("bn254", sk, digest, { forSolidity: true })),
        bytesToHex(ours),
      );
      const data = randomBytes(i % 2 === 0 ? 0 : 33 + randomInt(200));
      assert.equal(
        bytesToHex(await go.signMessage("bn254", sk, data, { forSolidity: true })),
        bytesToHex(key.sign(keccak256(data))),
        at(`BN254 key ${hex(sk)}, data ${hex(data)}`),
      );
    }
  },
);

Deno.test("tampered BN254 signatures are refused by crypto-libs and by us", opts, async () => {
  const go = await oracle();
  const schemes: { scheme: GoScheme; sign: (k: Bn254Key, m: Uint8Array) => Uint8Array }[] = [
    { scheme: "bn254", sign: (k, m) => k.signStandard(m) },
    { scheme: "bn254-solidity", sign: (k, m) => k.sign(m) },
  ];
  const [a, b] = bn254Keys(5).slice(3).map((sk) => Bn254Key.fromBytes(sk));
  for (const { scheme, sign } of schemes) {
    const verifyOurs = scheme === "bn254" ? verifyBn254Standard : verifyBn254;
    for (let round = 0; round < 6; round++) {
      const message = randomBytes(32);
      const sig = sign(a, message);
      const s = decodeG1(sig);
      const otherMessage = message.slice();
      otherMessage[randomInt(32)] ^= 1 << randomInt(8);
      const cases: [string, Uint8Array, Uint8Array, Bn254Key][] = [
        ["another message", sig, otherMessage, a],
        ["another key's signature", sign(b, message), message, a],
        ["the right signature, another key", sig, message, b],
        ["−σ", encodeG1({ x: s.x, y: FP_MODULUS - s.y }), message, a],
        [
          "the other scheme's signature",
          scheme === "bn254" ? a.sign(message) : a.signStandard(message),
          message,
          a,
        ],
        ["all zeros (infinity)", new Uint8Array(64), message, a],
      ];
      // Not byte 0: its top bits are gnark's encoding flags (next test).
      for (const index of [1, 31, 32, 63, 1 + randomInt(63)]) {
        const flipped = sig.slice();
        flipped[index] ^= 1 << randomInt(8);
        cases.push([`bit flipped in byte ${index}`, flipped, message, a]);
      }
      for (const [label, signature, msg, key] of cases) {
        const what = at(`${scheme}, ${label}: message ${hex(msg)}, signature ${hex(signature)}`);
        const theirs = await go.verify(scheme, key.publicKeyG2, msg, signature);
        assert.equal(theirs.valid, false, `crypto-libs accepted ${what}`);
        assert.ok(
          oursRefuses(() => verifyOurs(msg, signature, key.publicKey)),
          `we accepted ${what}`,
        );
      }
    }
  }
});

Deno.test(
  "crypto-libs also takes gnark's compressed σ (flag bits in byte 0, rest ignored); we refuse it",
  opts,
  async () => {
    // gnark's SetBytes reads a compressed point from the first 32 bytes when the top bits of
    // byte 0 say so, and ignores what follows. Aggregators send Marshal() (x ‖ y), so refusing
    // these only refuses encodings no reference signer produces.
    const go = await oracle();
    const key = Bn254Key.fromBytes(bn254Keys(4)[3]);
    const message = randomBytes(32);
    const sig = key.signStandard(message);
    const { y } = decodeG1(sig);
    const flag = y > (FP_MODULUS - 1n) / 2n ? 0b11 << 6 : 0b10 << 6; // largest / smallest root
    const compressed = concatBytes(sig.subarray(0, 32), randomBytes(32));
    compressed[0] |= flag;
    assert.equal((await go.verify("bn254", key.publicKeyG2, message, compressed)).valid, true);
    assert.ok(oursRefuses(() => verifyBn254Standard(message, compressed, key.publicKey)));
  },
);

Deno.test(
  "ECDSA signatures are byte-identical to crypto-libs' and recover both ways",
  opts,
  async () => {
    const go = await oracle();
    const keys = ecdsaKeys(16);
    for (let i = 0; i < 48; i++) {
      const sk = keys[i % keys.length];
      const key = EcdsaKey.fromBytes(sk);
      const digest = i === 0 ? new Uint8Array(32) : randomBytes(32);
      const what = at(`ECDSA key ${hex(sk)}, digest ${hex(digest)}`);
      const ours = key.sign(digest);
      const theirs = await go.sign("ecdsa", sk, digest);
      assert.equal(bytesToHex(ours), bytesToHex(theirs), what);
      assert.equal(recoverAddress(digest, theirs), key.address, what);
      assert.deepEqual(await go.verify("ecdsa", key.address, digest, ours), { valid: true }, what);
      // SignMessage hashes first; SignMessageForSolidity does not for 32 bytes.
      const data = randomBytes(randomInt(200));
      assert.equal(
        bytesToHex(await go.signMessage("ecdsa", sk, data)),
        bytesToHex(key.sign(keccak256(data))),
        at(`ECDSA key ${hex(sk)}, data ${hex(data)}`),
      );
      assert.equal(
        bytesToHex(await go.signMessage("ecdsa", sk, digest, { forSolidity: true })),
        bytesToHex(ours),
      );
    }
  },
);

Deno.test("tampered ECDSA signatures are refused by crypto-libs and by us", opts, async () => {
  const go = await oracle();
  const [key, other] = ecdsaKeys(4).slice(2).map((sk) => EcdsaKey.fromBytes(sk));
  for (let round = 0; round < 8; round++) {
    const digest = randomBytes(32);
    const sig = key.sign(digest);
    const otherDigest = digest.slice();
    otherDigest[randomInt(32)] ^= 1 << randomInt(8);
    const otherV = sig.slice();
    otherV[64] = sig[64] === 27 ? 28 : 27;
    const cases: [string, Uint8Array, Uint8Array][] = [
      ["another digest", sig, otherDigest],
      ["another key's signature", other.sign(digest), digest],
      ["the other recovery id", otherV, digest],
    ];
    for (const index of [0, 31, 32, 63, randomInt(64)]) {
      const flipped = sig.slice();
      flipped[index] ^= 1 << randomInt(8);
      cases.push([`bit flipped in byte ${index}`, flipped, digest]);
    }
    for (const [label, signature, d] of cases) {
      const what = at(`${label}: digest ${hex(d)}, signature ${hex(signature)}`);
      assert.equal(
        (await go.verify("ecdsa", key.address, d, signature)).valid,
        false,
        `crypto-libs accepted ${what}`,
      );
      assert.ok(
        oursRefuses(() => recoverAddress(d, signature) === key.address),
        `we accepted ${what}`,
      );
    }
  }
});

Deno.test(
  "a high-s copy of an ECDSA signature: crypto-libs accepts it, we refuse it",
  opts,
  async () => {
    // VerifyWithAddress recovers with go-ethereum's Ecrecover, which allows s > n/2; we refuse
    // such copies as OpenZeppelin's ECDSA does on chain (ecdsa.ts: "High-s refused").
    const go = await oracle();
    const key = EcdsaKey.fromBytes(ecdsaKeys(3)[2]);
    const digest = randomBytes(32);
    const sig = key.sign(digest);
    const highS = concatBytes(
      sig.subarray(0, 32),
      bigIntToBytes(SECP256K1_N - bytesToBigInt(sig.subarray(32, 64))),
      Uint8Array.of(sig[64] === 27 ? 28 : 27),
    );
    assert.equal((await go.verify("ecdsa", key.address, digest, highS)).valid, true);
    assert.throws(
      () => recoverAddress(digest, highS),
      (e) => e instanceof SignatureError && e.reason === "SignatureMalformed",
    );
  },
);

/** Random auth fields, with the edges of each integer cycling through the cases. */
function authFieldCases(count: number): AuthFields[] {
  const out: AuthFields[] = [];
  const setIds = uint32Cases();
  for (let i = 0; i < count; i++) {
    out.push({
      taskId: randomTaskId(),
      avsAddress: randomAddress(),
      operatorAddress: randomAddress(),
      operatorSetId: setIds[i % setIds.length],
      // Empty, BN254-sized, ECDSA-sized, anything.
      resultSignature: [0, 64, 65, 1 + randomInt(300)].map(randomBytes)[i % 4],
    });
  }
  return out;
}

Deno.test("authDigest hashes exactly Ponos's AuthSignatureData.ToSigningBytes", opts, async () => {
  const go = await oracle();
  for (const fields of authFieldCases(60)) {
    const theirs = await go.authBytes({ ...fields, operatorSetId: Number(fields.operatorSetId) });
    assert.equal(theirs.length, 160);
    const what = at(
      `auth fields ${JSON.stringify({ ...fields, resultSignature: hex(fields.resultSignature) })}`,
    );
    assert.equal(bytesToHex(authDigest(fields)), bytesToHex(keccak256(theirs)), what);
  }
});

Deno.test(
  "taskSubmissionDigest hashes exactly Ponos's EncodeTaskSubmissionMessageVersioned (v1)",
  opts,
  async () => {
    const go = await oracle();
    const blocks = [0n, 1n, UINT64_MAX, 2n ** 53n + 1n, BigInt(UINT32_MAX) + 1n];
    const payloads = [new Uint8Array(0), new Uint8Array(32), randomBytes(100 * 1024)];
    for (let i = 0; i < 60; i++) {
      const block = blocks[i] ?? randomBelow(UINT64_MAX + 1n);
      const fields: TaskSubmissionFields = {
        taskId: randomTaskId(),
        avsAddress: randomAddress(),
        executorAddress: randomAddress(),
        operatorSetId: uint32Cases()[i % 5],
        referenceTimestamp: uint32Cases()[(i + 2) % 5],
        // Every input type a protobuf loader may hand over: bigint, decimal string, number.
        taskBlockNumber:
          [block, block.toString(), block <= 2n ** 53n ? Number(block) : block][i % 3],
        payload: payloads[i] ?? randomBytes(randomInt(600)),
      };
      const theirs = await go.submissionBytes({
        ...fields,
        operatorSetId: Number(fields.operatorSetId),
        referenceTimestamp: Number(fields.referenceTimestamp),
        taskBlockNumber: block,
        version: 1,
      });
      assert.equal(theirs.length, 224);
      const what = at(
        `submission ${i}: ${
          JSON.stringify({
            ...fields,
            taskBlockNumber: String(block),
            payload: hex(fields.payload),
          })
        }`,
      );
      assert.equal(bytesToHex(taskSubmissionDigest(fields)), bytesToHex(keccak256(theirs)), what);
    }
    // Version 1 is the only layout the reference knows.
    await assert.rejects(
      go.submissionBytes({
        taskId: randomTaskId(),
        avsAddress: randomAddress(),
        executorAddress: randomAddress(),
        operatorSetId: 0,
        referenceTimestamp: 0,
        taskBlockNumber: 0n,
        payload: new Uint8Array(0),
        version: 2,
      }),
      GoCryptoError,
    );
  },
);

Deno.test(
  "the management-auth digest is keccak256 of Ponos's ConstructSignedMessage",
  opts,
  async () => {
    const go = await oracle();
    const tokens = [
      "",
      "a",
      "токен ✓ 🔑",
      'tab\tnewline\nquote"',
      bytesToHex(randomBytes(32), false),
    ];
    while (tokens.length < 30) {
      tokens.push(
        bytesToHex(randomBytes(1 + randomInt(64)), random() < 0.5),
      );
    }
    for (const token of tokens) {
      const ours = keccak256(keccak256(utf8(token)));
      const theirs = keccak256(await go.managementMessage(token));
      assert.equal(bytesToHex(ours), bytesToHex(theirs), at(`token ${JSON.stringify(token)}`));
    }
  },
);

Deno.test(
  "whole signatures equal a Ponos executor's, aggregator's and hgctl's, per curve",
  opts,
  async () => {
    const go = await oracle();
    const [bnKey, ecKey] = [bn254Keys(4)[3], ecdsaKeys(3)[2]];
    const bn = Bn254Key.fromBytes(bnKey);
    const ec = EcdsaKey.fromBytes(ecKey);
    for (const fields of authFieldCases(8)) {
      const authBytes = await go.authBytes({
        ...fields,
        operatorSetId: Number(fields.operatorSetId),
      });
      const what = at(`auth fields with taskId ${fields.taskId}`);
      // The executor's auth signature: SignMessage(authBytes).
      const bnAuth = bn.signStandard(authDigest(fields));
      assert.equal(
        bytesToHex(bnAuth),
        bytesToHex(await go.signMessage("bn254", bnKey, authBytes)),
        what,
      );
      assert.equal(
        bytesToHex(ec.sign(authDigest(fields))),
        bytesToHex(await go.signMessage("ecdsa", ecKey, authBytes)),
        what,
      );
      // The aggregator's check of it: Verify(pk, keccak256(authBytes)). The Solidity-compatible
      // signature this executor used to send for BN254 fails it.
      const verdict = await go.verify("bn254", bn.publicKeyG2, keccak256(authBytes), bnAuth);
      assert.deepEqual(verdict, { valid: true }, what);
      const before = bn.sign(authDigest(fields));
      assert.equal(
        (await go.verify("bn254", bn.publicKeyG2, keccak256(authBytes), before)).valid,
        false,
      );
    }
    for (let i = 0; i < 8; i++) {
      // An aggregator's task-submission signature: SignMessage(submission bytes).
      const fields = {
        taskId: randomTaskId(),
        avsAddress: randomAddress(),
        executorAddress: randomAddress(),
        operatorSetId: randomInt(UINT32_MAX + 1),
        referenceTimestamp: randomInt(UINT32_MAX + 1),
        taskBlockNumber: randomBelow(UINT64_MAX + 1n),
        payload: randomBytes(randomInt(400)),
      };
      const bytes = await go.submissionBytes({ ...fields, version: 1 });
      const bnSig = await go.signMessage("bn254", bnKey, bytes);
      const digest = taskSubmissionDigest(fields);
      const what = at(`submission with taskId ${fields.taskId}`);
      assert.ok(verifyBn254Standard(digest, bnSig, bn.publicKey), what);
      assert.ok(
        !verifyBn254(digest, bnSig, bn.publicKey),
        `${what}: the Solidity-compatible check`,
      );
      assert.equal(
        recoverAddress(digest, await go.signMessage("ecdsa", ecKey, bytes)),
        ec.address,
        what,
      );
    }
    for (let i = 0; i < 8; i++) {
      // hgctl's management auth: SignMessage(ConstructSignedMessage(token)).
      const token = bytesToHex(randomBytes(32), false);
      const message = await go.managementMessage(token);
      const digest = keccak256(keccak256(utf8(token)));
      const what = at(`token ${token}`);
      assert.equal(
        bytesToHex(bn.signStandard(digest)),
        bytesToHex(await go.signMessage("bn254", bnKey, message)),
        what,
      );
      assert.equal(
        bytesToHex(ec.sign(digest)),
        bytesToHex(await go.signMessage("ecdsa", ecKey, message)),
        what,
      );
    }
  },
);
