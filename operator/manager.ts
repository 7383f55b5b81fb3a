/**
 * The operator's composition root: API clients behind one rate limiter (the Lease's aside), each
 * request with a timeout; informers for Performers and the pods and Services the operator
 * manages, the work queue and the Performer controller, leader election, and the health and
 * metrics endpoints.
 * @module
 */

import type * as k8s from "@kubernetes/client-node";
import { type KubeConnection, KubeRest } from "../shared/kube/rest.ts";
import {
  Informer,
  type InformerEvent,
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
import { performerListPath, restLeaseApi, restList } from "./kube_api.ts";
import { createOperatorMetrics } from "./metrics.ts";

/** Settings of an operator process (from its flags). */
export interface OperatorOptions {
  /** The API server and credentials (`loadKubeConnection`). */
  connection: KubeConnection;
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
  const { connection, log } = options;
  // qps 0: no client-side limit (controller-runtime's default); the API server's priority and
  // fairness limits the operator, and kubeCall honours its 429s' Retry-After.
  const limiter = options.qps > 0
    ? new TokenBucket({ qps: options.qps, burst: options.burst })
    : undefined;
  const timeoutMs = options.requestTimeoutMs;
  // The REST client, not client-node (see shared/kube/rest.ts: ~60 MiB less resident memory).
  // One keep-alive connection pool for lists, watches and writes, rather than a TLS handshake each.
  const rest = new KubeRest(connection, { limiter, timeoutMs });
  // The Lease's own client, as controller-runtime has: renewals never queue behind a burst of
  // reconcile writes at the rate limiter (a few requests per retry period need no limit).
  const coordination = new KubeRest(connection, { timeoutMs });
  const metrics = createOperatorMetrics();
  const stop = new AbortController();

  const informers = createInformers(options, rest);
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
    writer: recordingWriter(kubePerformerWriter(rest, options.identity), informers),
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
      api: restLeaseApi(coordination),
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
      rest.close();
      coordination.close();
      await endpoints.shutdown();
    },
  };
}

function createInformers(options: OperatorOptions, rest: KubeRest) {
  const { namespace, log } = options;
  const nsPath = namespace ? `/namespaces/${namespace}` : "";
  const performersPath = performerListPath(namespace);
  const performers = new Informer<RawPerformer>({
    name: "performers",
    watcher: rest,
    watchPath: performersPath,
    list: restList(rest, performersPath),
    transform: projectPerformer,
    log,
  });
  const pods = new Informer<k8s.V1Pod>({
    name: "pods",
    watcher: rest,
    watchPath: `/api/v1${nsPath}/pods`,
    labelSelector: MANAGED_SELECTOR,
    list: restList(rest, `/api/v1${nsPath}/pods`),
    index: performerKeyOf,
    transform: projectPod,
    log,
  });
  const services = new Informer<k8s.V1Service>({
    name: "services",
    watcher: rest,
    watchPath: `/api/v1${nsPath}/services`,
    labelSelector: MANAGED_SELECTOR,
    list: restList(rest, `/api/v1${nsPath}/services`),
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
