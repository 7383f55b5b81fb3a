/**
 * Exponential back-off with jitter, in the shape of std's `retry` options: each failure waits
 * `minTimeout × multiplier^n`, capped at `maxTimeout`, spread by ± `jitter` so that many clients
 * restarting together do not retry in lock-step.
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
  /** Fraction of random spread, 0..1 (default 0.2). */
  jitter?: number;
  /** Random source in [0, 1), for tests. */
  random?: () => number;
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
  const multiplier = options.multiplier ?? 2;
  const jitter = options.jitter ?? 0.2;
  const random = options.random ?? Math.random;
  let failures = 0;
  return {
    next() {
      const base = Math.min(options.maxTimeout, options.minTimeout * multiplier ** failures);
      failures++;
      const spread = base * jitter * (random() * 2 - 1);
      return Math.max(0, Math.round(Math.min(options.maxTimeout, base + spread)));
    },
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
