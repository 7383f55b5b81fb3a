/**
 * Pinned versions of the Go-built tools behind the local control plane.
 *
 * Changing a version here changes the cache key, so the next `deno task cluster` builds afresh.
 * @module
 */

/** Kubernetes release whose kube-apiserver and kubectl we build. */
export const KUBERNETES_VERSION = "v1.34.4";

/** etcd server release. */
export const ETCD_VERSION = "v3.6.16";

/** Helm release (used by the chart tests). */
export const HELM_VERSION = "v3.19.5";
