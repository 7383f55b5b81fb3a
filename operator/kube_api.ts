/**
 * The operator's reads over the REST client (`shared/kube/rest.ts`): the informers' list pages
 * and the Lease calls of leader election. Its writes are in `performer/kube_writer.ts`.
 * @module
 */

import type * as k8s from "@kubernetes/client-node";
import { GROUP, PLURAL, VERSION } from "../shared/api/performer.ts";
import type { LeaseApi, ListParams, ListResult } from "../shared/controller/mod.ts";
import { signalOf } from "../shared/kube/call_options.ts";
import type { KubeRest } from "../shared/kube/rest.ts";

/** The Performers' collection: in `namespace`, or in all namespaces. */
export function performerListPath(namespace?: string): string {
  const nsPath = namespace ? `/namespaces/${namespace}` : "";
  return `/apis/${GROUP}/${VERSION}${nsPath}/${PLURAL}`;
}

/** A list of the collection at `path`, one page per call, for an `Informer`. */
export function restList<T>(
  rest: KubeRest,
  path: string,
): (params: ListParams) => Promise<ListResult<T>> {
  return async (params) => {
    const page = await rest.request<
      { items?: T[]; metadata?: { resourceVersion?: string; continue?: string } }
    >("GET", path, {
      query: {
        labelSelector: params.labelSelector,
        fieldSelector: params.fieldSelector,
        limit: params.limit,
        continue: params._continue,
      },
    });
    return {
      items: page.items ?? [],
      metadata: {
        resourceVersion: page.metadata?.resourceVersion,
        _continue: page.metadata?.continue,
      },
    };
  };
}

/** The Lease calls of `runLeaderElection`, each cancelled by the signal `kubeCall` gives it. */
export function restLeaseApi(rest: KubeRest): LeaseApi {
  const path = (namespace: string, name?: string) =>
    `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/leases${
      name === undefined ? "" : `/${encodeURIComponent(name)}`
    }`;
  return {
    readNamespacedLease: ({ namespace, name }, o) =>
      rest.request<k8s.V1Lease>("GET", path(namespace, name), { signal: signalOf(o) }),
    createNamespacedLease: ({ namespace, body }, o) =>
      rest.request<k8s.V1Lease>("POST", path(namespace), { body, signal: signalOf(o) }),
    replaceNamespacedLease: ({ namespace, name, body }, o) =>
      rest.request<k8s.V1Lease>("PUT", path(namespace, name), { body, signal: signalOf(o) }),
  };
}
