/**
 * Step 2 of the task path: a task id is run at most once. Claiming an id is one atomic
 * check-and-set in Deno KV (persisted, so it holds across restarts), and every record expires
 * after the retention period, so the store stays bounded.
 *
 * A claim is released only when the task never reached the performer (it failed validation,
 * verification, or the performer was unavailable); once sent, a task stays claimed whatever
 * happened, because tasks are not idempotent.
 *
 * Every call is bounded by a deadline (the task's) through the store's {@linkcode StoreHealth},
 * so a locked or failing store fails the task with StoreError "StoreUnavailable" in time, and
 * shows on `/readyz`. Opening (lock, check) is `executor/store/open_store.ts`.
 * @module
 */

import { checkedWrite, StoreHealth } from "../store/health.ts";

/** Where a task id stands. */
export type TaskState = "running" | "done" | "failed";

/** Until when a store call may take (epoch ms); default: 5 s from now. */
export interface StoreCallOptions {
  deadline?: number;
}

/** The store of processed task ids; calls throw StoreError when the store fails or is late. */
export interface ProcessedTasks {
  /** Claims an id; false if it was already claimed. */
  claim(taskId: string, options?: StoreCallOptions): Promise<boolean>;
  /** Records the outcome of a claimed task. */
  finish(taskId: string, state: "done" | "failed", options?: StoreCallOptions): Promise<void>;
  /** Forgets a claim whose task never reached the performer. */
  release(taskId: string, options?: StoreCallOptions): Promise<void>;
  /** The state of an id, if known. */
  state(taskId: string): Promise<TaskState | undefined>;
}

const PREFIX = ["processed-tasks"];

const DEFAULT_CALL_MS = 5_000;

/**
 * The processed-task store over an open Deno KV database; `health` bounds its calls (default: a
 * StoreHealth of its own, for tests).
 */
export function processedTasks(
  kv: Deno.Kv,
  retentionMs: number,
  options: { health?: StoreHealth } = {},
): ProcessedTasks {
  const health = options.health ?? new StoreHealth(kv, { path: "(unnamed)" });
  const key = (taskId: string) => [...PREFIX, taskId.toLowerCase()];
  const until = (o?: StoreCallOptions) => o?.deadline ?? Date.now() + DEFAULT_CALL_MS;
  return {
    async claim(taskId, o) {
      const attempt = kv.atomic()
        .check({ key: key(taskId), versionstamp: null })
        .set(key(taskId), { state: "running", at: Date.now() }, { expireIn: retentionMs })
        .commit();
      try {
        return (await health.call(`the claim of task ${taskId}`, attempt, until(o))).ok;
      } catch (err) {
        // Timed out, but it may still land: the task is not run, so a late claim is dropped
        // again rather than refusing the aggregator's retry for the whole retention.
        attempt.then((r) => r.ok ? kv.delete(key(taskId)) : undefined).catch(() => {});
        throw err;
      }
    },
    async finish(taskId, state, o) {
      const write = checkedWrite(kv, {
        key: key(taskId),
        value: { state, at: Date.now() },
        expireIn: retentionMs,
      });
      await health.call(`the outcome of task ${taskId}`, write, until(o));
    },
    async release(taskId, o) {
      const write = checkedWrite(kv, { key: key(taskId) });
      await health.call(`the release of task ${taskId}`, write, until(o));
    },
    async state(taskId) {
      const entry = await kv.get<{ state: TaskState }>(key(taskId));
      return entry.value?.state;
    },
  };
}

/** Opens (creating it if needed) a Deno KV database at `path`, unchecked: tests only. */
export async function openStore(path: string): Promise<Deno.Kv> {
  try {
    return await Deno.openKv(path);
  } catch (err) {
    throw new Error(`Cannot open the executor store at ${path}: ${(err as Error).message}`, {
      cause: err,
    });
  }
}
