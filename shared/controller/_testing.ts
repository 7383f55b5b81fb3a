/**
 * Test helpers of the controller runtime: a clock that moves only when told to.
 * @module
 */

import type { Clock } from "./clock.ts";

/** A `Clock` for tests: time stands still until `tick`, which runs due timers in order. */
export class FakeClock implements Clock {
  #now = 0;
  #nextId = 1;
  readonly #timers = new Map<number, { at: number; fn: () => void }>();

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): number {
    const id = this.#nextId++;
    this.#timers.set(id, { at: this.#now + Math.max(0, ms), fn });
    return id;
  }

  clearTimeout(id: number): void {
    this.#timers.delete(id);
  }

  /** Timers not yet fired or cleared. */
  get pending(): number {
    return this.#timers.size;
  }

  /** Moves time forward by `ms`, running each timer that falls due, earliest first. */
  tick(ms: number): void {
    const end = this.#now + ms;
    for (let next = this.#due(end); next; next = this.#due(end)) {
      this.#timers.delete(next.id);
      this.#now = next.at;
      next.fn();
    }
    this.#now = end;
  }

  #due(end: number): { id: number; at: number; fn: () => void } | undefined {
    let first: { id: number; at: number; fn: () => void } | undefined;
    for (const [id, timer] of this.#timers) {
      if (timer.at <= end && (!first || timer.at < first.at)) first = { id, ...timer };
    }
    return first;
  }
}

/** Lets every pending promise callback run (one macrotask turn; no time passes on a FakeClock). */
export function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}
