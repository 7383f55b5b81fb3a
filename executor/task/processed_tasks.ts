/**
 * Step 2 of the task path: a task id is run at most once. Claiming an id is one atomic
 * check-and-set in Deno KV (persisted, so it holds across restarts), and every record expires
 * after the retention period, so the store stays bounded.
 *
 * A claim is released only when the task never reached the performer (it failed validation,
 * verification, or the performer was unavailable); once sent, a task stays claimed whatever
 * happened, because tasks are not idempotent.
 * @module
 */

/** Where a task id stands. */
export type TaskState = "running" | "done" | "failed";

/** The store of processed task ids. */
export interface ProcessedTasks {
  /** Claims an id; false if it was already claimed. */
  claim(taskId: string): Promise<boolean>;
  /** Records the outcome of a claimed task. */
  finish(taskId: string, state: "done" | "failed"): Promise<void>;
  /** Forgets a claim whose task never reached the performer. */
  release(taskId: string): Promise<void>;
  /** The state of an id, if known. */
  state(taskId: string): Promise<TaskState | undefined>;
}

const PREFIX = ["processed-tasks"];

/** The processed-task store over an open Deno KV database. */
export function processedTasks(kv: Deno.Kv, retentionMs: number): ProcessedTasks {
  const key = (taskId: string) => [...PREFIX, taskId.toLowerCase()];
  const put = (taskId: string, state: TaskState) =>
    kv.set(key(taskId), { state, at: Date.now() }, { expireIn: retentionMs });
  return {
    async claim(taskId) {
      const result = await kv.atomic()
        .check({ key: key(taskId), versionstamp: null })
        .set(key(taskId), { state: "running", at: Date.now() }, { expireIn: retentionMs })
        .commit();
      return result.ok;
    },
    async finish(taskId, state) {
      await put(taskId, state);
    },
    async release(taskId) {
      await kv.delete(key(taskId));
    },
    async state(taskId) {
      const entry = await kv.get<{ state: TaskState }>(key(taskId));
      return entry.value?.state;
    },
  };
}

/** Opens (creating it if needed) the executor's Deno KV database at `path`. */
export async function openStore(path: string): Promise<Deno.Kv> {
  try {
    return await Deno.openKv(path);
  } catch (err) {
    throw new Error(`Cannot open the executor store at ${path}: ${(err as Error).message}`, {
      cause: err,
    });
  }
}
