/**
 * Step 1 of the task path: the format of a TaskSubmission, before anything is looked up,
 * stored or verified.
 * @module
 */

import { TaskError } from "./errors.ts";

/** A TaskSubmission as grpc-js decodes it (camelCase, uint64 as a decimal string). */
export interface TaskSubmissionMessage {
  taskId: string;
  aggregatorAddress: string;
  avsAddress: string;
  payload: Uint8Array;
  signature: Uint8Array;
  operatorSetId: number;
  referenceTimestamp: number;
  executorAddress: string;
  taskBlockNumber: string;
  version: number;
}

const TASK_ID = /^0x[0-9a-fA-F]{64}$/;
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

/** Throws InvalidArgument naming the first malformed field; `operatorAddress` is ours. */
export function validateSubmission(task: TaskSubmissionMessage, operatorAddress: string): void {
  const bad = (field: string, why: string): never => {
    throw new TaskError("InvalidArgument", `${field}: ${why}`);
  };
  if (!TASK_ID.test(task.taskId)) bad("task_id", "must be 0x followed by 64 hex digits");
  if (!ADDRESS.test(task.aggregatorAddress)) bad("aggregator_address", "must be a 0x address");
  if (!ADDRESS.test(task.avsAddress)) bad("avs_address", "must be a 0x address");
  if (!ADDRESS.test(task.executorAddress)) bad("executor_address", "must be a 0x address");
  if (task.signature.length === 0) bad("signature", "must not be empty");
  if (!task.referenceTimestamp) bad("reference_timestamp", "must not be zero");
  if (task.version > 1) bad("version", `message format ${task.version} is not supported (1 is)`);
  if (task.executorAddress.toLowerCase() !== operatorAddress.toLowerCase()) {
    bad(
      "executor_address",
      `is ${task.executorAddress}, but this executor serves ${operatorAddress}`,
    );
  }
}

/** What the replay check needs: the store's retention, and a clock (tests inject one). */
export interface ReplayWindow {
  /** `storage.retention`: how long a claimed task id is remembered. */
  retentionMs: number;
  /** Milliseconds since the epoch; `Date.now` by default. */
  now?: () => number;
}

/** The most a reference timestamp may be ahead of this executor's clock (clock skew). */
export const MAX_FUTURE_SKEW_MS = 5 * 60_000;
/** The most the window keeps back as slack below the retention (see replayWindow). */
const MAX_CLAIM_MARGIN_MS = 60_000;

/**
 * The reference timestamps accepted for a retention R: from now − maxAge to now + skew, with
 * skew = min(5 min, R/4), margin = min(1 min, R/4) and maxAge = R − skew − margin (168h →
 * 167h54m; the 1m minimum → 30 s).
 *
 * Why this never runs a submission twice while its claim might have expired: a claim committed
 * at t1 lives at least until t1 + R (`processed_tasks.ts` writes it with `expireIn: R`, finishing
 * only rewrites it later, and Deno KV never deletes early). The first run passed the future
 * bound before its claim, so t1 ≥ r − skew. The pipeline checks the window before the claim and
 * again once the claim has committed (a slow store may take until the task's deadline), so a
 * replay runs only if its claim committed at t2 ≤ r + maxAge = r + R − skew − margin ≤
 * t1 + R − margin < t1 + R: the first claim was still there, and the replay's claim failed
 * (ALREADY_EXISTS). The margin is slack for the clock reads in between. (A store lost with its
 * claims — persistence off and a restart — is outside this argument: the chart warns about it.)
 */
export function replayWindow(retentionMs: number): { maxAgeMs: number; skewMs: number } {
  if (!(retentionMs > 0)) throw new RangeError(`retentionMs must be > 0, got ${retentionMs}`);
  const skewMs = Math.min(MAX_FUTURE_SKEW_MS, retentionMs / 4);
  const marginMs = Math.min(MAX_CLAIM_MARGIN_MS, retentionMs / 4);
  return { maxAgeMs: retentionMs - skewMs - marginMs, skewMs };
}

/**
 * Throws FailedPrecondition when `reference_timestamp` is outside {@linkcode replayWindow}:
 * too old to be told from a replay of a task whose claim has expired, or in the future beyond
 * the clock skew allowed. FAILED_PRECONDITION rather than INVALID_ARGUMENT: the field is
 * well-formed and the answer depends on this executor's clock and retention; the Go executor
 * (Ponos) has no such check, only that the field is not zero (INVALID_ARGUMENT, kept above).
 */
export function checkReferenceTimestamp(referenceTimestamp: number, window: ReplayWindow): void {
  const now = (window.now ?? Date.now)();
  const { maxAgeMs, skewMs } = replayWindow(window.retentionMs);
  const atMs = referenceTimestamp * 1000;
  const stated = `reference_timestamp ${referenceTimestamp} (${iso(atMs)})`;
  if (atMs < now - maxAgeMs) {
    throw new TaskError(
      "FailedPrecondition",
      `${stated} is ${duration(now - atMs)} old; this executor accepts at most ` +
        `${duration(maxAgeMs)} (storage.retention ${duration(window.retentionMs)} less clock ` +
        `skew and margin), since an older submission could replay a task whose id it no ` +
        `longer remembers`,
    );
  }
  if (atMs > now + skewMs) {
    throw new TaskError(
      "FailedPrecondition",
      `${stated} is ${duration(atMs - now)} ahead of this executor's clock (${iso(now)}); at ` +
        `most ${duration(skewMs)} is accepted: check the aggregator's and this host's clocks`,
    );
  }
}

function iso(ms: number): string {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? "not a date" : date.toISOString();
}

/** Milliseconds as "1h2m3s" (whole seconds; "0s" below one). */
function duration(ms: number): string {
  let s = Math.floor(ms / 1000);
  const parts: string[] = [];
  for (const [unit, size] of [["h", 3600], ["m", 60]] as const) {
    if (s >= size) {
      parts.push(`${Math.floor(s / size)}${unit}`);
      s %= size;
    }
  }
  if (s > 0 || parts.length === 0) parts.push(`${s}s`);
  return parts.join("");
}
