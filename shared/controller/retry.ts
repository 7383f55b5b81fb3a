/**
 * `retry` in the shape of Deno std's (`@std/async/retry`): same options and defaults
 * (`multiplier` 2, `maxTimeout` 60 s, `maxAttempts` 5, `minTimeout` 1 s), `isRetriable`, and a
 * `RetryError` carrying the last failure once the attempts are spent. Built on the project's one
 * back-off (`backoff.ts`), so `jitter` spreads each delay by ± that fraction (default 0.2) where
 * std only shortens it; and a `signal` stops the waiting between attempts.
 * @module
 */

import { backoffDelay, type BackoffOptions, delay } from "./backoff.ts";

/** Options of `retry`. */
export interface RetryOptions {
  /** Growth factor of the delay per attempt (default 2). */
  multiplier?: number;
  /** Largest delay between attempts, in ms (default 60 000). */
  maxTimeout?: number;
  /** Attempts in all, the first one included (default 5). */
  maxAttempts?: number;
  /** Delay after the first failure, in ms (default 1000). */
  minTimeout?: number;
  /** Fraction of random spread either side of each delay, 0..1 (default 0.2). */
  jitter?: number;
  /** Whether a failure is worth another attempt (default: every failure is). */
  isRetriable?: (err: unknown) => boolean;
  /** Aborts the wait between attempts; `retry` then rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Random source in [0, 1), for tests. */
  random?: () => number;
}

/** Thrown by `retry` when every attempt failed; `cause` is the last failure. */
export class RetryError extends Error {
  /** How many attempts were made. */
  readonly attempts: number;
  constructor(cause: unknown, attempts: number) {
    super(`Retrying exceeded the maxAttempts (${attempts}).`, { cause });
    this.name = "RetryError";
    this.attempts = attempts;
  }
}

/**
 * Calls `fn` until it succeeds and returns its result. A failure that `isRetriable` rejects is
 * thrown at once; after `maxAttempts` failures, a `RetryError` with the last one as its cause.
 */
export async function retry<T>(
  fn: () => Promise<T> | T,
  options: RetryOptions = {},
): Promise<T> {
  const backoff: BackoffOptions = {
    minTimeout: options.minTimeout ?? 1000,
    maxTimeout: options.maxTimeout ?? 60_000,
    multiplier: options.multiplier ?? 2,
    jitter: options.jitter ?? 0.2,
    random: options.random,
  };
  const maxAttempts = options.maxAttempts ?? 5;
  validate(backoff, maxAttempts);
  const isRetriable = options.isRetriable ?? (() => true);
  for (let attempt = 0;; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (!isRetriable(err)) throw err;
      if (attempt + 1 >= maxAttempts) throw new RetryError(err, maxAttempts);
      await delay(backoffDelay(attempt, backoff), options.signal);
    }
  }
}

function validate(options: BackoffOptions, maxAttempts: number): void {
  const { minTimeout, maxTimeout, jitter } = options;
  if (!(maxTimeout > 0)) {
    throw new RangeError(`Cannot retry: maxTimeout must be positive, not ${maxTimeout}`);
  }
  if (!(minTimeout >= 0 && minTimeout <= maxTimeout)) {
    throw new RangeError(
      `Cannot retry: minTimeout must be between 0 and maxTimeout (${maxTimeout}), not ${minTimeout}`,
    );
  }
  if (!(jitter! >= 0 && jitter! <= 1)) {
    throw new RangeError(`Cannot retry: jitter must be between 0 and 1, not ${jitter}`);
  }
  if (!(Number.isInteger(maxAttempts) && maxAttempts >= 1)) {
    throw new RangeError(
      `Cannot retry: maxAttempts must be a whole number ≥ 1, not ${maxAttempts}`,
    );
  }
}
