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

import { StoreHealth } from "../store/health.ts";

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
  /**
   * Commits the writes held back to share a later commit (outcomes, see {@linkcode WriteQueue})
   * now; resolves when nothing is queued. Before the store is closed.
   */
  flush(): Promise<void>;
}

const PREFIX = ["processed-tasks"];

const DEFAULT_CALL_MS = 5_000;

/**
 * Most writes one group commit carries. Deno KV allows 100 checks per atomic operation; every
 * write here carries one.
 */
const MAX_BATCH = 64;

/**
 * Longest an outcome write waits for a claim's commit to ride with (see {@linkcode WriteQueue}).
 * Only how long an id reads "running" after its answer: the claim already de-duplicates.
 */
export const OUTCOME_DEFER_MS = 50;

/** One queued write: a claim (a check that the key is absent) or a set/delete checked by version. */
interface QueuedWrite {
  key: Deno.KvKey;
  /** The version the key must have: null = absent (a claim). */
  versionstamp: string | null;
  /** The value to set; undefined deletes. */
  value?: unknown;
  /** May wait up to OUTCOME_DEFER_MS for another write's commit (an outcome). */
  deferred: boolean;
  resolve: (r: Deno.KvCommitResult | Deno.KvCommitError) => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit: writes submitted while a commit is in flight go out together in the next one,
 * as one atomic operation with a check per key. Measured on this machine (2 cores, ext4), a
 * Deno KV commit takes 0.3–1.3 ms and commits are serialised, so at 64 tasks in flight the
 * store's write thread, not the performer, set the pace (3 writes per task before: claim, read
 * and write of the outcome). A batch whose checks do not all pass (a duplicate claim among them)
 * is retried write by write, so each write gets exactly the answer it would get alone: the
 * de-duplication guarantee is the per-key check, unchanged.
 *
 * Outcomes are deferred: they start no commit of their own, but go with the next one (a claim's,
 * usually the next task's) or after OUTCOME_DEFER_MS. Why: every Deno KV commit is an fsync,
 * and an outcome committed on its own could still be in flight when the aggregator's next task
 * arrived — that task's claim, the write its answer waits for, queued behind it. Measured at 1 in
 * flight (strace, per task): fsync 2.02 → 1.02, pwrite64 15.2 → 10.8, fcntl 12.1 → 6.0; in
 * process (tests/bench/task_path.ts) p50 1.31–1.40 → 0.68–0.93 ms. Claims (and releases, which an answer waits
 * for) go first in a batch; deferred writes fill it.
 */
class WriteQueue {
  readonly #kv: Deno.Kv;
  readonly #expireIn: number;
  #queue: QueuedWrite[] = [];
  #flushing = false;
  /** Deferred writes go now: flush() or their timer asked. */
  #hurried = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** flush() callers, told when the queue is empty. */
  #drained: (() => void)[] = [];

  constructor(kv: Deno.Kv, expireIn: number) {
    this.#kv = kv;
    this.#expireIn = expireIn;
  }

  write(
    key: Deno.KvKey,
    versionstamp: string | null,
    value?: unknown,
    options: { deferred?: boolean } = {},
  ): Promise<Deno.KvCommitResult | Deno.KvCommitError> {
    const deferred = options.deferred === true;
    return new Promise((resolve, reject) => {
      this.#queue.push({ key, versionstamp, value, deferred, resolve, reject });
      if (!deferred) {
        // At once when idle: the commit runs on the store's thread while the caller goes on
        // (the task path checks the aggregator's signature meanwhile, see early_claim.ts);
        // writes submitted while it is in flight share the next commit.
        this.#start(false);
      } else if (this.#timer === undefined) {
        this.#timer = setTimeout(() => {
          this.#timer = undefined;
          if (this.#queue.length > 0) this.#start(true);
        }, OUTCOME_DEFER_MS);
      }
    });
  }

  /** Commits everything queued, deferred writes too; resolves when the queue is empty. */
  flush(): Promise<void> {
    if (this.#queue.length === 0 && !this.#flushing) return Promise.resolve();
    return new Promise((resolve) => {
      this.#drained.push(resolve);
      this.#start(true);
    });
  }

  #start(hurry: boolean): void {
    if (hurry) this.#hurried = true;
    if (this.#flushing) return;
    this.#flushing = true;
    void this.#flush();
  }

  async #flush(): Promise<void> {
    while (this.#queue.some((w) => !w.deferred) || (this.#hurried && this.#queue.length > 0)) {
      const batch: QueuedWrite[] = [];
      const keys = new Set<string>();
      const rest: QueuedWrite[] = [];
      // Writes something waits for first, then deferred ones.
      for (
        const w of [
          ...this.#queue.filter((w) => !w.deferred),
          ...this.#queue.filter((w) => w.deferred),
        ]
      ) {
        const id = String(w.key[w.key.length - 1]);
        // The same key twice in one atomic operation would pass both checks: the second write
        // waits for the next commit, where it sees the first.
        if (batch.length < MAX_BATCH && !keys.has(id)) {
          keys.add(id);
          batch.push(w);
        } else rest.push(w);
      }
      this.#queue = rest;
      await this.#commit(batch);
    }
    // No await from the loop's last check to here: nothing was queued in between.
    this.#flushing = false;
    this.#hurried = false;
    if (this.#queue.length === 0) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
      for (const resolve of this.#drained.splice(0)) resolve();
    }
  }

  async #commit(batch: QueuedWrite[]): Promise<void> {
    try {
      const result = await this.#atomic(batch).commit();
      if (result.ok || batch.length === 1) {
        for (const w of batch) w.resolve(result);
        return;
      }
    } catch (err) {
      for (const w of batch) w.reject(err);
      return;
    }
    // Some check failed: each write alone, so only the ones whose own check fails are refused.
    await Promise.all(batch.map(async (w) => {
      try {
        w.resolve(await this.#atomic([w]).commit());
      } catch (err) {
        w.reject(err);
      }
    }));
  }

  #atomic(batch: QueuedWrite[]): Deno.AtomicOperation {
    const op = this.#kv.atomic();
    for (const w of batch) {
      op.check({ key: w.key, versionstamp: w.versionstamp });
      if (w.value === undefined) op.delete(w.key);
      else op.set(w.key, w.value, { expireIn: this.#expireIn });
    }
    return op;
  }
}

/**
 * The processed-task store over an open Deno KV database; `health` bounds its calls (default: a
 * StoreHealth of its own, for tests).
 *
 * Writes are checked atomic operations (see `checkedWrite` in `store/health.ts`: they fail at
 * once on a locked file), grouped into shared commits ({@linkcode WriteQueue}). The outcome and
 * the release of a claim are checked against the version the claim wrote, so they cost one
 * write, not a read and a write. `state` waits for this store's pending writes of the id (and
 * sends deferred ones now), so a caller that did not await `finish` still reads its own writes.
 */
export function processedTasks(
  kv: Deno.Kv,
  retentionMs: number,
  options: { health?: StoreHealth } = {},
): ProcessedTasks {
  const health = options.health ?? new StoreHealth(kv, { path: "(unnamed)" });
  const queue = new WriteQueue(kv, retentionMs);
  const key = (taskId: string) => [...PREFIX, taskId.toLowerCase()];
  const until = (o?: StoreCallOptions) => o?.deadline ?? Date.now() + DEFAULT_CALL_MS;
  /** The version each claim of this process wrote, until its outcome or release is written. */
  const claimed = new Map<string, string>();
  /** Outcome and release writes not settled yet, by id. */
  const pending = new Map<string, Promise<unknown>>();
  /** Writes `value` (undefined deletes) over the claim's own version, one write. */
  const closeClaim = async (
    taskId: string,
    value: unknown,
    what: string,
    o: StoreCallOptions | undefined,
    deferred: boolean,
  ) => {
    const id = taskId.toLowerCase();
    const write = (async () => {
      const version = claimed.get(id) ?? (await kv.get(key(id))).versionstamp;
      claimed.delete(id);
      const result = await queue.write(key(id), version, value, { deferred });
      // The check cannot fail while this process is the only writer of its claims; if it does,
      // the record is not what this process wrote, and saying so beats a silent no-op.
      if (!result.ok) throw new Error(`task ${taskId} changed in the store since it was claimed`);
    })();
    const settled = write.catch(() => {});
    pending.set(id, settled);
    settled.finally(() => {
      if (pending.get(id) === settled) pending.delete(id);
    });
    await health.call(`${what} of task ${taskId}`, write, until(o));
  };
  return {
    async claim(taskId, o) {
      const id = taskId.toLowerCase();
      const attempt = queue.write(key(id), null, { state: "running", at: Date.now() });
      try {
        const result = await health.call(`the claim of task ${taskId}`, attempt, until(o));
        if (result.ok) claimed.set(id, result.versionstamp);
        return result.ok;
      } catch (err) {
        // Timed out, but it may still land: the task is not run, so a late claim is dropped
        // again rather than refusing the aggregator's retry for the whole retention.
        attempt.then((r) => r.ok ? kv.delete(key(id)) : undefined).catch(() => {});
        throw err;
      }
    },
    finish(taskId, state, o) {
      // Deferred: nothing waits for an outcome (see WriteQueue).
      return closeClaim(taskId, { state, at: Date.now() }, "the outcome", o, true);
    },
    release(taskId, o) {
      // Not deferred: the answer waits for a release (pipeline.ts, runClaimed).
      return closeClaim(taskId, undefined, "the release", o, false);
    },
    async state(taskId) {
      const write = pending.get(taskId.toLowerCase());
      if (write) {
        void queue.flush();
        await write;
      }
      const entry = await kv.get<{ state: TaskState }>(key(taskId));
      return entry.value?.state;
    },
    async flush() {
      await queue.flush();
      // A close whose claim is from before a restart reads its version first, and joins the
      // queue after that read (then within OUTCOME_DEFER_MS).
      await Promise.all(pending.values());
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
