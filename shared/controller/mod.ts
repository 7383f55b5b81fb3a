/**
 * The controller runtime, in the shape of controller-runtime and kube-rs: everything a
 * level-triggered Kubernetes controller needs that is not about one resource.
 *
 * - `Informer` lists and watches one kind into a cache. It owns the writable `Store`; reconcilers
 *   and everyone else read through a `ReadonlyStore`, and a controller reports what its own
 *   writes returned through the informer's `WriteRecorder` methods.
 * - `WorkQueue` carries keys (`namespace/name`), never events: de-duplicated, one worker per key,
 *   per-key back-off under an overall token bucket. Its `Clock` (now and timers) is injectable, as
 *   are the controller's and the token bucket's, so tests run on fake time.
 * - `runController` runs N workers over the queue. A reconcile returns an `Action`; a
 *   `TerminalError` is not retried, anything else is, with back-off. Each reconcile gets an
 *   AbortSignal that aborts at its timeout; it passes `{ signal }` to every API call it makes
 *   (`kubeCall` in `shared/kube/errors.ts`), so a reconcile that times out really stops.
 * - `runLeaderElection` campaigns for a Lease; `createControllerMetrics` exports the runtime's
 *   metrics under controller-runtime's names.
 * - `backoffDelay`, `exponentialBackoff`, `retry` (std's `retry` options) and `delay` are the one
 *   back-off implementation of the project; the work queue's per-key delay uses it too.
 *
 * Kubernetes client plumbing stays in `shared/kube/`: loading a kubeconfig, API clients behind a
 * rate limiter, per-call options that tie a request to an AbortSignal, and `KubeApiError`. It is
 * not controller runtime: the executor and the dev tools use it without any controller, and this
 * folder depends on it, never the reverse.
 * @module
 */

export {
  type Backoff,
  backoffDelay,
  type BackoffOptions,
  delay,
  exponentialBackoff,
} from "./backoff.ts";
export { type Clock, systemClock } from "./clock.ts";
export {
  type Action,
  AWAIT_CHANGE,
  type ControllerObserver,
  type ControllerOptions,
  errorText,
  type ReconcileResult,
  runController,
  TerminalError,
} from "./controller.ts";
export {
  Informer,
  type InformerOptions,
  type ListParams,
  type ListResult,
  type Watcher,
} from "./informer.ts";
export { type LeaderElectionOptions, type LeaseApi, runLeaderElection } from "./leader_election.ts";
export { type ControllerMetrics, createControllerMetrics } from "./metrics.ts";
export { type RateLimiter, TokenBucket, type TokenBucketOptions } from "./rate_limiter.ts";
export {
  type InformerEvent,
  objectKey,
  type ReadonlyStore,
  Store,
  type WriteRecorder,
} from "./store.ts";
export { retry, RetryError, type RetryOptions } from "./retry.ts";
export { type QueueObserver, WorkQueue, type WorkQueueOptions } from "./workqueue.ts";
