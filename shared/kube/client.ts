/**
 * Kubernetes client set-up shared by the operator, the executor and the dev tools: where the
 * kubeconfig comes from (explicit path, in-cluster, `KUBECONFIG`, `~/.kube/config` — as kubectl
 * looks), API clients whose every request first waits on a client-side rate limiter (when one
 * is given; the operator has none by default, and `kubeCall` retries a 429 after its
 * Retry-After) and then has a timeout, and per-call options that tie one request to an
 * AbortSignal.
 *
 * This is client plumbing, not controller runtime: it stays here, beside `errors.ts`, and knows
 * nothing of `shared/controller/` (which depends on it). The rate limiter is any object with a
 * `wait()`, such as the runtime's `TokenBucket`.
 * @module
 */

import * as k8s from "@kubernetes/client-node";
import { DEFAULT_REQUEST_TIMEOUT_MS } from "./call_options.ts";
import { defaultKubeconfigPath, runningInPod, SERVICE_ACCOUNT_DIR } from "./kubeconfig_location.ts";

/** Where to find the cluster. */
export interface KubeConfigOptions {
  /** A kubeconfig file; wins over everything else. */
  kubeconfigPath?: string;
  /** Use the pod's service account (fails outside a pod). */
  inCluster?: boolean;
  /** Context to use instead of the kubeconfig's current context. */
  context?: string;
}

/** Loads a kubeconfig the way kubectl does; throws an error naming what it tried. */
export function loadKubeConfig(options: KubeConfigOptions = {}): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  const tried: string[] = [];
  try {
    if (options.kubeconfigPath) {
      tried.push(`--kubeconfig ${options.kubeconfigPath}`);
      kc.loadFromFile(options.kubeconfigPath);
    } else if (options.inCluster || runningInPod()) {
      tried.push(`in-cluster service account (${SERVICE_ACCOUNT_DIR})`);
      kc.loadFromCluster();
    } else {
      const path = defaultKubeconfigPath(tried);
      kc.loadFromFile(path);
    }
    if (options.context) kc.setCurrentContext(options.context);
  } catch (err) {
    throw new Error(
      `Cannot load a Kubernetes config (tried ${tried.join(", ")}): ${(err as Error).message}`,
      { cause: err },
    );
  }
  if (!kc.getCurrentCluster()) {
    throw new Error(`The Kubernetes config (${tried.join(", ")}) has no current cluster`);
  }
  return kc;
}

export { DEFAULT_REQUEST_TIMEOUT_MS } from "./call_options.ts";

/** Options for API clients. */
export interface ApiClientOptions {
  /** Waited on before every request (client-side QPS/burst limit). */
  limiter?: { wait(): Promise<void> };
  /**
   * Each request is cancelled if it has not been answered, body included, this long after it
   * was sent (time spent waiting on `limiter` does not count); 0: no timeout. Default 30 s. A
   * per-call signal (`withSignal`) can end a request sooner, never later.
   */
  timeoutMs?: number;
}

type ApiConstructor<T> = new (config: k8s.Configuration) => T;

/**
 * Like `KubeConfig.makeApiClient`, with a rate limiter in front of each request and a timeout
 * on each. Watches do not go through these clients (see `shared/controller/informer.ts`).
 */
export function makeApiClient<T>(
  kc: k8s.KubeConfig,
  api: ApiConstructor<T>,
  options: ApiClientOptions = {},
): T {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error("The Kubernetes config has no current cluster");
  const { limiter, timeoutMs = DEFAULT_REQUEST_TIMEOUT_MS } = options;
  if (!(timeoutMs >= 0 && Number.isFinite(timeoutMs))) {
    throw new RangeError(`timeoutMs must be a finite number ≥ 0, not ${timeoutMs}`);
  }
  const middleware: k8s.Middleware[] = [];
  if (limiter) {
    middleware.push({
      pre: async (context) => {
        await limiter.wait();
        return context;
      },
      post: (context) => Promise.resolve(context),
    });
  }
  if (timeoutMs > 0) {
    middleware.push({
      pre: (context) => {
        // After the limiter: the timeout counts from when the request is sent.
        context.setSignal(AbortSignal.timeout(timeoutMs));
        return Promise.resolve(context);
      },
      post: (context) => Promise.resolve(context),
    });
  }
  const config = k8s.createConfiguration({
    baseServer: new k8s.ServerConfiguration(cluster.server, {}),
    authMethods: { default: kc },
    promiseMiddleware: middleware,
  });
  return new api(config);
}

/** Per-call options that tie a request to an AbortSignal (kept here for existing importers). */
export { signalOf, withSignal } from "./call_options.ts";
