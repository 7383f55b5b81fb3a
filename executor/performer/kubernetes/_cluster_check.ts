/**
 * The start-up check of kubernetes mode: can the executor reach the API server, is the
 * Performer CRD installed, may it list Performers in its namespace — each answered with an
 * error a person can act on, within the connection timeout.
 * @module
 */

import type * as k8s from "@kubernetes/client-node";
import { PLURAL } from "../../../shared/api/performer.ts";
import { KubeApiError, kubeCall } from "../../../shared/kube/errors.ts";
import { delay, exponentialBackoff } from "../../../shared/controller/mod.ts";
import type { Logger } from "../../../shared/runtime/log.ts";
import { KubernetesRuntimeError } from "./errors.ts";

/** What to check, and for how long. */
export interface ClusterCheckOptions {
  custom: k8s.CustomObjectsApi;
  /** API discovery, to tell a missing CRD from a missing permission. */
  apis: k8s.ApisApi;
  /** API server URL, for messages. */
  server: string;
  namespace: string;
  group: string;
  version: string;
  timeoutMs: number;
  log: Logger;
}

/**
 * Lists at most one Performer in the namespace. Retries while the server does not answer (or
 * answers 5xx/429) until `timeoutMs`; any other error (404: CRD missing, 401, 403) fails at
 * once, since waiting does not fix it.
 */
export async function checkCluster(options: ClusterCheckOptions): Promise<void> {
  const { custom, server, namespace, group, version, timeoutMs } = options;
  const deadline = Date.now() + timeoutMs;
  const backoff = exponentialBackoff({ minTimeout: 250, maxTimeout: 2_000 });
  let last: KubeApiError | undefined;
  while (Date.now() < deadline) {
    try {
      await kubeCall(
        `Cannot list Performers in namespace "${namespace}"`,
        () =>
          withTimeout(
            custom.listNamespacedCustomObject({
              group,
              version,
              plural: PLURAL,
              namespace,
              limit: 1,
            }),
            deadline - Date.now(),
          ),
      );
      return;
    } catch (err) {
      last = err as KubeApiError;
      if (!retriable(last)) throw fatalError(last, options, await crdServed(options, deadline));
      options.log("warn", "the Kubernetes API server is not answering yet; retrying", {
        server,
        error: last.message,
      });
    }
    await delay(Math.min(backoff.next(), Math.max(0, deadline - Date.now())));
  }
  throw new KubernetesRuntimeError(
    "ClusterUnreachable",
    `Cannot reach the Kubernetes API server at ${server} within ${timeoutMs / 1000} s` +
      (last ? `: ${last.message}` : ""),
    { cause: last },
  );
}

/**
 * Whether discovery lists the CRD's group and version (false), or cannot tell (undefined).
 * Discovery is open to every authenticated identity, so it answers even where listing
 * Performers is forbidden — which is what a missing CRD looks like to a Role-bound executor
 * whose rules name the group.
 */
async function crdServed(o: ClusterCheckOptions, deadline: number): Promise<boolean | undefined> {
  try {
    const list = await withTimeout(o.apis.getAPIVersions(), deadline - Date.now());
    const group = list.groups.find((g) => g.name === o.group);
    return group?.versions.some((v) => v.version === o.version) ?? false;
  } catch {
    return undefined;
  }
}

/** No answer, overload or a server error: worth asking again until the deadline. */
function retriable(err: KubeApiError): boolean {
  return err.status === 0 || err.status === 429 || err.status >= 500;
}

function fatalError(
  err: KubeApiError,
  o: ClusterCheckOptions,
  served: boolean | undefined,
): KubernetesRuntimeError {
  const crd = `${PLURAL}.${o.group}`;
  switch (served === false ? 404 : err.status) {
    case 404:
      return new KubernetesRuntimeError(
        "CrdMissing",
        `Cannot use the cluster at ${o.server}: the Performer CRD (${crd}) is not installed ` +
          `in the cluster: install the operator chart (no ${o.group}/${o.version} API found)`,
        { cause: err },
      );
    case 401:
      return new KubernetesRuntimeError(
        "Unauthorized",
        `The Kubernetes API server at ${o.server} rejected the executor's credentials: ` +
          `check the kubeconfig or the service account token`,
        { cause: err },
      );
    case 403:
      return new KubernetesRuntimeError(
        "Forbidden",
        `The executor may not list ${crd} in namespace "${o.namespace}" at ${o.server}: ` +
          `bind the executor Role (charts/hourglass-executor) to its service account (${err.message})`,
        { cause: err },
      );
    default:
      return new KubernetesRuntimeError("ApiError", err.message, { cause: err });
  }
}

/** Rejects with "no answer" when `promise` takes longer than `ms` (the request is abandoned). */
export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no answer within ${Math.round(ms / 100) / 10} s`)),
      Math.max(0, ms),
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
