/**
 * The generic controller loop: N workers take keys from a work queue and reconcile them.
 *
 * Reconcile is level-triggered: it gets a key, never the event that queued it, and returns an
 * `Action`. Every failure goes through one error policy: a `TerminalError` (the object is wrong
 * and retrying will not help) is not retried; anything else is retried with the key's
 * exponential back-off. An exception in one key never stops the workers.
 *
 * Each reconcile gets an AbortSignal that aborts at its timeout (default 60 s) or when the
 * controller stops. The runtime cannot cancel a reconcile by itself (its key stays claimed until
 * it returns), so a reconcile must pass the signal to every API call it makes
 * (`kubeCall(action, call, { signal })` in `shared/kube/errors.ts`): then a timed-out reconcile
 * stops its in-flight requests, fails, and is retried with back-off.
 * @module
 */

import { ReasonError } from "../errors/reason_error.ts";
import { type Clock, systemClock } from "./clock.ts";
import type { WorkQueue } from "./workqueue.ts";

/** What to do after a successful reconcile. */
export interface Action {
  /** Reconcile again after this many ms even if nothing changes. */
  requeueAfterMs?: number;
}

/** Nothing to do until something changes. */
export const AWAIT_CHANGE: Action = Object.freeze({});

/** A failure that retrying cannot fix (e.g. an invalid spec); reported, not retried. */
export class TerminalError extends ReasonError {}

/** Reconcile outcomes, as in controller-runtime's `controller_runtime_reconcile_total`. */
export type ReconcileResult = "success" | "error" | "requeue_after";

/** Observers of reconciles, for metrics. */
export interface ControllerObserver {
  reconciled?(result: ReconcileResult, seconds: number): void;
  failed?(terminal: boolean): void;
  activeWorkers?(count: number): void;
}

/** Options of a controller. */
export interface ControllerOptions {
  /** Name for logs and metrics, e.g. "performer". */
  name: string;
  /** Where the keys come from; the controller shuts it down when it stops. */
  queue: WorkQueue;
  /**
   * Reconciles one key. `signal` aborts at the timeout or when the controller stops: pass it to
   * every API call, or a hung call keeps the key (and a worker) busy.
   */
  reconcile: (key: string, signal: AbortSignal) => Promise<Action>;
  /** Parallel workers (default 1); one key is never reconciled twice at once. */
  workers?: number;
  /** Per-reconcile timeout in ms (default 60 s). */
  timeoutMs?: number;
  observer?: ControllerObserver;
  log?: (level: "debug" | "info" | "warn" | "error", msg: string, fields?: object) => void;
  /** Time and timers for the timeout and durations (default: the system clock). */
  clock?: Clock;
}

/** Runs the workers until `signal` aborts; resolves once they have all stopped. */
export async function runController(
  options: ControllerOptions,
  signal: AbortSignal,
): Promise<void> {
  const workers = options.workers ?? 1;
  let active = 0;
  signal.addEventListener("abort", () => options.queue.shutDown(), { once: true });
  const worker = async () => {
    for (;;) {
      const key = await options.queue.get();
      if (key === undefined || signal.aborted) {
        if (key !== undefined) options.queue.done(key);
        return;
      }
      options.observer?.activeWorkers?.(++active);
      try {
        await processKey(options, key, signal);
      } finally {
        options.observer?.activeWorkers?.(--active);
        options.queue.done(key);
      }
    }
  };
  await Promise.all(Array.from({ length: workers }, worker));
}

async function processKey(options: ControllerOptions, key: string, stop: AbortSignal) {
  const clock = options.clock ?? systemClock;
  const started = clock.now();
  const timeout = new AbortController();
  const timer = clock.setTimeout(
    () => timeout.abort(new DOMException("Signal timed out.", "TimeoutError")),
    options.timeoutMs ?? 60_000,
  );
  const signal = AbortSignal.any([stop, timeout.signal]);
  const elapsed = () => (clock.now() - started) / 1000;
  try {
    const action = await options.reconcile(key, signal);
    options.queue.forget(key);
    if (action.requeueAfterMs !== undefined) {
      options.queue.addAfter(key, action.requeueAfterMs);
      options.observer?.reconciled?.("requeue_after", elapsed());
    } else {
      options.observer?.reconciled?.("success", elapsed());
    }
  } catch (err) {
    options.observer?.reconciled?.("error", elapsed());
    onFailure(options, key, err);
  } finally {
    clock.clearTimeout(timer);
  }
}

/** The one error policy: a TerminalError is not retried, anything else is, with back-off. */
function onFailure(options: ControllerOptions, key: string, err: unknown): void {
  const terminal = err instanceof TerminalError;
  options.observer?.failed?.(terminal);
  if (terminal) {
    options.queue.forget(key);
    options.log?.("warn", "reconcile failed; not retrying", {
      key,
      reason: err.reason,
      error: err.message,
    });
  } else {
    options.queue.addRateLimited(key);
    options.log?.("warn", "reconcile failed; will retry", {
      key,
      error: errorText(err),
      failures: options.queue.failures(key),
    });
  }
}

/** A one-line description of an error and its causes. */
export function errorText(err: unknown): string {
  const parts: string[] = [];
  let current: unknown = err;
  for (let depth = 0; current !== undefined && depth < 5; depth++) {
    parts.push(current instanceof Error ? current.message : String(current));
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.join(": ");
}
