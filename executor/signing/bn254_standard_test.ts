/**
 * The standard (RFC 9380 SVDW) BN254 scheme of `bn254.ts`, checked without Go: against the
 * hash-to-curve vectors gnark-crypto v0.17.0 ships (`ecc/bn254/hash_vectors_test.go`), the SVDW
 * constants gnark hard-codes, and noble's pairing. `tests/signing_crosscheck_test.ts` checks the
 * same functions against gnark-crypto and crypto-libs themselves, with random inputs.
 */

import assert from "node:assert/strict";
import { bytesToHex } from "./_bytes.ts";
import { nobleIsOnG1, nobleSign, nobleVerify } from "./_test_util.ts";
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
  SVDW_CONSTANTS,
  verifyBn254,
  verifyBn254Standard,
} from "./bn254.ts";
import { SignatureError } from "./errors.ts";
import { keccak256 } from "./keccak.ts";

const utf8 = (s: string) => new TextEncoder().encode(s);

/** gnark-crypto's vectors for BN254G1_XMD:SHA-256_SVDW_RO_ (from the hash-to-curve drafts). */
const QUUX_DST = utf8("QUUX-V01-CS02-with-BN254G1_XMD:SHA-256_SVDW_RO_");
const QUUX_VECTORS = [
  {
    msg: "",
    p: [
      0xa976ab906170db1f9638d376514dbf8c42aef256a54bbd48521f20749e59e86n,
      0x2925ead66b9e68bfc309b014398640ab55f6619ab59bc1fab2210ad4c4d53d5n,
    ],
    u0: 0x2f87b81d9d6ef05ad4d249737498cc27e1bd485dca804487844feb3c67c1a9b5n,
    q0: [
      0xe449b959abbd0e5ab4c873eaeb1ccd887f1d9ad6cd671fd72cb8d77fb651892n,
      0x29ff1e36867c60374695ee0c298fcbef2af16f8f97ed356fa75e61a797ebb265n,
    ],
    u1: 0x6de2d0d7c0d9c7a5a6c0b74675e7543f5b98186b5dbf831067449000b2b1f8en,
    q1: [
      0x19388d9112a306fba595c3a8c63daa8f04205ad9581f7cf105c63c442d7c6511n,
      0x182da356478aa7776d1de8377a18b41e933036d0b71ab03f17114e4e673ad6e4n,
    ],
  },
  {
    msg: "abc",
    p: [
      0x23f717bee89b1003957139f193e6be7da1df5f1374b26a4643b0378b5baf53d1n,
      0x4142f826b71ee574452dbc47e05bc3e1a647478403a7ba38b7b93948f4e151dn,
    ],
    u0: 0x11945105b5e3d3b9392b5a2318409cbc28b7246aa47fa30da5739907737799a9n,
    q0: [
      0x1452c8cc24f8dedc25b24d89b87b64e25488191cecc78464fea84077dd156f8dn,
      0x209c3633505ba956f5ce4d974a868db972b8f1b69d63c218d360996bcec1ad41n,
    ],
    u1: 0x1255fc9ad5a6e0fb440916f091229bda611c41be2f2283c3d8f98c596be4c8c9n,
    q1: [
      0x4e8357c98524e6208ae2b771e370f0c449e839003988c2e4ce1eaf8d632559fn,
      0x4396ec43dd8ec8f2b4a705090b5892219759da30154c39490fc4d59d51bb817n,
    ],
  },
  {
    msg: "abcdef0123456789",
    p: [
      0x187dbf1c3c89aceceef254d6548d7163fdfa43084145f92c4c91c85c21442d4an,
      0xabd99d5b0000910b56058f9cc3b0ab0a22d47cf27615f588924fac1e5c63b4dn,
    ],
    u0: 0x2f7993a6b43a8dbb37060e790011a888157f456b895b925c3568690685f4983dn,
    q0: [
      0x28d01790d2a1cc4832296774438acd46c2ce162d03099926478cf52319daba8dn,
      0x10227ab2707fd65fb45e87f0a48cfe3556f04113d27b1da9a7ae1709007355e1n,
    ],
    u1: 0x2677d0532b47a4cead2488845e7df7ebc16c0b8a2cd8a6b7f4ce99f51659794en,
    q1: [
      0x7dc256c7aadac1b4e1d23b3b2bbb5e2ffd9c753b9073d8d952ead8f812ce1b3n,
      0x2589008b2e15dcb3d16cdc1fed2634778001b1b28f0ab433f4f5ec6635c55e1en,
    ],
  },
  {
    msg: `q128_${"q".repeat(128)}`,
    p: [
      0xfe2b0743575324fc452d590d217390ad48e5a16cf051bee5c40a2eba233f5cn,
      0x794211e0cc72d3cbbdf8e4e5cd6e7d7e78d101ff94862caae8acbe63e9fdc78n,
    ],
    u0: 0x2a50be15282ee276b76db1dab761f75401cdc8bd9fff81fcf4d428db16092a7bn,
    q0: [
      0x1c53b05f2fce15ba0b9100650c0fb46de1fb62f1d0968b69151151bd25dfefa4n,
      0x1fe783faf4bdbd79b717784dc59619106e4acccfe3b5d9750799729d855e7b81n,
    ],
    u1: 0x23b41953676183c30aca54b5c8bd3ffe3535a6238c39f6b15487a5467d5d20ebn,
    q1: [
      0x214a4e6e97adda47558f80088460eabd71ed35bc8ceafb99a493dd6f4e2b3f0an,
      0xfaaeb29cc23f9d09b187a99741613aed84443e7c35736258f57982d336d13bdn,
    ],
  },
  {
    msg: `a512_${"a".repeat(512)}`,
    p: [
      0x1b05dc540bd79fd0fea4fbb07de08e94fc2e7bd171fe025c479dc212a2173cen,
      0x1bf028afc00c0f843d113758968f580640541728cfc6d32ced9779aa613cd9b0n,
    ],
    u0: 0x48527470f534978bae262c0f3ba8380d7f560916af58af9ad7dcb6a4238e633n,
    q0: [
      0x2298ba379768da62495af6bb390ffca9156fde1dc167235b89c6dd008d2f2f3bn,
      0x660564cf6fce5cdea4780f5976dd0932559336fd072b4ddd83ec37f00fc7699n,
    ],
    u1: 0x19a6d8be25702820b9b11eada2d42f425343889637a01ecd7672fbcf590d9ffen,
    q1: [
      0x2811dea430f7a1f6c8c941ecdf0e1e725b8ad1801ad15e832654bd8f10b62f16n,
      0x253390ed4fb39e58c30ca43892ab0428684cfb30b9df05fc239ab532eaa02444n,
    ],
  },
];

const point = ([x, y]: bigint[]) => ({ x, y });

Deno.test("hashToG1Standard reproduces gnark-crypto's BN254G1 SVDW_RO vectors", () => {
  for (const v of QUUX_VECTORS) {
    assert.deepEqual(hashToG1Standard(utf8(v.msg), QUUX_DST), point(v.p), v.msg.slice(0, 16));
  }
});

Deno.test("mapToCurveSvdw maps the vectors' field elements to their Q0 and Q1", () => {
  for (const v of QUUX_VECTORS) {
    assert.deepEqual(mapToCurveSvdw(v.u0), point(v.q0), `u0 of ${v.msg.slice(0, 16)}`);
    assert.deepEqual(mapToCurveSvdw(v.u1), point(v.q1), `u1 of ${v.msg.slice(0, 16)}`);
  }
});

Deno.test("the derived SVDW constants are gnark-crypto's (hard-coded there in Montgomery form)", () => {
  // ecc/bn254/hash_to_g1.go MapToCurve1: Z, c1…c4 as fp.Element limbs (little-endian uint64s of
  // value·2²⁵⁶ mod p).
  const gnark = {
    z: [15230403791020821917n, 754611498739239741n, 7381016538464732716n, 1011752739694698287n],
    c1: [1248766071674976557n, 10548065924188627562n, 16242874202584236114n, 560012691975822483n],
    c2: [12997850613838968789n, 14304628359724097447n, 2950087706404981016n, 1237622763554136189n],
    c3: [8972444824031832946n, 5898165201680709844n, 10690697896010808308n, 824354360198587078n],
    c4: [12077013577332951089n, 1872782865047492001n, 13514471836495169457n, 415649166299893576n],
  };
  const rInverse = modPow(modPow(2n, 256n, FP_MODULUS), FP_MODULUS - 2n, FP_MODULUS);
  for (const [name, limbs] of Object.entries(gnark)) {
    const montgomery = limbs.reduce((acc, limb, i) => acc + (limb << BigInt(64 * i)), 0n);
    const value = (montgomery * rInverse) % FP_MODULUS;
    assert.equal(SVDW_CONSTANTS[name as keyof typeof SVDW_CONSTANTS], value, name);
  }
});

Deno.test("mapToCurveSvdw lands on the curve at the exceptional inputs (inv0 cases, 0, p − 1)", () => {
  const half = (FP_MODULUS + 1n) / 2n; // 1/2: u²·c1 = 1, so tv1·tv2 = 0 and inv0 gives 0
  for (const u of [0n, 1n, half, FP_MODULUS - half, FP_MODULUS - 1n]) {
    assert.ok(nobleIsOnG1(mapToCurveSvdw(u)), `u = ${u}`);
  }
  assert.throws(() => mapToCurveSvdw(FP_MODULUS), RangeError);
  assert.throws(() => mapToCurveSvdw(-1n), RangeError);
});

Deno.test("hashToG1Standard refuses empty and over-long tags, defaults to crypto-libs' tag", () => {
  assert.throws(() => hashToG1Standard(utf8("m"), new Uint8Array(0)), RangeError);
  assert.throws(() => hashToG1Standard(utf8("m"), new Uint8Array(256)), RangeError);
  assert.ok(nobleIsOnG1(hashToG1Standard(utf8("m"), new Uint8Array(255).fill(0x41))));
  assert.equal(new TextDecoder().decode(STANDARD_DST), "BLS_SIG_BN254G1_XMD:SHA-256_SSWU_RO_NUL_");
  assert.deepEqual(hashToG1Standard(utf8("m")), hashToG1Standard(utf8("m"), STANDARD_DST));
  assert.notDeepEqual(hashToG1Standard(utf8("m")), hashToG1Standard(utf8("m"), QUUX_DST));
});

Deno.test("signStandard: noble agrees on σ and on the pairing check; round-trips with mcl", () => {
  for (let i = 0; i < 4; i++) {
    const sk = BigInt(bytesToHex(keccak256(utf8(`standard sk ${i}`)))) % FR_MODULUS;
    const key = Bn254Key.fromScalar(sk);
    for (const message of [new Uint8Array(0), keccak256(utf8(`m ${i}`)), utf8("x".repeat(300))]) {
      const sig = key.signStandard(message);
      const h = hashToG1Standard(message);
      assert.deepEqual(decodeG1(sig), nobleSign(sk, h));
      assert.ok(nobleVerify(h, decodeG1(sig), key.publicKey.point));
      assert.ok(verifyBn254Standard(message, sig, key.publicKey));
    }
  }
});

Deno.test("the two schemes are not interchangeable", () => {
  const key = Bn254Key.fromScalar(123456789n);
  const digest = keccak256(utf8("auth bytes"));
  const standard = key.signStandard(digest);
  const solidity = key.sign(digest);
  assert.notEqual(bytesToHex(standard), bytesToHex(solidity));
  assert.deepEqual(decodeG1(solidity), nobleSign(123456789n, hashToG1(digest)));
  assert.ok(!verifyBn254(digest, standard, key.publicKey));
  assert.ok(!verifyBn254Standard(digest, solidity, key.publicKey));
});

Deno.test("verifyBn254Standard refuses other messages, other keys, −σ and malformed bytes", () => {
  const key = Bn254Key.fromScalar(42n);
  const other = Bn254Key.fromScalar(43n);
  const message = keccak256(utf8("submission"));
  const sig = key.signStandard(message);
  assert.ok(!verifyBn254Standard(keccak256(utf8("other")), sig, key.publicKey));
  assert.ok(!verifyBn254Standard(message, sig, other.publicKey));
  const s = decodeG1(sig);
  assert.ok(
    !verifyBn254Standard(message, encodeG1({ x: s.x, y: FP_MODULUS - s.y }), key.publicKey),
  );
  const malformed = (e: unknown) =>
    e instanceof SignatureError && e.reason === "SignatureMalformed";
  for (const bad of [new Uint8Array(64), sig.subarray(0, 63), Uint8Array.of(...sig, 0)]) {
    assert.throws(() => verifyBn254Standard(message, bad, key.publicKey), malformed);
  }
});

function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n;
  let b = base % modulus;
  for (let e = exponent; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % modulus;
    b = (b * b) % modulus;
  }
  return result;
}
