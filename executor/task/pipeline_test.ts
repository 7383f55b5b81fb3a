import assert from "node:assert/strict";
import { signedSubmission } from "../../dev/aggregator_client.ts";
import { randomTaskId } from "../../sdk/testing.ts";
import { Bn254Key, verifyBn254, verifyBn254Standard } from "../signing/bn254.ts";
import { bn254CertificateDigest, taskMessageHash } from "../signing/certificate.ts";
import { authDigest } from "../signing/digests.ts";
import { resultSignatureDigest } from "../signing/task_result.ts";
import { EcdsaKey, recoverAddress } from "../signing/ecdsa.ts";
import { ConcurrencyLimits } from "./concurrency.ts";
import { TaskError } from "./errors.ts";
import {
  type AvsTaskSettings,
  executeSubmission,
  type RunTask,
  type TaskDeps,
} from "./pipeline.ts";
import {
  openStore,
  type ProcessedTasks,
  processedTasks,
  type TaskState,
} from "./processed_tasks.ts";
import { replayWindow } from "./validate.ts";
import { StoreError } from "../store/errors.ts";
import { StoreHealth } from "../store/health.ts";

const AVS = "0xCE2Ac75bE2E0951F1F7B288c7a6A9BfB6c331DC4";
const operatorKey = EcdsaKey.fromHex("0x" + "11".repeat(32));
const aggregatorKey = EcdsaKey.fromHex("0x" + "22".repeat(32));
const strangerKey = EcdsaKey.fromHex("0x" + "33".repeat(32));
const blsAggregator = Bn254Key.fromScalar(123456789n);
const blsOperator = Bn254Key.fromScalar(987654321n);
const enc = new TextEncoder();
const VERIFIER = { address: "0x" + "5a".repeat(20), version: "1.8.0" };

/** Task-path dependencies with a performer that upper-cases payloads and counts calls. */
async function setup(overrides: Partial<AvsTaskSettings> = {}, runTask?: RunTask) {
  const calls: string[] = [];
  const kv = await openStore(":memory:");
  const processed = processedTasks(kv, 60_000);
  const settings: AvsTaskSettings = {
    aggregators: [{ address: aggregatorKey.address }, {
      address: "0x" + "44".repeat(20),
      blsPublicKey: blsAggregator.publicKey.toHex(),
    }],
    scheme: "ecdsa",
    taskTimeoutMs: 5_000,
    ...overrides,
  };
  const deps: TaskDeps = {
    operatorAddress: operatorKey.address,
    ecdsaVerifier: VERIFIER,
    avs: new Map([[AVS.toLowerCase(), settings]]),
    keys: { ecdsa: operatorKey, bn254: blsOperator },
    processed,
    replay: { retentionMs: 60_000 },
    limits: new ConcurrencyLimits(new Map([[AVS.toLowerCase(), 2]])),
    runTask: runTask ?? ((_avs, task) => {
      calls.push(task.taskId);
      return Promise.resolve(enc.encode(new TextDecoder().decode(task.payload).toUpperCase()));
    }),
  };
  // Outcomes not yet committed (deferred) go out before the store closes, as the executor's stop does.
  const close = async () => {
    await processed.flush();
    kv.close();
  };
  return { deps, calls, processed: { ...processed, close } };
}

const signal = new AbortController().signal;

function task(
  fields: Partial<Parameters<typeof signedSubmission>[0]> = {},
  key: EcdsaKey | Bn254Key = aggregatorKey,
) {
  return signedSubmission({
    avsAddress: AVS,
    executorAddress: operatorKey.address,
    payload: enc.encode("hi"),
    ...fields,
  }, key);
}

async function code(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return "OK";
  } catch (err) {
    if (err instanceof TaskError) return err.code;
    throw err;
  }
}

/** The TaskError's message a call fails with. */
async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof TaskError) return err.message;
    throw err;
  }
  throw new Error("the call succeeded");
}

Deno.test("a signed task runs once and comes back signed by the operator", async () => {
  const { deps, calls, processed } = await setup();
  const t = task();
  const result = await executeSubmission(deps, t, { signal });
  assert.equal(new TextDecoder().decode(result.output), "HI");
  assert.deepEqual(calls, [t.taskId]);
  assert.equal(result.operatorAddress, operatorKey.address);
  const certificateDigest = resultSignatureDigest({ scheme: "ecdsa", ecdsaVerifier: VERIFIER }, {
    taskId: t.taskId,
    output: result.output,
    referenceTimestamp: t.referenceTimestamp,
  });
  assert.equal(recoverAddress(certificateDigest, result.resultSignature), operatorKey.address);
  assert.equal(result.avsAddress, AVS.toLowerCase(), "lower-cased like the Go executor");
  const auth = authDigest({
    taskId: t.taskId,
    avsAddress: AVS,
    operatorAddress: operatorKey.address,
    operatorSetId: t.operatorSetId,
    resultSignature: result.resultSignature,
  });
  assert.equal(recoverAddress(auth, result.authSignature), operatorKey.address);
  assert.equal(await processed.state(t.taskId), "done");
  await processed.close();
});

Deno.test("BN254: an aggregator's BLS signature is accepted and results are BLS-signed", async () => {
  const { deps, processed } = await setup({ scheme: "bn254" });
  const t = task({ aggregatorAddress: "0x" + "44".repeat(20) }, blsAggregator);
  assert.equal(t.signature.length, 64);
  const result = await executeSubmission(deps, t, { signal });
  assert.equal(result.resultSignature.length, 64);
  const digest = bn254CertificateDigest(
    t.referenceTimestamp,
    taskMessageHash(t.taskId, result.output),
  );
  assert.ok(verifyBn254(digest, result.resultSignature, blsOperator.publicKey), "result");
  const auth = authDigest({
    taskId: t.taskId,
    avsAddress: AVS,
    operatorAddress: operatorKey.address,
    operatorSetId: t.operatorSetId,
    resultSignature: result.resultSignature,
  });
  assert.ok(verifyBn254Standard(auth, result.authSignature, blsOperator.publicKey), "auth");
  await processed.close();
});

Deno.test("authorize (chain mode) decides before any claim, and its curve signs the result", async () => {
  const { deps, calls, processed } = await setup({ scheme: "ecdsa", aggregators: [] });
  const seen: string[] = [];
  deps.authorize = (t) => {
    seen.push(t.taskId);
    if (t.operatorSetId === 9) {
      return Promise.reject(new TaskError("PermissionDenied", "not on chain"));
    }
    return Promise.resolve({ scheme: "bn254" });
  };
  // Not listed in the (empty) config list, but the chain says yes: BN254 result.
  const t = task({}, strangerKey);
  const result = await executeSubmission(deps, t, { signal });
  assert.equal(result.resultSignature.length, 64, "signed with the curve authorize returned");
  const refused = task({ operatorSetId: 9 });
  assert.equal(await code(executeSubmission(deps, refused, { signal })), "PermissionDenied");
  assert.equal(await processed.state(refused.taskId), undefined, "not claimed");
  assert.deepEqual(seen, [t.taskId, refused.taskId]);
  assert.deepEqual(calls, [t.taskId]);
  await processed.close();
});

Deno.test("a duplicate task id is refused, even when both arrive at once", async () => {
  const { deps, calls, processed } = await setup({}, async (_avs, t) => {
    calls.push(t.taskId);
    await new Promise((r) => setTimeout(r, 20));
    return enc.encode("ok");
  });
  const t = task();
  const codes = await Promise.all([1, 2].map(() => code(executeSubmission(deps, t, { signal }))));
  assert.deepEqual(codes.sort(), ["AlreadyExists", "OK"]);
  assert.equal(await code(executeSubmission(deps, t, { signal })), "AlreadyExists");
  assert.match(
    await refusal(executeSubmission(deps, t, { signal })),
    /ran and succeeded; results are not kept, it is not run again/,
  );
  assert.equal(calls.length, 1, "run exactly once");
  await processed.close();
});

Deno.test("format errors, unknown AVS and untrusted or forged signatures get their codes", async () => {
  const { deps, calls, processed } = await setup();
  assert.equal(
    await code(executeSubmission(deps, task({ executorAddress: strangerKey.address }), { signal })),
    "InvalidArgument",
  );
  assert.equal(
    await code(executeSubmission(deps, { ...task(), taskId: "0x12" }, { signal })),
    "InvalidArgument",
  );
  assert.equal(
    await code(executeSubmission(deps, { ...task(), referenceTimestamp: 0 }, { signal })),
    "InvalidArgument",
  );
  assert.equal(
    await code(executeSubmission(deps, task({ avsAddress: "0x" + "55".repeat(20) }), { signal })),
    "NotFound",
  );
  assert.equal(
    await code(executeSubmission(deps, task({}, strangerKey), { signal })),
    "PermissionDenied",
  );
  const forged = task({ aggregatorAddress: aggregatorKey.address }, strangerKey);
  assert.equal(await code(executeSubmission(deps, forged, { signal })), "PermissionDenied");
  assert.deepEqual(calls, [], "nothing reached the performer");
  // A task refused before it ran can be sent again, correctly signed, with the same id.
  const retried = task({ taskId: forged.taskId });
  assert.equal(await code(executeSubmission(deps, retried, { signal })), "OK");
  await processed.close();
});

Deno.test("forged copies of a genuine task id neither claim it nor take its slots", async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => release = r);
  const { deps, calls, processed } = await setup({}, async (_avs, t) => {
    calls.push(t.taskId);
    await gate;
    return enc.encode("ok");
  });
  const genuine = task();
  // Forged copies (same public id, another key) in flight before and beside the genuine one; the
  // AVS's limit is 2, so before the fix two forged calls filled it.
  const forged = () =>
    executeSubmission(
      deps,
      task({ taskId: genuine.taskId, aggregatorAddress: aggregatorKey.address }, strangerKey),
      { signal },
    );
  const early = [code(forged()), code(forged())];
  const run = code(executeSubmission(deps, genuine, { signal }));
  const late = [code(forged()), code(forged())];
  await new Promise((r) => setTimeout(r, 10));
  release();
  assert.equal(await run, "OK");
  assert.deepEqual(await Promise.all([...early, ...late]), Array(4).fill("PermissionDenied"));
  assert.deepEqual(calls, [genuine.taskId], "the genuine task ran once");
  assert.equal(await processed.state(genuine.taskId), "done");
  await processed.close();
});

Deno.test("beyond the AVS's concurrency limit tasks are refused with ResourceExhausted, leaving no claim", async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => release = r);
  const { deps, processed } = await setup({}, async () => {
    await gate;
    return enc.encode("ok");
  });
  // The AVS's limit is 2: both slots are taken by tasks waiting on the performer.
  const running = [
    executeSubmission(deps, task(), { signal }),
    executeSubmission(deps, task(), { signal }),
  ];
  await new Promise((r) => setTimeout(r, 10));
  const full = task();
  assert.equal(await code(executeSubmission(deps, full, { signal })), "ResourceExhausted");
  assert.equal(await processed.state(full.taskId), undefined, "no claim stands");
  release();
  await Promise.all(running);
  assert.equal(await code(executeSubmission(deps, task(), { signal })), "OK", "slots come back");
  assert.equal(await code(executeSubmission(deps, full, { signal })), "OK", "its retry runs");
  await processed.close();
});

Deno.test("a task that reached the performer stays claimed even if it failed", async () => {
  const { deps, processed } = await setup({}, () => {
    throw new TaskError("Internal", "performer said no", { reachedPerformer: true });
  });
  const t = task();
  assert.equal(await code(executeSubmission(deps, t, { signal })), "Internal");
  assert.equal(await processed.state(t.taskId), "failed");
  assert.equal(
    await code(executeSubmission(deps, t, { signal })),
    "AlreadyExists",
    "not run twice",
  );
  assert.match(await refusal(executeSubmission(deps, t, { signal })), /ran and failed/);
  await processed.close();
});

Deno.test("a task that never reached the performer can be retried", async () => {
  let up = false;
  const { deps, processed } = await setup({}, () => {
    if (!up) throw new TaskError("Unavailable", "no performer ready");
    return Promise.resolve(enc.encode("ok"));
  });
  const t = task();
  assert.equal(await code(executeSubmission(deps, t, { signal })), "Unavailable");
  up = true;
  assert.equal(await code(executeSubmission(deps, t, { signal })), "OK");
  await processed.close();
});

Deno.test("processed task ids persist across restarts of the store", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const id = randomTaskId();
    const kv1 = await openStore(`${dir}/tasks.kv`);
    const first = processedTasks(kv1, 60_000);
    assert.equal(await first.claim(id), true);
    await first.finish(id, "done");
    kv1.close();
    const kv2 = await openStore(`${dir}/tasks.kv`);
    const second = processedTasks(kv2, 60_000);
    assert.equal(await second.claim(id), false);
    assert.equal(await second.state(id), "done");
    kv2.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a task whose signing fails after it ran stays claimed (it is never run twice)", async () => {
  const { deps, calls, processed } = await setup({ scheme: "bn254" });
  deps.keys = { ecdsa: operatorKey };
  const t = task();
  assert.equal(await code(executeSubmission(deps, t, { signal })), "Internal");
  assert.equal(calls.length, 1);
  assert.equal(await processed.state(t.taskId), "failed");
  assert.equal(await code(executeSubmission(deps, t, { signal })), "AlreadyExists");
  assert.equal(calls.length, 1, "not run again");
  await processed.close();
});

// --- The replay window (issue 11, item 3) ---

const HOUR = 3_600_000;
const RETENTION = 168 * HOUR;

/** A processed-task store whose claims expire `retentionMs` after they are written, by `now`. */
function expiringStore(retentionMs: number, now: () => number): ProcessedTasks {
  const records = new Map<string, { state: TaskState; until: number }>();
  const live = (id: string) => {
    const record = records.get(id);
    return record && record.until > now() ? record : undefined;
  };
  return {
    claim: (id) => {
      if (live(id)) return Promise.resolve(false);
      records.set(id, { state: "running", until: now() + retentionMs });
      return Promise.resolve(true);
    },
    finish: (id, state) => {
      records.set(id, { state, until: now() + retentionMs });
      return Promise.resolve();
    },
    release: (id) => {
      records.delete(id);
      return Promise.resolve();
    },
    state: (id) => Promise.resolve(live(id)?.state),
    flush: () => Promise.resolve(),
  };
}

/** Task-path dependencies on a settable clock, with claims that expire by that clock. */
async function clocked(retentionMs: number, startMs: number) {
  const clock = { ms: startMs };
  const now = () => clock.ms;
  const { deps, calls, processed } = await setup();
  await processed.close();
  deps.processed = expiringStore(retentionMs, now);
  deps.replay = { retentionMs, now };
  return { deps, calls, clock };
}

async function failure(promise: Promise<unknown>): Promise<TaskError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof TaskError) return err;
    throw err;
  }
  throw new Error("expected a TaskError, got success");
}

const T0 = 1_800_000_000_000; // 2027-01-15, a whole second

Deno.test("replay window: reference timestamps from now − (retention − skew − margin) to now + skew", () => {
  assert.deepEqual(replayWindow(RETENTION), {
    maxAgeMs: RETENTION - 5 * 60_000 - 60_000,
    skewMs: 5 * 60_000,
  });
  assert.deepEqual(replayWindow(60_000), { maxAgeMs: 30_000, skewMs: 15_000 }, "the 1m minimum");
  assert.throws(() => replayWindow(0), RangeError);
});

Deno.test("replay window: too old or too far ahead is FAILED_PRECONDITION, the edges pass", async () => {
  const { deps, calls, clock } = await clocked(RETENTION, T0);
  const { maxAgeMs, skewMs } = replayWindow(RETENTION);
  const at = (ms: number) => task({ referenceTimestamp: (T0 + ms) / 1000 });
  const oldest = at(-maxAgeMs);
  const newest = at(skewMs);
  const dayOld = at(-24 * HOUR);
  for (const ok of [oldest, newest, dayOld]) {
    assert.equal(await code(executeSubmission(deps, ok, { signal })), "OK", ok.taskId);
  }
  const stale = at(-maxAgeMs - 1000);
  const err = await failure(executeSubmission(deps, stale, { signal }));
  assert.equal(err.code, "FailedPrecondition");
  assert.match(err.message, /^reference_timestamp \d+ \(2027-01-08T\S+\) is 167h54m1s old/);
  assert.match(err.message, /at most 167h54m \(storage\.retention 168h less clock skew/);
  const ahead = at(skewMs + 1000);
  const future = await failure(executeSubmission(deps, ahead, { signal }));
  assert.equal(future.code, "FailedPrecondition");
  assert.match(
    future.message,
    /is 5m1s ahead of this executor's clock \(2027-01-15T\S+\); at most 5m/,
  );
  assert.equal(await deps.processed.state(stale.taskId), undefined, "not claimed");
  assert.equal(await deps.processed.state(ahead.taskId), undefined, "not claimed");
  assert.deepEqual(calls, [oldest.taskId, newest.taskId, dayOld.taskId]);
  // The same submission later: the clock moved past its window.
  clock.ms += 1000;
  assert.equal(
    await code(executeSubmission(deps, at(-maxAgeMs), { signal })),
    "FailedPrecondition",
  );
});

Deno.test("replay window: a submission is refused before its claim can have expired", async () => {
  // Shortest retention, worst case: the first run's timestamp as far ahead as allowed.
  const retention = 60_000;
  const { deps, calls, clock } = await clocked(retention, T0);
  const { maxAgeMs, skewMs } = replayWindow(retention);
  const t = task({ referenceTimestamp: (T0 + skewMs) / 1000 });
  assert.equal(await code(executeSubmission(deps, t, { signal })), "OK");
  // The last moment the window accepts it: the claim made at T0 is still there.
  clock.ms = T0 + skewMs + maxAgeMs;
  assert.equal(await code(executeSubmission(deps, t, { signal })), "AlreadyExists");
  // Retention later the claim has expired: without the window the task ran a second time.
  clock.ms = T0 + retention + 1;
  assert.equal(await deps.processed.state(t.taskId), undefined, "claim expired");
  const err = await failure(executeSubmission(deps, t, { signal }));
  assert.equal(err.code, "FailedPrecondition");
  assert.match(
    err.message,
    /reference_timestamp \d+ .* is 45s old; this executor accepts at most 30s/,
  );
  assert.deepEqual(calls, [t.taskId], "run once");
});

Deno.test("replay window: checked again after authorize, right before the claim", async () => {
  const { deps, calls, clock } = await clocked(RETENTION, T0);
  const { maxAgeMs } = replayWindow(RETENTION);
  // Authorize takes a while (a chain catch-up): the timestamp leaves the window meanwhile.
  deps.authorize = () => {
    clock.ms += 2000;
    return Promise.resolve({ scheme: "ecdsa" });
  };
  const t = task({ referenceTimestamp: (T0 - maxAgeMs) / 1000 });
  assert.equal(await code(executeSubmission(deps, t, { signal })), "FailedPrecondition");
  assert.equal(await deps.processed.state(t.taskId), undefined, "not claimed");
  assert.deepEqual(calls, []);
});

Deno.test("replay window: checked once the claim has committed; out of it, the claim is released", async () => {
  const { deps, calls, clock } = await clocked(RETENTION, T0);
  const { maxAgeMs } = replayWindow(RETENTION);
  // A slow store: the claim commits 5 s later (within the task's deadline), after the window.
  const claim = deps.processed.claim;
  deps.processed = {
    ...deps.processed,
    claim: (id) => {
      clock.ms += 5_000;
      return claim(id);
    },
  };
  const t = task({ referenceTimestamp: (T0 - maxAgeMs + 2_000) / 1000 });
  const err = await failure(executeSubmission(deps, t, { signal }));
  assert.equal(err.code, "FailedPrecondition");
  assert.match(err.message, /is 167h54m3s old/);
  assert.equal(await deps.processed.state(t.taskId), undefined, "released");
  assert.deepEqual(calls, [], "never ran");
});

Deno.test("when only the closing store write fails, the signed result still comes back", async () => {
  const { deps, calls, processed } = await setup();
  const logged: { msg: string; fields?: object }[] = [];
  deps.log = (_level, msg, fields) => logged.push({ msg, fields });
  deps.processed = {
    ...deps.processed,
    finish: () => Promise.reject(new StoreError("StoreUnavailable", "The store failed a write")),
  };
  const t = task();
  const result = await executeSubmission(deps, t, { signal });
  assert.equal(new TextDecoder().decode(result.output), "HI");
  const digest = resultSignatureDigest({ scheme: "ecdsa", ecdsaVerifier: VERIFIER }, {
    taskId: t.taskId,
    output: result.output,
    referenceTimestamp: t.referenceTimestamp,
  });
  assert.equal(recoverAddress(digest, result.resultSignature), operatorKey.address);
  assert.equal(await processed.state(t.taskId), "running", "the claim stays");
  assert.equal(await code(executeSubmission(deps, t, { signal })), "AlreadyExists");
  // What an aggregator retrying it learns: its outcome is unknown, and it will not run again.
  assert.match(
    await refusal(executeSubmission(deps, t, { signal })),
    /already received: it is still running, or was sent to the performer before the executor restarted \(outcome unknown\); it is not run again/,
  );
  assert.deepEqual(calls, [t.taskId], "run once");
  assert.deepEqual(logged.map((l) => l.msg), [
    "cannot record a task's outcome in the store; the id stays claimed",
  ]);
  assert.match(JSON.stringify(logged[0].fields), /"outcome":"done".*The store failed a write/);
  await processed.close();
});

Deno.test("a claim the store does not answer in the task's time fails UNAVAILABLE, unrun", async () => {
  const { deps, calls, processed } = await setup({ taskTimeoutMs: 300 });
  const store = "/var/lib/executor/executor.kv";
  const stuck = new StoreHealth(await openStore(":memory:"), { path: store });
  const deadlines: (number | undefined)[] = [];
  deps.processed = {
    ...deps.processed,
    // The claim's write waits on another process's lock, for longer than any task.
    claim: (taskId, o) => {
      deadlines.push(o?.deadline);
      const until = o?.deadline ?? Date.now() + 5_000;
      return stuck.call(`the claim of task ${taskId}`, new Promise<boolean>(() => {}), until);
    },
  };
  const start = Date.now();
  const err = await executeSubmission(deps, task(), { signal }).then(() => undefined, (e) => e);
  const took = Date.now() - start;
  assert.ok(err instanceof TaskError, `a TaskError, got ${err}`);
  assert.equal(err.code, "Unavailable");
  assert.match(
    err.message,
    /^The executor store \/var\/lib\/executor\/executor\.kv did not answer/,
  );
  assert.match(err.message, /was not run$/);
  assert.ok(took >= 250 && took < 1_500, `answered after ${took} ms (task timeout 300 ms)`);
  assert.deepEqual(calls, [], "never run without a claim");
  assert.equal(deadlines.length, 1);
  assert.ok(deadlines[0]! <= start + 300 + 50, "the claim got the task's deadline");
  await processed.close();
});

Deno.test("the answer does not wait for the outcome write; the claim already refuses copies", async () => {
  const { deps, calls, processed } = await setup();
  let land!: () => void;
  const landed = new Promise<void>((r) => land = r);
  const finish = deps.processed.finish;
  deps.processed = {
    ...deps.processed,
    // An outcome write that takes as long as the test says (a slow disk, a busy store).
    finish: async (id, state, o) => {
      await landed;
      await finish(id, state, o);
    },
  };
  const t = task();
  const result = await executeSubmission(deps, t, { signal });
  assert.equal(new TextDecoder().decode(result.output), "HI");
  assert.equal(await processed.state(t.taskId), "running", "answered before the outcome landed");
  assert.equal(await code(executeSubmission(deps, t, { signal })), "AlreadyExists");
  assert.deepEqual(calls, [t.taskId], "run once");
  land();
  // The outcome lands afterwards (state waits for the store's pending write of the id).
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(await processed.state(t.taskId), "done");
  await processed.close();
});

/** An authorize that trusts every submission after `delayMs`, or refuses the ones `refuse` picks. */
function slowAuthorize(
  delayMs: (t: { taskId: string; signature: Uint8Array }) => number,
  refuse: (t: { signature: Uint8Array }) => boolean,
) {
  return async (t: Parameters<NonNullable<TaskDeps["authorize"]>>[0]) => {
    await new Promise((r) => setTimeout(r, delayMs(t)));
    if (refuse(t)) throw new TaskError("PermissionDenied", "Aggregator signature rejected");
    return { scheme: "ecdsa" as const };
  };
}

Deno.test("the id is claimed while the signature is checked; a refused submission leaves no claim", async () => {
  const { deps, calls, processed } = await setup();
  const seen: (TaskState | undefined)[] = [];
  const genuine = task();
  deps.authorize = async (t, settings) => {
    // Half-way through the check, the claim has already committed.
    await new Promise((r) => setTimeout(r, 20));
    seen.push(await processed.state(t.taskId));
    const { trustConfiguredAggregators } = await import("./pipeline.ts");
    return trustConfiguredAggregators(t, settings);
  };
  const forged = task({ aggregatorAddress: aggregatorKey.address }, strangerKey);
  assert.equal(await code(executeSubmission(deps, forged, { signal })), "PermissionDenied");
  assert.equal(await processed.state(forged.taskId), undefined, "released before the answer");
  assert.equal(await code(executeSubmission(deps, genuine, { signal })), "OK");
  assert.deepEqual(seen, ["running", "running"], "claimed during verification");
  assert.deepEqual(calls, [genuine.taskId]);
  await processed.close();
});

Deno.test("a forged copy claimed first does not refuse the genuine task arriving during its check", async () => {
  const { deps, calls, processed } = await setup();
  const genuine = task();
  const forged = task(
    { taskId: genuine.taskId, aggregatorAddress: aggregatorKey.address },
    strangerKey,
  );
  const isForged = (t: { signature: Uint8Array }) =>
    t.signature.every((b, i) => b === forged.signature[i]);
  // The forged copy's check takes 50 ms (a chain read, say); its early claim lands meanwhile.
  deps.authorize = slowAuthorize((t) => isForged(t) ? 50 : 0, isForged);
  const first = code(executeSubmission(deps, forged, { signal }));
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(await processed.state(genuine.taskId), "running", "the forged copy's claim landed");
  const second = code(executeSubmission(deps, genuine, { signal }));
  assert.deepEqual([await first, await second], ["PermissionDenied", "OK"]);
  assert.deepEqual(calls, [genuine.taskId], "the genuine task ran, once");
  assert.equal(await processed.state(genuine.taskId), "done");
  // Afterwards its claim refuses copies, forged or not.
  assert.equal(await code(executeSubmission(deps, genuine, { signal })), "AlreadyExists");
  await processed.close();
});

Deno.test("a genuine duplicate of a task still being checked is refused once that one is verified", async () => {
  const { deps, calls, processed } = await setup();
  const t = task();
  let n = 0;
  // The first copy's check is slow; the second, checked at once, finds the first's claim.
  deps.authorize = slowAuthorize(() => n++ === 0 ? 40 : 0, () => false);
  const codes = await Promise.all([
    code(executeSubmission(deps, t, { signal })),
    new Promise((r) => setTimeout(r, 10)).then(() => code(executeSubmission(deps, t, { signal }))),
  ]);
  assert.deepEqual(codes, ["OK", "AlreadyExists"]);
  assert.deepEqual(calls, [t.taskId], "run exactly once");
  await processed.close();
});
