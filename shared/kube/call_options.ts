/**
 * Request options shared by the client-node clients (`client.ts`) and the REST client
 * (`rest.ts`): the default request timeout, and per-call options that tie one API request to an
 * AbortSignal (`withSignal`). Loads only client-node's types: `errors.ts` (`kubeCall`) and
 * `rest.ts` use it, and neither may pull the client's generated code into a process that does not
 * otherwise need it (see `rest.ts`).
 * @module
 */

import type * as k8s from "@kubernetes/client-node";

/** Default of `ApiClientOptions.timeoutMs` and `KubeRestOptions.timeoutMs`. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/** Where `withSignal` keeps the signal, for clients that read it (`signalOf`). */
const SIGNAL = Symbol("hourglass.kube.signal");

/** The shape of client-node's `Observable` (its rxjs stub) that its middleware chain calls. */
class Deferred<T> {
  constructor(readonly promise: Promise<T>) {}
  toPromise(): Promise<T> {
    return this.promise;
  }
  pipe<S>(callback: (value: T) => S | Promise<S>): Deferred<S> {
    return new Deferred(this.promise.then(callback));
  }
}

function observable<T>(promise: Promise<T>): k8s.Observable<T> {
  return new Deferred(promise) as unknown as k8s.Observable<T>;
}

/**
 * Per-call options of a client-node API call that tie its request to `signal`: the request is not
 * sent once the signal has aborted (e.g. while it waited on the rate limiter), and aborting
 * cancels it in flight. client-node 1.x hands a request's signal to fetch but has no `signal`
 * parameter; a call-time middleware, appended after the client's own, sets it on the request.
 * Other per-call `options` (such as `k8s.setHeaderOptions` for a patch's Content-Type) are kept.
 * The signal is also kept where `signalOf` finds it, for clients that are not client-node's.
 */
export function withSignal(
  signal: AbortSignal | undefined,
  options?: k8s.ConfigurationOptions,
): k8s.ConfigurationOptions | undefined {
  if (!signal) return options;
  const abortable: k8s.ObservableMiddleware = {
    pre(request) {
      if (signal.aborted) return observable(Promise.reject(signal.reason));
      // Keep the client's own signal (its request timeout): whichever aborts first ends it.
      const own = request.getSignal();
      request.setSignal(own ? AbortSignal.any([own, signal]) : signal);
      return observable(Promise.resolve(request));
    },
    post: (response) => observable(Promise.resolve(response)),
  };
  return Object.assign({
    ...options,
    middleware: [...(options?.middleware ?? []), abortable],
    middlewareMergeStrategy: options?.middlewareMergeStrategy ?? "append",
  }, { [SIGNAL]: signal });
}

/** The signal `withSignal` put in `options`, if any. */
export function signalOf(options: k8s.ConfigurationOptions | undefined): AbortSignal | undefined {
  return (options as { [SIGNAL]?: AbortSignal } | undefined)?.[SIGNAL];
}
