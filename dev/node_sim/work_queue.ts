/**
 * A small keyed work queue: a key waits in the queue at most once; a key being handled is never
 * handed to a second worker (added meanwhile, it is handled again afterwards); a failing key is
 * retried with its own exponential back-off and never stops the other keys.
 * @module
 */

/** Options of a work queue. */
export interface WorkQueueOptions {
  /** Handles one key; a rejection schedules a retry. */
  handler: (key: string) => Promise<void>;
  /** Keys handled at once (default 4). */
  workers?: number;
  /** Per-key retry back-off: first and largest delay in ms (default 50 ms … 30 s). */
  minRetryMs?: number;
  maxRetryMs?: number;
  /** Told about every failure, with the delay before the retry. */
  onError?: (key: string, err: unknown, retryInMs: number) => void;
}

/** A de-duplicating queue of string keys with bounded concurrency. */
export class WorkQueue {
  readonly #o: Required<Omit<WorkQueueOptions, "onError">> & Pick<WorkQueueOptions, "onError">;
  readonly #queue: string[] = [];
  readonly #queued = new Set<string>();
  readonly #active = new Map<string, Promise<void>>();
  readonly #dirty = new Set<string>();
  readonly #failures = new Map<string, number>();
  readonly #timers = new Map<string, ReturnType<typeof setTimeout>>();
  #stopped = false;

  constructor(options: WorkQueueOptions) {
    this.#o = { workers: 4, minRetryMs: 50, maxRetryMs: 30_000, ...options };
  }

  /** Queues `key` (no-op when already queued; handled again later when in progress). */
  add(key: string): void {
    if (this.#stopped) return;
    if (this.#active.has(key)) {
      this.#dirty.add(key);
      return;
    }
    if (this.#queued.has(key)) return;
    this.#queued.add(key);
    this.#queue.push(key);
    this.#pump();
  }

  /** Queues `key` after `ms` (an earlier pending timer for it wins). */
  addAfter(key: string, ms: number): void {
    if (this.#stopped || this.#timers.has(key)) return;
    const timer = setTimeout(() => {
      this.#timers.delete(key);
      this.add(key);
    }, ms);
    this.#timers.set(key, timer);
  }

  /** Keys queued or being handled. */
  get pending(): number {
    return this.#queue.length + this.#active.size;
  }

  /** Stops taking keys and waits for the handlers in progress. */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    this.#queue.length = 0;
    this.#queued.clear();
    await Promise.all(this.#active.values());
  }

  #pump(): void {
    while (!this.#stopped && this.#active.size < this.#o.workers && this.#queue.length > 0) {
      const key = this.#queue.shift()!;
      this.#queued.delete(key);
      this.#active.set(key, this.#handle(key));
    }
  }

  async #handle(key: string): Promise<void> {
    try {
      await this.#o.handler(key);
      this.#failures.delete(key);
    } catch (err) {
      const failures = (this.#failures.get(key) ?? 0) + 1;
      this.#failures.set(key, failures);
      const delay = Math.min(this.#o.maxRetryMs, this.#o.minRetryMs * 2 ** (failures - 1));
      this.#o.onError?.(key, err, delay);
      this.addAfter(key, delay);
    } finally {
      // Deferred so that `#active` holds this promise before it is removed.
      await Promise.resolve();
      this.#active.delete(key);
      if (this.#dirty.delete(key)) this.add(key);
      this.#pump();
    }
  }
}
