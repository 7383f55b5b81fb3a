/**
 * Kubernetes mode's start-up: API clients from the kubeconfig, the cluster check (reachable,
 * CRD installed, Performers listable) and the watch cache — all within the connection timeout.
 * @module
 */

import * as k8s from "@kubernetes/client-node";
import { makeApiClient } from "../../../shared/kube/client.ts";
import type { Logger } from "../../../shared/runtime/log.ts";
import { checkCluster } from "./_cluster_check.ts";
import { WatchCache } from "./_watch_cache.ts";

/** What `connect` needs. */
export interface ConnectOptions {
  kubeConfig: k8s.KubeConfig;
  namespace: string;
  executorId: string;
  group: string;
  version: string;
  /** Limit of the check and of the cache's first list, each. */
  timeoutMs: number;
  log: Logger;
}

/** A checked connection: the Performer API client and a synced watch cache. */
export interface Connection {
  custom: k8s.CustomObjectsApi;
  cache: WatchCache;
  /** The API server URL (for logs and messages). */
  server: string;
}

/** Checks the cluster and starts the watch cache; throws KubernetesRuntimeError naming why not. */
export async function connect(options: ConnectOptions): Promise<Connection> {
  const { kubeConfig, namespace, group, version, timeoutMs, log } = options;
  const server = kubeConfig.getCurrentCluster()?.server ?? "(no server)";
  const custom = makeApiClient(kubeConfig, k8s.CustomObjectsApi);
  const core = makeApiClient(kubeConfig, k8s.CoreV1Api);
  const apis = makeApiClient(kubeConfig, k8s.ApisApi);
  await checkCluster({ custom, apis, server, namespace, group, version, timeoutMs, log });
  const cache = new WatchCache({ ...options, custom, core });
  await cache.start(timeoutMs);
  return { custom, cache, server };
}
