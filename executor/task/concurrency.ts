/**
 * Back-pressure: at most N tasks per AVS in flight. Beyond that a task is refused at once
 * (ResourceExhausted) instead of waiting in an unbounded queue.
 * @module
 */

/** Per-key counters of in-flight work with a limit each. */
export class ConcurrencyLimits {
  readonly #inFlight = new Map<string, number>();
  readonly #limits: Map<string, number>;

  /** `limits`: key (lower-case AVS address) → maximum in flight. */
  constructor(limits: Map<string, number>) {
    this.#limits = limits;
  }

  /** Sets (or changes) the limit of a key; tasks already in flight are not affected. */
  setLimit(key: string, limit: number): void {
    this.#limits.set(key, limit);
  }

  /** Takes a slot; returns its release function, or undefined when the key is full. */
  tryAcquire(key: string): (() => void) | undefined {
    const limit = this.#limits.get(key) ?? 0;
    const current = this.#inFlight.get(key) ?? 0;
    if (current >= limit) return undefined;
    this.#inFlight.set(key, current + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#inFlight.set(key, (this.#inFlight.get(key) ?? 1) - 1);
    };
  }

  /** Whether a slot is free now (a hint: only `tryAcquire` takes one). */
  hasRoom(key: string): boolean {
    return (this.#inFlight.get(key) ?? 0) < (this.#limits.get(key) ?? 0);
  }

  /** Tasks in flight for a key. */
  inFlight(key: string): number {
    return this.#inFlight.get(key) ?? 0;
  }
}
