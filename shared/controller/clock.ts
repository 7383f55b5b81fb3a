/**
 * Time and timers as a value, so the work queue, the rate limiter and the controller can run on
 * a fake clock in tests (no real sleeps) and on the system clock otherwise.
 * @module
 */

/** Milliseconds and timers. */
export interface Clock {
  /** Milliseconds on a monotonic clock (only differences mean anything). */
  now(): number;
  /** Calls `fn` once after `ms`; returns a handle for `clearTimeout`. */
  setTimeout(fn: () => void, ms: number): number;
  /** Cancels a pending `setTimeout`; unknown or fired handles are ignored. */
  clearTimeout(id: number): void;
}

/** The real clock: `performance.now()` and the global timers. */
export const systemClock: Clock = Object.freeze({
  now: () => performance.now(),
  // Deno's global setTimeout returns a number; @types/node's declaration says Timeout.
  setTimeout: (fn: () => void, ms: number) => setTimeout(fn, ms) as unknown as number,
  clearTimeout: (id: number) => clearTimeout(id),
});
