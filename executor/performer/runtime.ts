/**
 * The runtime half of a performer: how an instance is started, inspected, restarted and removed
 * — as a container through the Docker Engine API (docker mode) or as a `Performer` resource that
 * the operator turns into a pod (kubernetes mode). The lifecycle above it (current/next slots,
 * blue-green deploys, health, draining) is the same for both: see `lifecycle.ts`.
 *
 * Names, each for one thing:
 * - performer: the AVS's code behind `PerformerService` (what `sdk/` helps write).
 * - `Performer` (`shared/api/performer.ts`): the custom resource, with its `PerformerSpec`,
 *   `PerformerStatus` and `PerformerPhase`; `PerformerResource` (`kubernetes/`) is one as read
 *   from the API server. (The `PerformerStatus` of `shared/proto/gen` is the legacy HealthCheck's
 *   enum on the wire.)
 * - `PerformerInstance`: one running copy of a performer, a container or a `Performer` resource,
 *   named by its `performerId`; `InstanceSpec` is what to start, `RuntimeState` the runtime's
 *   view of it.
 * - `PerformerRuntime`: what starts and removes instances; `DockerRuntime` or
 *   `KubernetesRuntime`, made by `factory.ts`.
 * - `PerformerLifecycle`: per AVS a `current` and a `next` slot; an instance's `SlotStatus`
 *   (Staged, InService, Draining) and health make its `InstanceInfo`, what ListPerformers lists.
 * - `PerformerConnection`: the gRPC channel to one instance.
 * - `PerformerImage` (config): repository, tag and digest; `image.ts` parses and writes references.
 * @module
 */

import type {
  PerformerImage,
  PerformerKubernetesConfig,
} from "../../shared/config/executor_config.ts";
import type { z } from "zod";

/** An environment variable handed to a performer, already resolved by the executor. */
export type InstanceEnv =
  | { name: string; value: string }
  /** Kubernetes mode only: resolved by the kubelet from a Secret or ConfigMap. */
  | {
    name: string;
    valueFrom: {
      secretKeyRef?: { name: string; key: string };
      configMapKeyRef?: { name: string; key: string };
    };
  };

/** What to start. */
export interface InstanceSpec {
  /** Executor-assigned id, unique per instance (also a DNS-1123 label). */
  performerId: string;
  /** The AVS it serves (0x address). */
  avsAddress: string;
  image: PerformerImage;
  env: InstanceEnv[];
  /** Per-performer settings of kubernetes mode. */
  kubernetes?: z.output<typeof PerformerKubernetesConfig>;
  /**
   * Fingerprint of what the instance was made from (`specFingerprint` in `avs_deployer.ts`),
   * kept with it (a label) so that a restarted executor adopts only an instance of the spec it
   * wants.
   */
  specFingerprint?: string;
}

/** A started instance. */
export interface PerformerInstance {
  performerId: string;
  avsAddress: string;
  image: PerformerImage;
  /** `host:port` to dial for gRPC (plaintext). */
  endpoint: string;
  /** The runtime's own id: container id, or Performer resource name. */
  resourceId: string;
  createdAt: Date;
  /** `InstanceSpec.specFingerprint` as stored with it; absent on instances of older executors. */
  specFingerprint?: string;
}

/** The runtime's view of an instance's health (the gRPC health check is done above). */
export interface RuntimeState {
  /** True while the container runs / the Performer reports ready. */
  running: boolean;
  /** Why not, in words a person can act on (e.g. "exited with code 3", "ImagePullBackOff"). */
  detail?: string;
  /** The instance cannot become healthy without a change (e.g. the image cannot be pulled). */
  failed?: boolean;
}

/** A deployment mode's way of running performers. */
export interface PerformerRuntime {
  readonly mode: "docker" | "kubernetes";
  /**
   * Starts an instance and resolves once the runtime reports it started (not necessarily
   * serving yet); rejects fast, with the runtime's reason, when it cannot start (image pull
   * failure, invalid spec…).
   */
  create(spec: InstanceSpec, signal?: AbortSignal): Promise<PerformerInstance>;
  /** The runtime's state of an instance. */
  inspect(instance: PerformerInstance): Promise<RuntimeState>;
  /** Restarts an unhealthy instance in place (its endpoint may change). */
  restart(instance: PerformerInstance): Promise<PerformerInstance>;
  /** Stops and removes an instance; succeeds if it is already gone. */
  remove(instance: PerformerInstance): Promise<void>;
  /** Instances this executor created before (e.g. before a restart), for adoption or clean-up. */
  listOwned(): Promise<PerformerInstance[]>;
  /** Releases connections held by the runtime. */
  close(): Promise<void>;
}
