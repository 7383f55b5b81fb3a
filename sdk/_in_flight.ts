/**
 * The tasks a performer is running, so that shutdown can wait for them (drain) and, past its
 * patience, abort what is left.
 * @module
 */

/** A set of running tasks, each with the controller that aborts it. */
export class InFlight {
  readonly #running = new Set<AbortController>();
  #idle = Promise.withResolvers<void>();

  constructor() {
    this.#idle.resolve();
  }

  /** How many tasks are running. */
  get size(): number {
    return this.#running.size;
  }

  /** Runs `task` as tracked: it counts as in flight until its promise settles. */
  async run<T>(controller: AbortController, task: () => Promise<T>): Promise<T> {
    if (this.#running.size === 0) this.#idle = Promise.withResolvers<void>();
    this.#running.add(controller);
    try {
      return await task();
    } finally {
      this.#running.delete(controller);
      if (this.#running.size === 0) this.#idle.resolve();
    }
  }

  /** Resolves true once nothing runs, or false after `timeoutMs`. */
  async drained(timeoutMs: number): Promise<boolean> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<false>((r) => {
      timer = setTimeout(() => r(false), timeoutMs);
    });
    try {
      return await Promise.race([this.#idle.promise.then(() => true), timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Aborts every running task with `reason`. */
  abortAll(reason: Error): void {
    for (const controller of this.#running) controller.abort(reason);
  }
}
