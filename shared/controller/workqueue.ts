/**
 * A work queue of keys, with client-go's semantics:
 * - a key waiting in the queue is there once, however often it is added;
 * - a key being processed is never handed to a second worker; if it is added meanwhile it is
 *   marked dirty and queued again when the first worker calls `done`;
 * - `addRateLimited` delays a key by the larger of a per-key exponential back-off (5 ms doubling
 *   to 1000 s by default; `forget` resets it) and an overall token bucket (10 qps, burst 100).
 *
 * Time comes from an injectable `Clock` (the system clock by default), so tests drive delays and
 * back-off with a fake clock instead of sleeping.
 * @module
 */

import { backoffDelay } from "./backoff.ts";
import { type Clock, systemClock } from "./clock.ts";
import { TokenBucket } from "./rate_limiter.ts";

/** Observers of the queue, for metrics. */
export interface QueueObserver {
  depth?(depth: number): void;
  added?(): void;
  retried?(): void;
  /** Time a key waited in the queue before a worker took it. */
  waited?(seconds: number): void;
}

/** Options of a work queue. */
export interface WorkQueueOptions {
  /** Per-key back-off base in ms (default 5). */
  baseDelayMs?: number;
  /** Per-key back-off cap in ms (default 1,000,000). */
  maxDelayMs?: number;
  /** Overall rate of retries (default 10 qps, burst 100). */
  qps?: number;
  burst?: number;
  observer?: QueueObserver;
  /** Time and timers (default: the system clock). */
  clock?: Clock;
}

/** A de-duplicating, rate-limited queue of string keys. */
export class WorkQueue {
  readonly #queue: string[] = [];
  readonly #queued = new Set<string>();
  readonly #processing = new Set<string>();
  readonly #dirty = new Set<string>();
  readonly #addedAt = new Map<string, number>();
  readonly #failures = new Map<string, number>();
  readonly #timers = new Map<string, { at: number; id: number }>();
  readonly #waiters: ((key: string | undefined) => void)[] = [];
  readonly #bucket: TokenBucket;
  readonly #clock: Clock;
  readonly #options: Required<WorkQueueOptions>;
  #shuttingDown = false;

  constructor(options: WorkQueueOptions = {}) {
    this.#options = {
      baseDelayMs: options.baseDelayMs ?? 5,
      maxDelayMs: options.maxDelayMs ?? 1_000_000,
      qps: options.qps ?? 10,
      burst: options.burst ?? 100,
      observer: options.observer ?? {},
      clock: options.clock ?? systemClock,
    };
    this.#clock = this.#options.clock;
    this.#bucket = new TokenBucket({
      qps: this.#options.qps,
      burst: this.#options.burst,
      clock: this.#options.clock,
    });
  }

  /** Queues a key now (no-op if already queued; deferred if being processed). */
  add(key: string): void {
    if (this.#shuttingDown) return;
    this.#options.observer.added?.();
    if (this.#processing.has(key)) {
      this.#dirty.add(key);
      return;
    }
    if (this.#queued.has(key)) return;
    const waiter = this.#waiters.shift();
    if (waiter) {
      this.#processing.add(key);
      this.#options.observer.waited?.(0);
      waiter(key);
      return;
    }
    this.#queued.add(key);
    this.#addedAt.set(key, this.#clock.now());
    this.#queue.push(key);
    this.#options.observer.depth?.(this.#queue.length);
  }

  /** Queues a key after `ms`; an earlier pending add of the same key wins. */
  addAfter(key: string, ms: number): void {
    if (this.#shuttingDown) return;
    if (ms <= 0) return this.add(key);
    const at = this.#clock.now() + ms;
    const existing = this.#timers.get(key);
    if (existing && existing.at <= at) return;
    if (existing) this.#clock.clearTimeout(existing.id);
    const id = this.#clock.setTimeout(() => {
      this.#timers.delete(key);
      this.add(key);
    }, ms);
    this.#timers.set(key, { at, id });
  }

  /** Queues a key after its back-off; each call without `forget` doubles the key's delay. */
  addRateLimited(key: string): void {
    const failures = this.#failures.get(key) ?? 0;
    this.#failures.set(key, failures + 1);
    const itemDelay = backoffDelay(failures, {
      minTimeout: this.#options.baseDelayMs,
      maxTimeout: this.#options.maxDelayMs,
      jitter: 0,
    });
    this.#options.observer.retried?.();
    this.addAfter(key, Math.max(itemDelay, this.#bucket.reserve()));
  }

  /** Resets the back-off of a key (after a successful reconcile). */
  forget(key: string): void {
    this.#failures.delete(key);
  }

  /** Failures recorded for a key since its last `forget`. */
  failures(key: string): number {
    return this.#failures.get(key) ?? 0;
  }

  /** Waits for a key to process; undefined once the queue shuts down. */
  get(): Promise<string | undefined> {
    const key = this.#queue.shift();
    if (key !== undefined) {
      this.#queued.delete(key);
      this.#processing.add(key);
      const addedAt = this.#addedAt.get(key);
      this.#addedAt.delete(key);
      if (addedAt !== undefined) {
        this.#options.observer.waited?.((this.#clock.now() - addedAt) / 1000);
      }
      this.#options.observer.depth?.(this.#queue.length);
      return Promise.resolve(key);
    }
    if (this.#shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Marks a key's processing finished; re-queues it if it was added meanwhile. */
  done(key: string): void {
    this.#processing.delete(key);
    if (this.#dirty.delete(key)) this.add(key);
  }

  /** Number of keys waiting (not counting delayed or in-flight ones). */
  get length(): number {
    return this.#queue.length;
  }

  /** Keys currently being processed. */
  get inFlight(): number {
    return this.#processing.size;
  }

  /** Stops handing out keys; waiting `get` calls resolve with undefined. */
  shutDown(): void {
    this.#shuttingDown = true;
    for (const { id } of this.#timers.values()) this.#clock.clearTimeout(id);
    this.#timers.clear();
    for (const waiter of this.#waiters.splice(0)) waiter(undefined);
  }
}
