/**
 * One pod on the simulated node: its loopback IP, start time and a runner per container
 * (init containers are not run: they are reported as done). Created when the pod is bound to
 * the node, stopped when the pod is deleted or the simulator stops.
 * @module
 */

import type * as k8s from "@kubernetes/client-node";
import { ContainerRunner } from "./container_runner.ts";
import type { ConfigSource } from "./env.ts";
import type { ImageTable } from "./images.ts";
import { type Logger, withFields } from "../../shared/runtime/log.ts";
import type { PodSnapshot } from "./pod_status.ts";
import { type ContainerStatusJson, isoTime, nowIso } from "./status_types.ts";

/** What a pod worker needs besides the pod. */
export interface PodWorkerContext {
  hostIP: string;
  images: ImageTable;
  repoRoot: string;
  configSource: ConfigSource;
  backoffBaseMs: number;
  logDir: string;
  log: Logger;
  /**
   * Status-only mode (like kwok): no process is started; every container is reported Running,
   * started and Ready from the moment the pod is bound, whatever its image.
   */
  statusOnly?: boolean;
}

/** Runs the containers of one pod. */
export class PodWorker {
  /** `namespace/name` of the pod. */
  readonly key: string;
  /** The pod's UID (a re-created pod of the same name gets a new worker). */
  readonly uid: string;
  /** The pod's IP on loopback. */
  readonly podIP: string;
  /** The pod as first seen (spec of a pod is immutable where it matters here). */
  readonly pod: k8s.V1Pod;
  readonly #startTime: string;
  readonly #runners: ContainerRunner[];
  readonly #ctx: PodWorkerContext;
  readonly #podDir: string;

  constructor(pod: k8s.V1Pod, podIP: string, ctx: PodWorkerContext, onChange: () => void) {
    this.pod = pod;
    this.key = `${pod.metadata?.namespace}/${pod.metadata?.name}`;
    this.uid = pod.metadata?.uid ?? "";
    this.podIP = podIP;
    this.#ctx = ctx;
    this.#startTime = isoTime(pod.status?.startTime) ?? nowIso();
    const podDir = `${ctx.logDir}/${pod.metadata?.namespace}_${pod.metadata?.name}_${this.uid}`;
    const log = withFields(ctx.log, { pod: this.key, podIP });
    this.#runners = ctx.statusOnly
      ? []
      : (pod.spec?.containers ?? []).map((container) =>
        new ContainerRunner({
          pod,
          container,
          podIP,
          hostIP: ctx.hostIP,
          images: ctx.images,
          repoRoot: ctx.repoRoot,
          configSource: ctx.configSource,
          backoffBaseMs: ctx.backoffBaseMs,
          logPath: `${podDir}/${container.name}.log`,
          onChange,
          log: withFields(log, { container: container.name }),
          previous: pod.status?.containerStatuses?.find((s) => s.name === container.name),
        })
      );
    this.#podDir = podDir;
  }

  /** Starts every container. */
  async start(): Promise<void> {
    if (this.#ctx.statusOnly) return;
    await Deno.mkdir(this.#podDir, { recursive: true });
    for (const runner of this.#runners) runner.start();
  }

  /** What the node observes now, for the status. */
  snapshot(): PodSnapshot {
    return {
      podIP: this.podIP,
      hostIP: this.#ctx.hostIP,
      startTime: this.#startTime,
      containers: this.#ctx.statusOnly
        ? (this.pod.spec?.containers ?? []).map((c) => statusOnlyContainer(c, this.#startTime))
        : this.#runners.map((r) => r.status()),
    };
  }

  /** Stops every container: SIGTERM, then SIGKILL after `graceMs`. */
  async stop(graceMs: number): Promise<void> {
    await Promise.all(this.#runners.map((r) => r.stop(graceMs)));
  }
}

/** A container in status-only mode: running since the pod started, started and Ready. */
function statusOnlyContainer(container: k8s.V1Container, startedAt: string): ContainerStatusJson {
  return {
    name: container.name,
    image: container.image ?? "",
    imageID: `sim://status-only/${container.image ?? ""}`,
    containerID: `sim://status-only/${container.name}`,
    ready: true,
    started: true,
    restartCount: 0,
    state: { running: { startedAt } },
    lastState: {},
  };
}
