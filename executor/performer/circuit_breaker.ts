/**
 * A circuit breaker for calls to one performer: after `failureThreshold` connection failures in
 * a row it opens and tasks fail fast (Unavailable) instead of piling up on a dead endpoint; after
 * `resetTimeoutMs` it lets one trial call through (half-open) and closes again if it succeeds.
 * @module
 */

/** The breaker's states. */
export type BreakerState = "closed" | "open" | "half-open";

/** Options of a circuit breaker. */
export interface CircuitBreakerOptions {
  failureThreshold?: number;
  resetTimeoutMs?: number;
  now?: () => number;
}

/** A circuit breaker. */
export class CircuitBreaker {
  #state: BreakerState = "closed";
  #failures = 0;
  #openedAt = 0;
  #trialInFlight = false;
  readonly #threshold: number;
  readonly #resetMs: number;
  readonly #now: () => number;

  constructor(options: CircuitBreakerOptions = {}) {
    this.#threshold = options.failureThreshold ?? 5;
    this.#resetMs = options.resetTimeoutMs ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  /** The current state (an open breaker past its timeout reports half-open). */
  get state(): BreakerState {
    if (this.#state === "open" && this.#now() - this.#openedAt >= this.#resetMs) return "half-open";
    return this.#state;
  }

  /** Whether a call may go through now; a half-open breaker admits one trial at a time. */
  tryAcquire(): boolean {
    const state = this.state;
    if (state === "closed") return true;
    if (state === "open" || this.#trialInFlight) return false;
    this.#state = "half-open";
    this.#trialInFlight = true;
    return true;
  }

  /** Records a call that reached the performer. */
  onSuccess(): void {
    this.#state = "closed";
    this.#failures = 0;
    this.#trialInFlight = false;
  }

  /** Records a connection failure. */
  onFailure(): void {
    this.#trialInFlight = false;
    this.#failures++;
    if (this.#state === "half-open" || this.#failures >= this.#threshold) {
      this.#state = "open";
      this.#openedAt = this.#now();
    }
  }
}
