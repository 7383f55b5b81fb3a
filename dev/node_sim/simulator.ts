/**
 * The node simulator's composition root: registers the Node, caches pods and the Node with
 * self-healing watches, and drives the scheduler and kubelet parts from one work queue of pod
 * keys (level-triggered: a key means "look at this pod again", never "this event happened").
 * @module
 */

import * as k8s from "@kubernetes/client-node";
import { apiConfigSource } from "./env.ts";
import { DEFAULT_IMAGES, type ImageTable } from "./images.ts";
import { IpPool } from "./ip_pool.ts";
import { Kubelet } from "./kubelet.ts";
import { errorText, type Log, stderrLog, withFields } from "./log.ts";
import { DEFAULT_NODE_NAME, HOST_IP, markNodeStopped, registerNode } from "./node.ts";
import { Reflector } from "./reflector.ts";
import { Scheduler } from "./scheduler.ts";
import { WorkQueue } from "./work_queue.ts";

/** Options of `startNodeSimulator`. */
export interface NodeSimulatorOptions {
  kubeConfig: k8s.KubeConfig;
  /** Node name (default `hourglass-sim-node`). */
  nodeName?: string;
  /** Repository root the known images' scripts live in (default: this repository). */
  repoRoot?: string;
  /** Crash-loop and image-pull back-off base in ms (default 10 s, like the kubelet). */
  restartBackoffMs?: number;
  /** Structured log sink (default: warnings and errors to stderr). */
  log?: Log;
  /** Extra known images, merged over the default table. */
  images?: ImageTable;
  /** Only handle pods of this namespace (default: all namespaces). */
  namespace?: string;
  /** Directory for container logs (default: a temporary directory removed on stop). */
  logDir?: string;
  /** How often every pod is looked at again without an event, in ms (default 30 s). */
  resyncMs?: number;
  /** Delete the Node object on stop (default false: it stays, with Ready Unknown). */
  deleteNodeOnStop?: boolean;
}

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

/** Registers the node and starts scheduling and running pods on it. */
export async function startNodeSimulator(options: NodeSimulatorOptions): Promise<NodeSimulator> {
  const nodeName = options.nodeName ?? DEFAULT_NODE_NAME;
  const log = withFields(options.log ?? stderrLog("warn"), {
    component: "node-sim",
    node: nodeName,
  });
  const core = options.kubeConfig.makeApiClient(k8s.CoreV1Api);
  const registered = await registerNode(core, nodeName);
  const ownLogDir = options.logDir === undefined;
  const logDir = options.logDir ??
    await Deno.makeTempDir({ prefix: `hourglass-node-sim-${nodeName}-` });
  const ns = options.namespace;

  let reconcile: (key: string) => Promise<void> = () => Promise.resolve();
  const queue = new WorkQueue({
    handler: (key) => reconcile(key),
    onError: (key, err, retryInMs) =>
      log({ level: "warn", msg: "pod sync failed", pod: key, error: errorText(err), retryInMs }),
  });
  const pods = new Reflector<k8s.V1Pod>({
    kubeConfig: options.kubeConfig,
    path: ns ? `/api/v1/namespaces/${ns}/pods` : "/api/v1/pods",
    list: () => ns ? core.listNamespacedPod({ namespace: ns }) : core.listPodForAllNamespaces(),
    onChange: (key) => queue.add(key),
    log,
  });
  const nodes = new Reflector<k8s.V1Node>({
    kubeConfig: options.kubeConfig,
    path: "/api/v1/nodes",
    fieldSelector: `metadata.name=${nodeName}`,
    list: () => core.listNode({ fieldSelector: `metadata.name=${nodeName}` }),
    // Labels, taints or capacity changed: pending pods may fit now (or no longer).
    onChange: () => pods.list().filter(Scheduler.wants).forEach((p) => queue.add(keyOf(p))),
    log,
  });
  const scheduler = new Scheduler({
    core,
    nodeName,
    node: () => nodes.get(nodeName) ?? registered,
    pods: () => pods.list(),
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
    },
  });
  reconcile = async (key) => {
    const pod = pods.get(key);
    await kubelet.sync(key, pod);
    if (pod && Scheduler.wants(pod)) await scheduler.schedule(pod);
  };

  // Every pod again now and then: retries that no event would trigger (harmless before sync).
  const resync = setInterval(() => {
    const all = pods.list();
    scheduler.forget(new Set(all.map((p) => p.metadata?.uid ?? "")));
    for (const pod of all) queue.add(keyOf(pod));
  }, options.resyncMs ?? 30_000);
  let stopping: Promise<void> | undefined;
  const stop = async () => {
    clearInterval(resync);
    await Promise.all([pods.stop(), nodes.stop()]);
    await queue.stop();
    await kubelet.stop();
    ipPool.releaseAll();
    if (ownLogDir) await Deno.remove(logDir, { recursive: true }).catch(() => {});
    const leaveNode = options.deleteNodeOnStop
      ? core.deleteNode({ name: nodeName })
      : markNodeStopped(core, nodeName);
    await leaveNode.catch((err) =>
      log({ level: "warn", msg: "cannot update the node on stop", error: errorText(err) })
    );
    log({ level: "info", msg: "node simulator stopped" });
  };

  nodes.start();
  pods.start();
  try {
    await withTimeout(Promise.all([nodes.synced(), pods.synced()]), SYNC_TIMEOUT_MS);
  } catch (cause) {
    await (stopping ??= stop());
    throw new Error(`Node simulator "${nodeName}" cannot list pods and nodes`, { cause });
  }
  log({ level: "info", msg: "node simulator started", logDir });
  return { nodeName, logDir, stop: () => stopping ??= stop() };
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

function keyOf(pod: k8s.V1Pod): string {
  return `${pod.metadata?.namespace}/${pod.metadata?.name}`;
}
