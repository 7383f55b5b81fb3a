/**
 * The labels, names and selectors that the operator and the executor both read or write — one
 * definition for both binaries (the executor labels the Performers it creates; the operator
 * labels the pods and Services it makes from them).
 * @module
 */

/** Label keys. */
export const LABEL = {
  name: "app.kubernetes.io/name",
  instance: "app.kubernetes.io/instance",
  managedBy: "app.kubernetes.io/managed-by",
  partOf: "app.kubernetes.io/part-of",
  /** The Performer a pod or Service belongs to. */
  performer: "hourglass.eigenlayer.io/performer",
  /** The AVS (lower-case address) of a pod, Service, Performer or container. */
  avs: "hourglass.eigenlayer.io/avs",
  /** The pod revision (hash of everything that shapes the pod). */
  revision: "hourglass.eigenlayer.io/revision",
  gpuType: "hourglass.eigenlayer.io/gpu-type",
  /** The executor's id for one performer instance (Performer or container). */
  performerId: "hourglass.eigenlayer.io/performer-id",
  /** The executor (its id, the operator address in lower case) that created an instance. */
  executor: "hourglass.eigenlayer.io/executor",
  /**
   * Fingerprint of what the executor deployed an instance from (image, env entries as
   * configured, kubernetes settings; see `specFingerprint` in `executor/performer/avs_deployer.ts`), on a
   * container or Performer: a restarted executor adopts only an instance of the spec it wants.
   */
  specFingerprint: "hourglass.eigenlayer.io/spec-fingerprint",
  legacyApp: "app",
} as const;

/** `app.kubernetes.io/managed-by` of what the operator creates (pods, Services). */
export const OPERATOR_MANAGED_BY = "hourglass-operator";

/** `app.kubernetes.io/managed-by` of what the executor creates (Performers). */
export const EXECUTOR_MANAGED_BY = "hourglass-executor";

/** Selects every object the operator manages (its informers). */
export const OPERATOR_SELECTOR = `${LABEL.managedBy}=${OPERATOR_MANAGED_BY}`;

/** Selects the instances one executor created. */
export function executorSelector(executorId: string): string {
  return `${LABEL.executor}=${executorId}`;
}

/** The container name in every performer pod. */
export const CONTAINER_NAME = "performer";

/** The name of the performer's gRPC port on its container and its Service. */
export const GRPC_PORT_NAME = "grpc";
