/**
 * The operator's composition root: API clients behind one rate limiter (the Lease's aside), each
 * request with a timeout; informers for Performers and the pods and Services the operator
 * manages, the work queue and the Performer controller, leader election, and the health and
 * metrics endpoints.
 * @module
 */

import * as k8s from "@kubernetes/client-node";
import { GROUP, PLURAL, VERSION } from "../shared/api/performer.ts";
import { makeApiClient } from "../shared/kube/client.ts";
import {
  Informer,
  type InformerEvent,
  type ListParams,
  type ListResult,
  objectKey,
  runController,
  runLeaderElection,
  TokenBucket,
  WorkQueue,
} from "../shared/controller/mod.ts";
import type { BindAddress } from "../shared/runtime/bind_address.ts";
import { type Endpoints, serveEndpoints } from "../shared/runtime/http_endpoints.ts";
import type { Logger } from "../shared/runtime/log.ts";
import { projectPerformer, projectPod, projectService } from "./performer/cache_projection.ts";
import { kubePerformerWriter } from "./performer/kube_writer.ts";
import { MANAGED_SELECTOR, performerKeyOf } from "./performer/labels.ts";
import type { RawPerformer } from "./performer/performer_object.ts";
import { performerReconciler } from "./performer/reconciler.ts";
import { recordingWriter } from "./performer/recording_writer.ts";
import { keepAliveKubeConfig } from "../shared/kube/keep_alive.ts";
import { createOperatorMetrics } from "./metrics.ts";

/** Settings of an operator process (from its flags). */
export interface OperatorOptions {
  kubeConfig: k8s.KubeConfig;
  /** Watch only this namespace (default: all). */
  namespace?: string;
  concurrency: number;
  /** Client-side limit of API requests per second; 0: none. */
  qps: number;
  /** Client-side burst (with a `qps` above 0). */
  burst: number;
  leaderElect: boolean;
  leaderElectionNamespace: string;
  leaderElectionId: string;
  /** Lease timing (defaults: client-go's 15 s, 10 s, 2 s); see `runLeaderElection`. */
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  /** Timeout of each API request but watches (default `DEFAULT_REQUEST_TIMEOUT_MS`). */
  requestTimeoutMs?: number;
  identity: string;
  healthAddress?: BindAddress;
  metricsAddress?: BindAddress;
  log: Logger;
}

/** A running operator. */
export interface RunningOperator {
  endpoints: Endpoints;
  /**
   * Resolves when the operator has stopped: after `stop()` ("shutdown"), or when leadership is
   * lost ("lost"; its workers have stopped then, and the process should exit).
   */
  done: Promise<string>;
  stop(): Promise<void>;
}

const CONTROLLER = "performer";

/** Starts the operator; returns once its endpoints listen. */
export function startOperator(options: OperatorOptions): RunningOperator {
  const { kubeConfig: kc, log } = options;
  // qps 0: no client-side limit (controller-runtime's default); the API server's priority and
  // fairness limits the operator, and kubeCall honours its 429s' Retry-After.
  const limiter = options.qps > 0
    ? new TokenBucket({ qps: options.qps, burst: options.burst })
    : undefined;
  const timeoutMs = options.requestTimeoutMs;
  // One keep-alive connection pool for lists and writes, rather than a TLS handshake each.
  const pooled = keepAliveKubeConfig(kc, { maxSockets: Math.max(16, options.concurrency * 2) });
  const core = makeApiClient(pooled, k8s.CoreV1Api, { limiter, timeoutMs });
  const custom = makeApiClient(pooled, k8s.CustomObjectsApi, { limiter, timeoutMs });
  // The Lease's own client, as controller-runtime has: renewals never queue behind a burst of
  // reconcile writes at the rate limiter (a few requests per retry period need no limit).
  const coordination = makeApiClient(kc, k8s.CoordinationV1Api, { timeoutMs });
  const metrics = createOperatorMetrics();
  const stop = new AbortController();

  const informers = createInformers(options, core, custom);
  const queue = new WorkQueue({ observer: metrics.queue(CONTROLLER) });
  const enqueue = (
    event: InformerEvent<k8s.KubernetesObject>,
    ownerKey: (o: k8s.KubernetesObject) => string | undefined,
  ) => {
    const key = ownerKey(event.object);
    if (key) queue.add(key);
  };
  informers.performers.onEvent((e) => enqueue(e, objectKey));
  informers.pods.onEvent((e) => enqueue(e, performerKeyOf));
  informers.services.onEvent((e) => enqueue(e, performerKeyOf));
  metrics.performerPhases(() => countPhases(informers.performers.store.list()));

  const synced = Promise.all(Object.values(informers).map((i) => i.start()));
  const allSynced = () => Object.values(informers).every((i) => i.hasSynced);
  const endpoints = serveEndpoints({
    healthAddress: options.healthAddress,
    metricsAddress: options.metricsAddress,
    readyz: allSynced,
    renderMetrics: async () => ({
      body: await metrics.registry.metrics(),
      contentType: metrics.registry.contentType,
    }),
  });

  const reconcile = performerReconciler({
    caches: {
      performers: informers.performers.store,
      pods: informers.pods.store,
      services: informers.services.store,
    },
    // Each write's result goes to the caches, so the next reconcile does not repeat the write.
    writer: recordingWriter(kubePerformerWriter(core, custom, options.identity), informers),
    log,
  });
  const controllers: Promise<void>[] = [];
  const startControllers = (leading: AbortSignal) => {
    controllers.push((async () => {
      // Leadership may end before the caches sync (the API server stalled): then never start.
      const ended = new Promise<void>((resolve) =>
        leading.addEventListener("abort", () => resolve(), { once: true })
      );
      if (!leading.aborted) await Promise.race([synced, ended]);
      if (leading.aborted) return;
      log("info", "caches synced; starting workers", { workers: options.concurrency });
      // Everything known at start-up is reconciled once (level-triggered).
      for (const p of informers.performers.store.list()) queue.add(objectKey(p));
      await runController({
        name: CONTROLLER,
        queue,
        reconcile,
        workers: options.concurrency,
        observer: metrics.controller(CONTROLLER, options.concurrency),
        log,
      }, leading);
    })());
  };

  const done = (async (): Promise<string> => {
    if (!options.leaderElect) {
      startControllers(stop.signal);
      await new Promise((resolve) =>
        stop.signal.addEventListener("abort", resolve, { once: true })
      );
      return "shutdown";
    }
    return await runLeaderElection({
      api: coordination,
      namespace: options.leaderElectionNamespace,
      name: options.leaderElectionId,
      identity: options.identity,
      leaseDurationMs: options.leaseDurationMs,
      renewDeadlineMs: options.renewDeadlineMs,
      retryPeriodMs: options.retryPeriodMs,
      log,
      onStartedLeading: startControllers,
      onLeadershipChange: metrics.leader(options.leaderElectionId),
    }, stop.signal);
  })();

  return {
    endpoints,
    done: done.then(async (reason) => {
      queue.shutDown();
      await Promise.all(controllers);
      return reason;
    }),
    async stop() {
      stop.abort();
      await done;
      queue.shutDown();
      await Promise.all(controllers);
      await Promise.all(Object.values(informers).map((i) => i.stop()));
      await endpoints.shutdown();
    },
  };
}

function createInformers(
  options: OperatorOptions,
  core: k8s.CoreV1Api,
  custom: k8s.CustomObjectsApi,
) {
  const { namespace, kubeConfig, log } = options;
  const nsPath = namespace ? `/namespaces/${namespace}` : "";
  const performers = new Informer<RawPerformer>({
    name: "performers",
    kubeConfig,
    watchPath: `/apis/${GROUP}/${VERSION}${nsPath}/${PLURAL}`,
    list: (p) =>
      (namespace
        ? custom.listNamespacedCustomObject({
          group: GROUP,
          version: VERSION,
          plural: PLURAL,
          namespace,
          ...p,
        })
        : custom.listClusterCustomObject({
          group: GROUP,
          version: VERSION,
          plural: PLURAL,
          ...p,
        })) as Promise<
          ListResult<RawPerformer>
        >,
    transform: projectPerformer,
    log,
  });
  const pods = new Informer<k8s.V1Pod>({
    name: "pods",
    kubeConfig,
    watchPath: `/api/v1${nsPath}/pods`,
    labelSelector: MANAGED_SELECTOR,
    list: (p: ListParams) =>
      namespace ? core.listNamespacedPod({ namespace, ...p }) : core.listPodForAllNamespaces(p),
    index: performerKeyOf,
    transform: projectPod,
    log,
  });
  const services = new Informer<k8s.V1Service>({
    name: "services",
    kubeConfig,
    watchPath: `/api/v1${nsPath}/services`,
    labelSelector: MANAGED_SELECTOR,
    list: (p: ListParams) =>
      namespace
        ? core.listNamespacedService({ namespace, ...p })
        : core.listServiceForAllNamespaces(p),
    transform: projectService,
    log,
  });
  return { performers, pods, services };
}

function countPhases(performers: RawPerformer[]): Map<string, number> {
  const counts = new Map<string, number>(
    ["Pending", "Running", "Upgrading", "Terminating", "Failed"].map((p) => [p, 0]),
  );
  for (const p of performers) {
    const phase = (p.status as { phase?: string } | undefined)?.phase ?? "Pending";
    counts.set(phase, (counts.get(phase) ?? 0) + 1);
  }
  return counts;
}
