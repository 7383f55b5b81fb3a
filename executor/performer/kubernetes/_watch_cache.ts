/**
 * The runtime's view of the cluster: list+watch caches of this executor's Performers (by the
 * executor label) and — started on first need, for connectVia podIP — of the operator's pods,
 * plus `waitFor`, which re-checks a condition on every change either cache sees. Readiness is
 * therefore watched, never polled on a timer.
 * @module
 */

import { executorSelector } from "../../../shared/api/labels.ts";
import type * as k8s from "@kubernetes/client-node";
import { PLURAL } from "../../../shared/api/performer.ts";
import { Informer, type ListParams, type ListResult } from "../../../shared/controller/mod.ts";
import type { Logger } from "../../../shared/runtime/log.ts";
import { withTimeout } from "./_cluster_check.ts";
import {
  type PerformerResource,
  readiness,
  type ReadinessOptions,
  runtimeStateOf,
} from "./_state.ts";
import { KubernetesRuntimeError } from "./errors.ts";

/** The operator's label on the pods it creates (the pods of every Performer). */
const OPERATOR_PODS = "app.kubernetes.io/managed-by=hourglass-operator";

/** One step of a wait: keep waiting (undefined), done with a value, or failed. */
export type WaitStep<T> = undefined | { done: T } | { fail: Error };

/** Options of `WatchCache`. */
export interface WatchCacheOptions {
  kubeConfig: k8s.KubeConfig;
  custom: k8s.CustomObjectsApi;
  core: k8s.CoreV1Api;
  namespace: string;
  executorId: string;
  group: string;
  version: string;
  log: Logger;
}

/** Watch caches of Performers and pods, with waits on them. */
export class WatchCache {
  readonly #o: WatchCacheOptions;
  readonly #performers: Informer<PerformerResource>;
  #pods?: { informer: Informer<k8s.V1Pod>; synced: Promise<void> };
  readonly #waiters = new Set<() => void>();

  constructor(options: WatchCacheOptions) {
    this.#o = options;
    const { custom, namespace, group, version } = options;
    this.#performers = new Informer<PerformerResource>({
      name: "performers",
      kubeConfig: options.kubeConfig,
      watchPath: `/apis/${group}/${version}/namespaces/${namespace}/${PLURAL}`,
      labelSelector: executorSelector(options.executorId),
      list: (p: ListParams) =>
        custom.listNamespacedCustomObject({
          group,
          version,
          plural: PLURAL,
          namespace,
          ...p,
        }) as Promise<ListResult<PerformerResource>>,
      log: options.log,
    });
    this.#performers.onEvent(() => this.#notify());
  }

  /** Starts the Performer cache; resolves once it holds a full list (within `timeoutMs`). */
  async start(timeoutMs: number): Promise<void> {
    try {
      await withTimeout(this.#performers.start(), timeoutMs);
    } catch (err) {
      await this.stop();
      throw new KubernetesRuntimeError(
        "ClusterUnreachable",
        `Cannot watch Performers in namespace "${this.#o.namespace}": ${(err as Error).message}`,
        { cause: err },
      );
    }
  }

  /**
   * Starts the pod cache unless it runs; resolves once it holds a full list (within
   * `timeoutMs`; a later call waits again for the same start).
   */
  async ensurePods(timeoutMs: number): Promise<void> {
    try {
      await withTimeout(this.#startPods(), timeoutMs);
    } catch (err) {
      throw new KubernetesRuntimeError(
        "ClusterUnreachable",
        `Cannot watch pods in namespace "${this.#o.namespace}" (connectVia podIP needs pods ` +
          `get/list/watch): ${(err as Error).message}`,
        { cause: err },
      );
    }
  }

  #startPods(): Promise<void> {
    if (!this.#pods) {
      const { core, namespace, kubeConfig, log } = this.#o;
      const informer = new Informer<k8s.V1Pod>({
        name: "performer-pods",
        kubeConfig,
        watchPath: `/api/v1/namespaces/${namespace}/pods`,
        labelSelector: OPERATOR_PODS,
        list: (p: ListParams) => core.listNamespacedPod({ namespace, ...p }),
        log,
      });
      informer.onEvent(() => this.#notify());
      this.#pods = { informer, synced: informer.start() };
    }
    return this.#pods.synced;
  }

  /** The cached Performer `name`, if any. */
  performer(name: string): PerformerResource | undefined {
    return this.#performers.store.get(`${this.#o.namespace}/${name}`);
  }

  /** The cached pod `name`, if the pod cache runs and has it. */
  pod(name: string): k8s.V1Pod | undefined {
    return this.#pods?.informer.store.get(`${this.#o.namespace}/${name}`);
  }

  /**
   * Runs `check` now and after every change the caches see, until it is done or failed, the
   * time is up (NotReady, with `describe()` saying what was last seen) or `signal` aborts.
   */
  waitFor<T>(
    check: () => WaitStep<T>,
    options: { timeoutMs: number; what: string; describe: () => string; signal?: AbortSignal },
  ): Promise<T> {
    const { promise, resolve, reject } = Promise.withResolvers<T>();
    const { signal } = options;
    const evaluate = () => {
      let step: WaitStep<T>;
      try {
        step = check();
      } catch (err) {
        step = { fail: err as Error };
      }
      if (step === undefined) return;
      finish();
      if ("done" in step) resolve(step.done);
      else reject(step.fail);
    };
    const timer = setTimeout(() => {
      finish();
      reject(
        new KubernetesRuntimeError(
          "NotReady",
          `${options.what} within ${options.timeoutMs / 1000} s (${options.describe()})`,
        ),
      );
    }, options.timeoutMs);
    const onAbort = () => {
      finish();
      reject(new KubernetesRuntimeError("Cancelled", `${options.what}: cancelled`));
    };
    const finish = () => {
      clearTimeout(timer);
      this.#waiters.delete(evaluate);
      signal?.removeEventListener("abort", onAbort);
    };
    if (signal?.aborted) {
      onAbort();
      return promise;
    }
    signal?.addEventListener("abort", onAbort, { once: true });
    this.#waiters.add(evaluate);
    evaluate();
    return promise;
  }

  /**
   * Watches Performer `name` until it is ready and its endpoint is known; fails fast on a
   * failure the operator reports or on deletion. With `generation` (a restart), only a status
   * for that generation, served by a pod other than `replacing`, counts.
   */
  waitServing(
    name: string,
    options: ReadinessOptions & { timeoutMs: number; signal?: AbortSignal },
  ): Promise<{ resource: PerformerResource; endpoint: string }> {
    const id = `Performer "${this.#o.namespace}/${name}"`;
    const gone = `${id} was deleted while the executor waited for it`;
    let last: PerformerResource | undefined;
    return this.waitFor<{ resource: PerformerResource; endpoint: string }>(() => {
      const found = this.performer(name);
      if (!found) {
        // Not cached before its ADDED event arrives; gone once it has been seen.
        return last ? { fail: new KubernetesRuntimeError("Deleted", gone) } : undefined;
      }
      last = found;
      const step = readiness(found, (p) => this.pod(p), options);
      if (step === undefined) return undefined;
      if ("endpoint" in step) return { done: { resource: found, endpoint: step.endpoint } };
      const { reason, message } = step.failure;
      if (reason === "Deleted") return { fail: new KubernetesRuntimeError("Deleted", gone) };
      const msg = `${id} cannot become ready: ${reason}: ${message}`;
      return { fail: new KubernetesRuntimeError(reason, msg) };
    }, {
      timeoutMs: options.timeoutMs,
      signal: options.signal,
      what: `${id} was not ready`,
      describe: () =>
        last
          ? (runtimeStateOf(last).detail ?? "ready, waiting for the pod's address")
          : "not seen by the watch",
    });
  }

  /** Stops both caches. */
  async stop(): Promise<void> {
    await Promise.all([this.#performers.stop(), this.#pods?.informer.stop()]);
  }

  #notify(): void {
    for (const evaluate of [...this.#waiters]) evaluate();
  }
}
