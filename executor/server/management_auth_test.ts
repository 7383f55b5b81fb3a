import assert from "node:assert/strict";
import { Bn254Key } from "../signing/bn254.ts";
import { EcdsaKey } from "../signing/ecdsa.ts";
import { TaskError } from "../task/errors.ts";
import { executorProto } from "../../shared/proto/load.ts";
import {
  canonicalRequestBytes,
  ManagementAuth,
  managementAuthDigest,
  type ManagementAuthOptions,
  referenceAuthDigest,
} from "./management_auth.ts";

// Signatures here are made with the keys' own signing code; tests/signing_crosscheck (Go
// crypto-libs) checks that the reference client's signatures are the same bytes.
const OPERATOR = EcdsaKey.fromHex("0x" + "11".repeat(32));
const OPERATOR_BLS = Bn254Key.fromScalar(0x1234_5678_9abc_def0n);
const STRANGER = EcdsaKey.fromHex("0x" + "33".repeat(32));
const BYTES = new Uint8Array([1, 2, 3]);

function auth(options: Partial<ManagementAuthOptions> = {}) {
  let now = 1_000_000;
  const manager = new ManagementAuth({
    operatorAddress: OPERATOR.address,
    bn254PublicKey: OPERATOR_BLS.publicKey,
    ttlMs: 60_000,
    now: () => now,
    ...options,
  });
  return { manager, advance: (ms: number) => (now += ms) };
}

function code(fn: () => unknown): string {
  try {
    fn();
    return "OK";
  } catch (err) {
    assert.ok(err instanceof TaskError, String(err));
    return err.code;
  }
}

Deno.test("reference ECDSA and BN254 signatures over keccak256(keccak256(token)) are accepted once", () => {
  const { manager } = auth();
  const ecdsa = manager.issue(OPERATOR.address).token;
  const signature = OPERATOR.sign(referenceAuthDigest(ecdsa));
  const ok = manager.verify("ListPerformers", { challengeToken: ecdsa, signature }, () => BYTES);
  assert.equal(ok, "reference-ecdsa");
  assert.equal(
    code(() => manager.verify("ListPerformers", { challengeToken: ecdsa, signature }, () => BYTES)),
    "Unauthenticated",
  );
  const bls = manager.issue(OPERATOR.address).token;
  assert.equal(
    manager.verify("DeployArtifact", {
      challengeToken: bls,
      signature: OPERATOR_BLS.signStandard(referenceAuthDigest(bls)),
    }, () => BYTES),
    "reference-bn254",
  );
});

Deno.test("bound signatures are accepted; the strict setting refuses token-only ones", () => {
  const { manager } = auth({ requireRequestBinding: true });
  const t1 = manager.issue(OPERATOR.address).token;
  assert.equal(
    manager.verify("ListPerformers", {
      challengeToken: t1,
      signature: OPERATOR.sign(managementAuthDigest(t1, "ListPerformers", BYTES)),
    }, () => BYTES),
    "bound",
  );
  const t2 = manager.issue(OPERATOR.address).token;
  const t3 = manager.issue(OPERATOR.address).token;
  for (
    const [token, signature] of [
      [t2, OPERATOR.sign(referenceAuthDigest(t2))],
      [t3, OPERATOR_BLS.signStandard(referenceAuthDigest(t3))],
    ] as const
  ) {
    assert.throws(
      () => manager.verify("ListPerformers", { challengeToken: token, signature }, () => BYTES),
      (e: unknown) =>
        e instanceof TaskError && e.code === "Unauthenticated" && /bound/.test(e.message),
    );
  }
});

Deno.test("expired, unknown and foreign-signed tokens are Unauthenticated; issuing checks the operator", () => {
  const { manager, advance } = auth();
  const token = manager.issue(OPERATOR.address).token;
  advance(60_001);
  const signature = OPERATOR.sign(referenceAuthDigest(token));
  assert.throws(
    () => manager.verify("ListPerformers", { challengeToken: token, signature }, () => BYTES),
    /expired/,
  );
  assert.equal(
    code(() =>
      manager.verify("ListPerformers", { challengeToken: "nope", signature }, () => BYTES)
    ),
    "Unauthenticated",
  );
  const fresh = manager.issue(OPERATOR.address).token;
  assert.equal(
    code(() =>
      manager.verify("ListPerformers", {
        challengeToken: fresh,
        signature: STRANGER.sign(referenceAuthDigest(fresh)),
      }, () => BYTES)
    ),
    "Unauthenticated",
  );
  assert.equal(code(() => manager.verify("ListPerformers", null, () => BYTES)), "Unauthenticated");
  assert.equal(code(() => manager.issue("")), "InvalidArgument");
  assert.equal(code(() => manager.issue(STRANGER.address)), "PermissionDenied");
});

Deno.test("BN254 reference signatures need the operator's BLS key; garbage is just invalid", () => {
  const { manager } = auth({ bn254PublicKey: undefined });
  const token = manager.issue(OPERATOR.address).token;
  assert.equal(
    code(() =>
      manager.verify("ListPerformers", {
        challengeToken: token,
        signature: OPERATOR_BLS.signStandard(referenceAuthDigest(token)),
      }, () => BYTES)
    ),
    "Unauthenticated",
  );
  const { manager: withKey } = auth();
  const t = withKey.issue(OPERATOR.address).token;
  assert.equal(
    code(() =>
      withKey.verify("ListPerformers", {
        challengeToken: t,
        signature: new Uint8Array(64).fill(7),
      }, () => BYTES)
    ),
    "Unauthenticated",
  );
});

Deno.test("challenge tokens: capped, rate-limited per peer, expired ones swept cheaply", () => {
  const { manager, advance } = auth({ maxOutstanding: 3, perPeerPerSecond: 100 });
  for (let i = 0; i < 3; i++) manager.issue(OPERATOR.address, `peer-${i}`);
  assert.equal(code(() => manager.issue(OPERATOR.address, "peer-x")), "ResourceExhausted");
  advance(60_001); // all three expire: the next issue sweeps them
  assert.equal(code(() => manager.issue(OPERATOR.address, "peer-x")), "OK");

  const limited = auth({ perPeerPerSecond: 2 });
  const burst = Array.from(
    { length: 6 },
    () => code(() => limited.manager.issue(OPERATOR.address, "a")),
  );
  assert.deepEqual(burst, ["OK", "OK", "OK", "OK", "ResourceExhausted", "ResourceExhausted"]);
  assert.equal(
    code(() => limited.manager.issue(OPERATOR.address, "b")),
    "OK",
    "other peers unaffected",
  );
  limited.advance(500); // one more token after half a second at 2/s
  assert.equal(code(() => limited.manager.issue(OPERATOR.address, "a")), "OK");
});

Deno.test("issuing stays fast with many outstanding tokens (no scan per issue)", () => {
  const { manager } = auth({ maxOutstanding: 50_000, perPeerPerSecond: 1e9 });
  const started = performance.now();
  for (let i = 0; i < 40_000; i++) manager.issue(OPERATOR.address, "load");
  const ms = performance.now() - started;
  // Before: an O(n) scan per issue made 40,000 tokens take 5.2 s.
  assert.ok(ms < 2_000, `40,000 tokens took ${ms.toFixed(0)} ms`);
});

Deno.test('canonical request bytes drop proto3 defaults only: "" and "0" differ', () => {
  const service = executorProto().eigenlayer.hourglass.v1.ExecutorManagementService.service;
  const serialize = service.RemovePerformer.requestSerialize;
  const empty = canonicalRequestBytes(serialize, { performerId: "" });
  const zero = canonicalRequestBytes(serialize, { performerId: "0" });
  assert.equal(empty.length, 0);
  assert.notDeepEqual(zero, empty, 'a performer id of "0" is signed, not dropped');
  // Defaults filled in by a decoder (grpc-js) and omitted by an encoder (Go) give the same bytes.
  const list = service.ListPerformers.requestSerialize;
  assert.deepEqual(
    canonicalRequestBytes(list, { avsAddress: "", auth: null }),
    canonicalRequestBytes(list, {}),
  );
});
