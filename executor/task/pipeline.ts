/**
 * The task path, as one plain function: validate → verify the aggregator, while claiming the id
 * (de-duplication; the claim stands only once verified, see early_claim.ts) → take a concurrency
 * slot → run on the AVS's performer (once, with a deadline, never retried) → sign → record →
 * reply. No slot is taken, and no claim stands, before the aggregator's signature is checked.
 * @module
 */

import {
  type SignatureScheme,
  type SigningKeys,
  verifyAggregatorSignature,
} from "../signing/keys.ts";
import { taskSubmissionDigest } from "../signing/digests.ts";
import type { CertificateVerifierRef } from "../signing/certificate.ts";
import { signTaskResult } from "../signing/task_result.ts";
import { SignatureError } from "../signing/errors.ts";
import type { Logger } from "../../shared/runtime/log.ts";
import type { ConcurrencyLimits } from "./concurrency.ts";
import { StoreError } from "../store/errors.ts";
import { TaskError } from "./errors.ts";
import type { ProcessedTasks } from "./processed_tasks.ts";
import { claimEarly, claimVerified, type EarlyClaim } from "./early_claim.ts";
import {
  checkReferenceTimestamp,
  type ReplayWindow,
  type TaskSubmissionMessage,
  validateSubmission,
} from "./validate.ts";

/** What the task path needs to know about one AVS. */
export interface AvsTaskSettings {
  aggregators: { address: string; blsPublicKey?: string }[];
  /** The curve of the AVS's operator set: what results are signed with. */
  scheme: SignatureScheme;
  taskTimeoutMs: number;
}

/**
 * Decides whether a submission is trusted, before anything is held, and which curve its result
 * is signed with; throws TaskError. Offline mode: {@linkcode trustConfiguredAggregators}; chain
 * mode: `executor/chain/chain_trust.ts`, from EigenLayer at the task's block.
 */
export type AuthorizeTask = (
  task: TaskSubmissionMessage,
  settings: AvsTaskSettings,
) => Promise<{ scheme: SignatureScheme }>;

/** Runs a task on the AVS's current performer; throws TaskError. */
export type RunTask = (
  avsAddress: string,
  task: { taskId: string; payload: Uint8Array },
  options: { deadline: number; signal: AbortSignal },
) => Promise<Uint8Array>;

/** Dependencies of the task path. */
export interface TaskDeps {
  operatorAddress: string;
  /** The ECDSA certificate verifier ECDSA results are bound to (see signing/certificate.ts). */
  ecdsaVerifier?: CertificateVerifierRef;
  /** Keyed by lower-case AVS address. */
  avs: Map<string, AvsTaskSettings>;
  keys: SigningKeys;
  processed: ProcessedTasks;
  /** The replay window: `storage.retention`, the retention `processed` was opened with. */
  replay: ReplayWindow;
  limits: ConcurrencyLimits;
  runTask: RunTask;
  /** Who may submit and how results are signed; default: the config's aggregators (offline). */
  authorize?: AuthorizeTask;
  log?: Logger;
}

/** A TaskResult as grpc-js encodes it. */
export interface TaskResultMessage {
  taskId: string;
  operatorAddress: string;
  output: Uint8Array;
  resultSignature: Uint8Array;
  avsAddress: string;
  operatorSetId: number;
  authSignature: Uint8Array;
  version: number;
}

/** Executes one submitted task; throws TaskError with the status to answer. */
export async function executeSubmission(
  deps: TaskDeps,
  task: TaskSubmissionMessage,
  options: { deadline?: number; signal: AbortSignal },
): Promise<TaskResultMessage> {
  validateSubmission(task, deps.operatorAddress);
  // Before any chain read, so stale or replayed submissions cost nothing.
  checkReferenceTimestamp(task.referenceTimestamp, deps.replay);
  const avsKey = task.avsAddress.toLowerCase();
  const settings = deps.avs.get(avsKey);
  if (!settings) {
    throw new TaskError("NotFound", `No performer for AVS ${task.avsAddress} on this executor`);
  }
  const deadline = Math.min(options.deadline ?? Infinity, Date.now() + settings.taskTimeoutMs);
  // The claim's commit (store I/O) runs while the aggregator's signature is checked (CPU); a
  // claim only stands once verified, and a forged copy's claim cannot refuse the genuine task:
  // see early_claim.ts. Not when the AVS is full: a refusal should not cost two commits.
  const early = deps.limits.hasRoom(avsKey)
    ? claimEarly(deps.processed, task.taskId, { deadline })
    : undefined;
  let scheme: SignatureScheme;
  try {
    ({ scheme } = await (deps.authorize ?? trustConfiguredAggregators)(task, settings));
    // Again after authorize, which may have waited (chain catch-up): the replay argument
    // (validate.ts, replayWindow) needs the window checked around the claim.
    checkReferenceTimestamp(task.referenceTimestamp, deps.replay);
  } catch (err) {
    await early?.drop();
    throw err;
  }
  // A slot only once verified: a forged copy must not take one from the genuine task.
  const release = deps.limits.tryAcquire(avsKey);
  if (!release) {
    await early?.drop();
    throw new TaskError(
      "ResourceExhausted",
      `Too many tasks in flight for AVS ${task.avsAddress}; retry later`,
    );
  }
  try {
    await claim(deps, task.taskId, deadline, early);
    // And after it: a claim that took long to commit (a slow store) must still have landed
    // inside the window for the replay argument (validate.ts) to hold.
    await recheckAfterClaim(deps, task);
    return await runClaimed(deps, task, scheme, { deadline, signal: options.signal });
  } finally {
    release();
  }
}

/**
 * Claims the id before anything runs, within the task's deadline (or confirms the claim issued
 * early): a store that is locked or failing fails the task with UNAVAILABLE, and the task never
 * runs without a claim.
 */
async function claim(
  deps: TaskDeps,
  taskId: string,
  deadline: number,
  early: EarlyClaim | undefined,
): Promise<void> {
  let claimed: boolean;
  try {
    claimed = early
      ? await early.confirm()
      : await claimVerified(deps.processed, taskId, { deadline });
  } catch (err) {
    if (!(err instanceof StoreError)) throw err;
    throw new TaskError("Unavailable", `${err.message}; task ${taskId} was not run`, {
      cause: err,
    });
  }
  if (!claimed) {
    throw new TaskError(
      "AlreadyExists",
      `Task ${taskId} was already received${await whatBecameOf(deps, taskId)}`,
    );
  }
}

/**
 * What an aggregator retrying a task should know: results are not kept, so a task that ran is
 * not answered again; one still marked running was sent to the performer by an earlier process
 * (or is in flight now), and its outcome is unknown. Best effort: a failing read says nothing.
 */
async function whatBecameOf(deps: TaskDeps, taskId: string): Promise<string> {
  const state = await deps.processed.state(taskId).catch(() => undefined);
  if (state === "done") return ": it ran and succeeded; results are not kept, it is not run again";
  if (state === "failed") return ": it ran and failed; it is not run again";
  if (state === "running") {
    return ": it is still running, or was sent to the performer before the executor restarted " +
      "(outcome unknown); it is not run again";
  }
  return "";
}

async function runClaimed(
  deps: TaskDeps,
  task: TaskSubmissionMessage,
  scheme: SignatureScheme,
  options: { deadline: number; signal: AbortSignal },
): Promise<TaskResultMessage> {
  let ran = false;
  try {
    if (Date.now() >= options.deadline) {
      throw new TaskError("DeadlineExceeded", "The task's deadline has passed");
    }
    const output = await deps.runTask(task.avsAddress, {
      taskId: task.taskId,
      payload: task.payload,
    }, options);
    ran = true;
    const result = sign(deps, task, output, scheme);
    void record(deps, task.taskId, "done", options.deadline);
    return result;
  } catch (err) {
    // Once the performer may have run the task, the id stays claimed: tasks are not idempotent.
    const sent = ran || (err instanceof TaskError && err.reachedPerformer);
    const recorded = record(deps, task.taskId, sent ? "failed" : "released", options.deadline);
    // A release must land before the answer: the aggregator may retry the id right away, and
    // the claim would refuse it. An outcome need not (see `record`).
    if (!sent) await recorded;
    if (err instanceof TaskError) throw err;
    throw new TaskError("Internal", `Task ${task.taskId} failed: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

/** The least time the closing bookkeeping write gets, even when the task used all of its own. */
const BOOKKEEPING_MS = 1_000;

/**
 * The closing bookkeeping of a claimed task: never what the aggregator is answered. When it
 * fails, the signed result (or the task's own error) still goes back; the id stays claimed
 * ("running") until the retention passes, so the task is still never run twice — a released
 * claim that fails only means a retry of that id is refused.
 *
 * The outcome of a task that reached the performer ("done", "failed") is written off the
 * response path: the answer does not wait for it. This does not weaken de-duplication, because
 * the claim is what de-duplicates — it landed (checked, atomic) before the task ran, and any
 * later copy of the id is refused by it whatever the record says. The outcome only turns
 * "running" into "done"/"failed" for operators reading the store; if it never lands (a crash
 * right after the answer, a store that fails now), the id stays "running", exactly as when
 * the write fails on the path, which already did not change the answer. A store that became
 * unusable still fails the next task's claim with UNAVAILABLE, and shows on `/readyz`, since
 * the write still goes through StoreHealth. Saved: one store commit per task (0.3–6 ms
 * measured, more under load) off the latency; the store then holds the outcome back to share the
 * next claim's commit (processed_tasks.ts, WriteQueue). A release stays on the path (see
 * `runClaimed`).
 */
async function record(
  deps: TaskDeps,
  taskId: string,
  outcome: "done" | "failed" | "released",
  deadline: number,
): Promise<void> {
  const options = { deadline: Math.max(deadline, Date.now() + BOOKKEEPING_MS) };
  try {
    if (outcome === "released") await deps.processed.release(taskId, options);
    else await deps.processed.finish(taskId, outcome, options);
  } catch (err) {
    deps.log?.("error", "cannot record a task's outcome in the store; the id stays claimed", {
      taskId,
      outcome,
      error: (err as Error).message,
    });
  }
}

/** The replay window once more, after the claim; out of it, the claim is released unused. */
async function recheckAfterClaim(deps: TaskDeps, task: TaskSubmissionMessage): Promise<void> {
  try {
    checkReferenceTimestamp(task.referenceTimestamp, deps.replay);
  } catch (err) {
    // The task never reaches the performer. If the store cannot release it now, the id stays
    // claimed until it expires: a later copy is refused either way, being older still.
    await deps.processed.release(task.taskId).catch(() => {});
    throw err;
  }
}

/**
 * Offline mode: the aggregator must be listed in the AVS's `aggregators` and its signature
 * verify against that entry; results are signed with the configured curve.
 */
export function trustConfiguredAggregators(
  task: TaskSubmissionMessage,
  settings: AvsTaskSettings,
): Promise<{ scheme: SignatureScheme }> {
  verifyAggregator(task, settings);
  return Promise.resolve({ scheme: settings.scheme });
}

function verifyAggregator(task: TaskSubmissionMessage, settings: AvsTaskSettings): void {
  const aggregator = settings.aggregators.find((a) =>
    a.address.toLowerCase() === task.aggregatorAddress.toLowerCase()
  );
  if (!aggregator) {
    throw new TaskError(
      "PermissionDenied",
      `Aggregator ${task.aggregatorAddress} is not trusted for AVS ${task.avsAddress}`,
    );
  }
  try {
    verifyAggregatorSignature(taskSubmissionDigest({ ...task }), task.signature, aggregator);
  } catch (err) {
    if (err instanceof SignatureError) {
      throw new TaskError("PermissionDenied", `Aggregator signature rejected: ${err.message}`, {
        cause: err,
      });
    }
    throw err;
  }
}

function sign(
  deps: TaskDeps,
  task: TaskSubmissionMessage,
  output: Uint8Array,
  scheme: SignatureScheme,
): TaskResultMessage {
  // Lower-cased like the Go executor, which answers with the address it keys performers by.
  const avsAddress = task.avsAddress.toLowerCase();
  const { resultSignature, authSignature } = signTaskResult(deps.keys, {
    scheme,
    ecdsaVerifier: deps.ecdsaVerifier,
  }, {
    taskId: task.taskId,
    avsAddress,
    operatorAddress: deps.operatorAddress,
    operatorSetId: task.operatorSetId,
    referenceTimestamp: task.referenceTimestamp,
    output,
  });
  return {
    taskId: task.taskId,
    operatorAddress: deps.operatorAddress,
    output,
    resultSignature,
    avsAddress,
    operatorSetId: task.operatorSetId,
    authSignature,
    version: 1,
  };
}
