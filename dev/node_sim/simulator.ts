/**
 * The node simulator's composition root: registers the Node, caches pods and the Node with the
 * shared informers, and drives the scheduler and kubelet parts with the shared controller loop
 * over one work queue of pod keys (level-triggered: a key means "look at this pod again", never
 * "this event happened").
 * @module
 */

import * as k8s from "@kubernetes/client-node";
import {
  type Action,
  AWAIT_CHANGE,
  errorText,
  Informer,
  type ListParams,
  objectKey,
  runController,
  WorkQueue,
} from "../../shared/controller/mod.ts";
import { makeApiClient } from "../../shared/kube/client.ts";
import { keepAliveKubeConfig } from "../../shared/kube/keep_alive.ts";
import { createLogger, type Logger, withFields } from "../../shared/runtime/log.ts";
import { apiConfigSource } from "./env.ts";
import { DEFAULT_IMAGES, type ImageTable } from "./images.ts";
import { IpPool } from "./ip_pool.ts";
import { Kubelet } from "./kubelet.ts";
import {
  DEFAULT_NODE_NAME,
  HOST_IP,
  markNodeStopped,
  registerNode,
  STATUS_ONLY_CAPACITY,
} from "./node.ts";
import { Scheduler } from "./scheduler.ts";

/** Options of `startNodeSimulator`. */
export interface NodeSimulatorOptions {
  kubeConfig: k8s.KubeConfig;
  /** Node name (default `hourglass-sim-node`). */
  nodeName?: string;
  /** Repository root the known images' scripts live in (default: this repository). */
  repoRoot?: string;
  /** Crash-loop and image-pull back-off base in ms (default 10 s, like the kubelet). */
  restartBackoffMs?: number;
  /** Structured logger (default: warnings and errors to stderr, as JSON lines). */
  log?: Logger;
  /** Extra known images, merged over the default table. */
  images?: ImageTable;
  /** Only handle pods of this namespace (default: all namespaces). */
  namespace?: string;
  /** Directory for container logs (default: a temporary directory removed on stop). */
  logDir?: string;
  /** How often each pod is looked at again without an event, in ms (default 30 s). */
  resyncMs?: number;
  /** Delete the Node object on stop (default false: it stays, with Ready Unknown). */
  deleteNodeOnStop?: boolean;
  /**
   * "process" (default): containers run as local processes with their probes. "status-only"
   * (like kwok): no process; every pod bound to the node is reported Running and Ready at once,
   * whatever its image, and the node is large (`STATUS_ONLY_CAPACITY`) — for scale benchmarks.
   */
  mode?: NodeSimulatorMode;
}

/** How the simulated node runs pods. */
export type NodeSimulatorMode = "process" | "status-only";

/** A running node simulator. */
export interface NodeSimulator {
  /** The name of the simulated node. */
  nodeName: string;
  /** Directory holding container logs (`<namespace>_<pod>_<uid>/<container>.log`). */
  logDir: string;
  /** Stops watching and every process it started. */
  stop(): Promise<void>;
}

const REPO_ROOT = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");

/** How long the first list of pods and of the node may take before start-up fails. */
const SYNC_TIMEOUT_MS = 60_000;

/** Pods handled at once (one pod is never handled by two workers at once). */
const WORKERS = 4;

/**
 * Pods handled at once in status-only mode, where a pod costs two API writes and no process: as
 * many as a scale benchmark's operator creates at once, so the node is not what it measures.
 */
const STATUS_ONLY_WORKERS = 32;

/** Registers the node and starts scheduling and running pods on it. */
export async function startNodeSimulator(options: NodeSimulatorOptions): Promise<NodeSimulator> {
  const nodeName = options.nodeName ?? DEFAULT_NODE_NAME;
  const log = withFields(options.log ?? createLogger({ level: "warn" }), {
    component: "node-sim",
    node: nodeName,
  });
  // Kept-alive connections: a TLS handshake per bind and status write would make the node, not
  // the operator, the slowest part of a scale benchmark.
  const core = makeApiClient(keepAliveKubeConfig(options.kubeConfig), k8s.CoreV1Api);
  const statusOnly = options.mode === "status-only";
  const registered = await registerNode(
    core,
    nodeName,
    statusOnly ? STATUS_ONLY_CAPACITY : undefined,
  );
  const ownLogDir = options.logDir === undefined;
  const logDir = options.logDir ??
    await Deno.makeTempDir({ prefix: `hourglass-node-sim-${nodeName}-` });

  const pods = podInformer(options, core, log);
  const nodes = nodeInformer(options.kubeConfig, core, nodeName, log);
  // A failed pod sync is retried soon (50 ms doubling to 30 s): nothing here is expensive.
  const queue = new WorkQueue({ baseDelayMs: 50, maxDelayMs: 30_000 });
  const scheduler = new Scheduler({
    core,
    nodeName,
    node: () => nodes.store.get(nodeName) ?? registered,
    pods: () => pods.store.list(),
    log,
  });
  const ipPool = new IpPool();
  const kubelet = new Kubelet({
    core,
    nodeName,
    ipPool,
    enqueue: (key) => queue.add(key),
    log,
    context: {
      hostIP: HOST_IP,
      images: new Map([...DEFAULT_IMAGES, ...(options.images ?? [])]),
      repoRoot: options.repoRoot ?? REPO_ROOT,
      configSource: apiConfigSource(core),
      backoffBaseMs: options.restartBackoffMs ?? 10_000,
      logDir,
      log,
      statusOnly,
    },
  });
  pods.onEvent((event) => {
    queue.add(objectKey(event.object));
    if (event.type === "DELETED") {
      scheduler.forget(new Set(pods.store.list().map((p) => p.metadata?.uid ?? "")));
    }
  });
  // Labels, taints or capacity changed: pending pods may fit now (or no longer).
  nodes.onEvent(() => {
    for (const pod of pods.store.list().filter(Scheduler.wants)) queue.add(objectKey(pod));
  });

  const resyncMs = options.resyncMs ?? 30_000;
  const reconcile = async (key: string): Promise<Action> => {
    const pod = pods.store.get(key);
    await kubelet.sync(key, pod);
    if (pod && Scheduler.wants(pod)) await scheduler.schedule(pod);
    // Looked at again later even without an event: what no event announces (a pending pod
    // that fits once another pod has gone) is noticed that way.
    return pod ? { requeueAfterMs: resyncMs } : AWAIT_CHANGE;
  };
  const stopWorkers = new AbortController();
  const workers = runController(
    {
      name: "node-sim",
      queue,
      reconcile,
      workers: statusOnly ? STATUS_ONLY_WORKERS : WORKERS,
      log,
    },
    stopWorkers.signal,
  );

  let stopping: Promise<void> | undefined;
  const stop = async () => {
    await Promise.all([pods.stop(), nodes.stop()]);
    stopWorkers.abort();
    await workers;
    await kubelet.stop();
    ipPool.releaseAll();
    if (ownLogDir) await Deno.remove(logDir, { recursive: true }).catch(() => {});
    const leaveNode = options.deleteNodeOnStop
      ? core.deleteNode({ name: nodeName })
      : markNodeStopped(core, nodeName);
    await leaveNode.catch((err) =>
      log("warn", "cannot update the node on stop", { error: errorText(err) })
    );
    log("info", "node simulator stopped");
  };

  try {
    await withTimeout(Promise.all([nodes.start(), pods.start()]), SYNC_TIMEOUT_MS);
  } catch (cause) {
    await (stopping ??= stop());
    throw new Error(`Node simulator "${nodeName}" cannot list pods and nodes`, { cause });
  }
  log("info", "node simulator started", { logDir });
  return { nodeName, logDir, stop: () => stopping ??= stop() };
}

/** Pods of the simulator's namespace (or of all namespaces). */
function podInformer(
  options: NodeSimulatorOptions,
  core: k8s.CoreV1Api,
  log: Logger,
): Informer<k8s.V1Pod> {
  const ns = options.namespace;
  return new Informer<k8s.V1Pod>({
    name: "pods",
    kubeConfig: options.kubeConfig,
    watchPath: ns ? `/api/v1/namespaces/${ns}/pods` : "/api/v1/pods",
    list: (p: ListParams) =>
      wireForm(
        ns ? core.listNamespacedPod({ namespace: ns, ...p }) : core.listPodForAllNamespaces(p),
      ),
    log,
  });
}

/** The simulated node only. */
function nodeInformer(
  kubeConfig: k8s.KubeConfig,
  core: k8s.CoreV1Api,
  nodeName: string,
  log: Logger,
): Informer<k8s.V1Node> {
  return new Informer<k8s.V1Node>({
    name: "nodes",
    kubeConfig,
    watchPath: "/api/v1/nodes",
    fieldSelector: `metadata.name=${nodeName}`,
    list: (p: ListParams) => wireForm(core.listNode(p)),
    log,
  });
}

/**
 * A list in the form watch events arrive in (JSON: timestamps as strings, where the typed client
 * makes Dates), so that the store holds every object in one form.
 */
async function wireForm<T>(list: Promise<T>): Promise<T> {
  return JSON.parse(JSON.stringify(await list));
}

/** Rejects when `promise` has not settled after `ms`. */
async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Timed out after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
