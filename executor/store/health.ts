/**
 * Whether the store answers, and store calls bounded in time. On a SQLite file another process
 * holds a write lock on, a Deno KV write fails with "database is locked" at once (a checked
 * atomic write) or after 5 s (a plain one) when the store was opened before the lock, and blocks
 * until the lock goes when it was opened during it (measured: > 118 s) — past any task deadline.
 * So every call of the task path races a timer, writes are checked ones, and the outcome of the
 * last call or probe write is what `/readyz` reports.
 * @module
 */

import type { Logger } from "../../shared/runtime/log.ts";
import { StoreError } from "./errors.ts";

const PROBE_KEY = ["store-probe"];

/** Options of a {@linkcode StoreHealth}. */
export interface StoreHealthOptions {
  /** The store's file, named in every error. */
  path: string;
  /** How long a readiness probe write may take (default 2 s). */
  probeTimeoutMs?: number;
  log?: Logger;
}

/** Store calls bounded by a deadline, and the store's health from their outcomes. */
export class StoreHealth {
  readonly #kv: Deno.Kv;
  readonly #o: StoreHealthOptions;
  #problem: string | undefined;
  #probe: Promise<unknown> | undefined;
  #inFlight = 0;

  constructor(kv: Deno.Kv, options: StoreHealthOptions) {
    this.#kv = kv;
    this.#o = options;
  }

  /**
   * Store calls not settled yet, timed-out ones included. `Deno.Kv.close()` blocks the whole
   * process while one waits on another process's lock, so the store is not closed then.
   */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Why the store is unusable (the last call failed or timed out), if it is. */
  get problem(): string | undefined {
    return this.#problem;
  }

  /**
   * Awaits a store call until `deadline` (epoch ms); StoreError "StoreUnavailable" naming the
   * store and `what` if it fails or is still pending then. The call itself cannot be cancelled:
   * it may still land later.
   */
  async call<T>(what: string, pending: Promise<T>, deadline: number): Promise<T> {
    const ms = Math.max(0, Math.round(deadline - Date.now()));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(this.#timedOut(what, ms)), ms);
    });
    this.#inFlight++;
    // A failure after the timeout has nobody to tell.
    pending.catch(() => {}).finally(() => this.#inFlight--);
    try {
      const value = await Promise.race([pending, timeout]);
      this.#recovered();
      return value;
    } catch (err) {
      const error = err instanceof StoreError ? err : new StoreError(
        "StoreUnavailable",
        `The executor store ${this.#o.path} failed ${what}: ${(err as Error).message}`,
        { cause: err },
      );
      this.#failed(error);
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * One small write (at most one in flight), bounded by `timeoutMs`; StoreError if it does not
   * go through. This is how an unusable store is noticed without tasks, and how it recovers.
   */
  probe(timeoutMs: number = this.#o.probeTimeoutMs ?? 2_000): Promise<void> {
    this.#probe ??= checkedWrite(this.#kv, { key: PROBE_KEY, value: { at: Date.now() } }).finally(
      () => {
        this.#probe = undefined;
      },
    );
    return this.call("a probe write", this.#probe, Date.now() + timeoutMs).then(() => {});
  }

  #timedOut(what: string, ms: number): StoreError {
    return new StoreError(
      "StoreUnavailable",
      `The executor store ${this.#o.path} did not answer ${what} within ${ms} ms: another ` +
        `process may hold a lock on the file (a backup, an sqlite3 shell, a second executor)`,
    );
  }

  #failed(error: StoreError): void {
    if (this.#problem === undefined) {
      this.#o.log?.("error", "executor store unusable", { error: error.message });
    }
    this.#problem = error.message;
  }

  #recovered(): void {
    if (this.#problem === undefined) return;
    this.#o.log?.("info", "executor store usable again", { was: this.#problem });
    this.#problem = undefined;
  }
}

/**
 * Writes `value` to `key` (deletes it without a value) as an atomic operation that checks the
 * key's current version. Measured on a file another process write-locks: a plain `set` or
 * `delete` waits 5 s (SQLite's busy timeout) before "database is locked", holding up every write
 * queued behind it; a checked one fails at once (under 1 ms). The check itself cannot fail: one
 * executor per store, and one writer per key.
 */
export async function checkedWrite(
  kv: Deno.Kv,
  write: { key: Deno.KvKey; value?: unknown; expireIn?: number },
): Promise<void> {
  const current = await kv.get(write.key);
  const op = kv.atomic().check(current);
  if (write.value === undefined) op.delete(write.key);
  else op.set(write.key, write.value, { expireIn: write.expireIn });
  await op.commit();
}
