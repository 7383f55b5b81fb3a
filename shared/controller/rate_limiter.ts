/**
 * A token bucket: `qps` tokens per second, at most `burst` saved up. The same model as client-go's
 * client-side limiter, which keeps a controller from flooding the API server after a re-list.
 * @module
 */

import { type Clock, systemClock } from "./clock.ts";

/** Something to wait on before an action. */
export interface RateLimiter {
  /** Resolves when a token is available (and takes it). */
  wait(): Promise<void>;
}

/** Options of a token bucket. */
export interface TokenBucketOptions {
  /** Tokens added per second. */
  qps: number;
  /** Bucket size: how many actions may run back to back. */
  burst: number;
  /** Time and timers (default: the system clock). */
  clock?: Clock;
}

/** A token bucket rate limiter. */
export class TokenBucket implements RateLimiter {
  #tokens: number;
  #last: number;
  #queue: Promise<void> = Promise.resolve();
  readonly #qps: number;
  readonly #burst: number;
  readonly #clock: Clock;

  constructor(options: TokenBucketOptions) {
    if (!(options.qps > 0) || !(options.burst >= 1)) {
      throw new RangeError(`Invalid rate limit: qps ${options.qps}, burst ${options.burst}`);
    }
    this.#qps = options.qps;
    this.#burst = options.burst;
    this.#clock = options.clock ?? systemClock;
    this.#tokens = options.burst;
    this.#last = this.#clock.now();
  }

  /** Milliseconds until a token is free (0 if one is free now); takes the token. */
  reserve(): number {
    const now = this.#clock.now();
    this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#last) / 1000) * this.#qps);
    this.#last = now;
    this.#tokens -= 1;
    return this.#tokens >= 0 ? 0 : (-this.#tokens / this.#qps) * 1000;
  }

  /** Waits for a token; callers are served in order. */
  wait(): Promise<void> {
    // Chained so that concurrent waiters queue instead of all reserving at once.
    this.#queue = this.#queue.then(() => {
      const delay = this.reserve();
      return delay > 0 ? new Promise<void>((r) => this.#clock.setTimeout(r, delay)) : undefined;
    });
    return this.#queue;
  }
}
