/**
 * Exponential back-off with jitter, the project's one implementation, with the option names of
 * std's `retry` (`@std/async`): each failure waits `minTimeout × multiplier^n`, capped at
 * `maxTimeout`, spread by ± `jitter` so that many clients restarting together do not retry in
 * lock-step. `backoffDelay` is the formula; `exponentialBackoff` a sequence over it for loops that
 * keep running (informers, leader election, the executor's restarts); `retry` (in `retry.ts`) a
 * call repeated until it succeeds; the work queue's per-key delay is `backoffDelay` without jitter.
 * @module
 */

/** Options of an exponential back-off. */
export interface BackoffOptions {
  /** First delay in ms. */
  minTimeout: number;
  /** Largest delay in ms. */
  maxTimeout: number;
  /** Growth factor per failure (default 2). */
  multiplier?: number;
  /**
   * Fraction of random spread either side of each delay, 0..1 (default 0.2). std's `retry` only
   * shortens a delay, by up to this fraction.
   */
  jitter?: number;
  /** Random source in [0, 1), for tests. */
  random?: () => number;
}

/** The delay in ms after failure number `failures` + 1 (0 for the first failure). */
export function backoffDelay(failures: number, options: BackoffOptions): number {
  const multiplier = options.multiplier ?? 2;
  const jitter = options.jitter ?? 0.2;
  const base = Math.min(options.maxTimeout, options.minTimeout * multiplier ** failures);
  if (jitter === 0) return Math.max(0, Math.round(base));
  const spread = base * jitter * ((options.random ?? Math.random)() * 2 - 1);
  return Math.max(0, Math.round(Math.min(options.maxTimeout, base + spread)));
}

/** A back-off sequence: `next()` after each failure, `reset()` after a success. */
export interface Backoff {
  /** Delay before the next attempt, in ms. */
  next(): number;
  /** Start again from `minTimeout`. */
  reset(): void;
  /** Failures since the last reset. */
  readonly failures: number;
}

/** Creates an exponential back-off sequence. */
export function exponentialBackoff(options: BackoffOptions): Backoff {
  let failures = 0;
  return {
    next: () => backoffDelay(failures++, options),
    reset() {
      failures = 0;
    },
    get failures() {
      return failures;
    },
  };
}

/** Resolves after `ms`, or rejects when `signal` aborts first. */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
