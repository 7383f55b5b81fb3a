/**
 * The kubelet part of the simulator: for pods bound to the node, start a worker, write the
 * status it observes (only when it changed, through pods/status), and on deletion stop the
 * processes within the grace period and finish the deletion with `gracePeriodSeconds: 0` and a
 * UID precondition — the kubelet's last step, without which a gracefully deleted pod stays
 * `Terminating` forever.
 * @module
 */

import * as k8s from "@kubernetes/client-node";
import { errorText } from "../../shared/controller/mod.ts";
import { isConflict, isNotFound, kubeCall } from "../../shared/kube/errors.ts";
import type { Logger } from "../../shared/runtime/log.ts";
import type { IpPool } from "./ip_pool.ts";
import { computeStatus, ownedConditions, sameStatus, statusPatch } from "./pod_status.ts";
import { PodWorker, type PodWorkerContext } from "./pod_worker.ts";
import { nowIso, type OwnedStatus } from "./status_types.ts";

/** What the kubelet part needs. */
export interface KubeletOptions {
  core: k8s.CoreV1Api;
  nodeName: string;
  context: PodWorkerContext;
  ipPool: IpPool;
  /** Asks for the pod `key` to be synced again (status changed, retry). */
  enqueue: (key: string) => void;
  log: Logger;
}

/** The kubelet's floor for a kill's grace period, even for a forced deletion. */
const MIN_GRACE_SECONDS = 2;

/** Longest SIGTERM grace when the simulator itself stops. */
const STOP_GRACE_MS = 10_000;

/** Runs the pods bound to one node. */
export class Kubelet {
  readonly #o: KubeletOptions;
  readonly #workers = new Map<string, PodWorker>();
  readonly #written = new Map<string, OwnedStatus>();
  /** Workers being stopped, by pod UID. */
  readonly #retiring = new Map<string, Promise<void>>();
  /** Graceful deletions in progress, by pod UID. */
  readonly #deleting = new Map<string, Promise<void>>();

  constructor(options: KubeletOptions) {
    this.#o = options;
  }

  /** Brings the node in line with `pod` (undefined: the pod `key` no longer exists). */
  async sync(key: string, pod: k8s.V1Pod | undefined): Promise<void> {
    this.#retireStale(key, pod);
    if (!pod || pod.spec?.nodeName !== this.#o.nodeName) return;
    const uid = pod.metadata?.uid ?? "";
    if (pod.metadata?.deletionTimestamp) return this.#terminate(key, pod);
    if (this.#retiring.has(uid)) return;
    let worker = this.#workers.get(uid);
    if (!worker) {
      if (pod.status?.phase === "Succeeded" || pod.status?.phase === "Failed") return;
      worker = await this.#startWorker(key, pod);
    }
    await this.#writeStatus(key, pod, worker);
  }

  /** Stops every process this kubelet started. */
  async stop(): Promise<void> {
    for (const worker of this.#workers.values()) {
      const graceMs = Math.min(graceSeconds(worker.pod) * 1000, STOP_GRACE_MS);
      this.#retire(worker, graceMs);
    }
    while (this.#retiring.size + this.#deleting.size > 0) {
      await Promise.all([...this.#retiring.values(), ...this.#deleting.values()]);
    }
  }

  /** Workers of a pod that was deleted outright, re-created (new UID) or moved elsewhere. */
  #retireStale(key: string, pod: k8s.V1Pod | undefined): void {
    for (const worker of this.#workers.values()) {
      if (worker.key !== key) continue;
      const same = pod?.metadata?.uid === worker.uid && pod?.spec?.nodeName === this.#o.nodeName;
      if (!same) this.#retire(worker, graceSeconds(worker.pod) * 1000);
    }
  }

  async #startWorker(key: string, pod: k8s.V1Pod): Promise<PodWorker> {
    const ports = (pod.spec?.containers ?? []).flatMap((c) =>
      (c.ports ?? []).map((p) => p.containerPort)
    );
    const podIP = this.#o.ipPool.allocate(ports, pod.status?.podIP);
    const worker = new PodWorker(pod, podIP, this.#o.context, () => this.#o.enqueue(key));
    this.#workers.set(worker.uid, worker);
    this.#o.log("info", "starting pod", { pod: key, podIP });
    await worker.start();
    return worker;
  }

  /** Stops a worker's processes in the background and forgets it. */
  #retire(worker: PodWorker, graceMs: number): Promise<void> {
    const running = this.#retiring.get(worker.uid);
    if (running) return running;
    const done = worker.stop(graceMs).finally(() => {
      this.#o.ipPool.release(worker.podIP);
      this.#workers.delete(worker.uid);
      this.#written.delete(worker.uid);
      this.#retiring.delete(worker.uid);
      this.#o.log("info", "pod stopped", { pod: worker.key });
    });
    this.#retiring.set(worker.uid, done);
    return done;
  }

  /** Graceful deletion: stop the processes, then remove the pod object. */
  #terminate(key: string, pod: k8s.V1Pod): void {
    const uid = pod.metadata?.uid ?? "";
    if (this.#deleting.has(uid)) return;
    const worker = this.#workers.get(uid);
    const stopped = worker ? this.#retire(worker, graceSeconds(pod) * 1000) : Promise.resolve();
    const done = stopped.then(() => this.#deletePod(pod)).catch((err) => {
      this.#o.log("warn", "cannot finish pod deletion", { pod: key, error: errorText(err) });
      setTimeout(() => this.#o.enqueue(key), 1000);
    }).finally(() => this.#deleting.delete(uid));
    this.#deleting.set(uid, done);
  }

  async #deletePod(pod: k8s.V1Pod): Promise<void> {
    const { name = "", namespace = "", uid } = pod.metadata ?? {};
    try {
      await kubeCall(
        `Cannot delete pod "${namespace}/${name}"`,
        () =>
          this.#o.core.deleteNamespacedPod({
            name,
            namespace,
            gracePeriodSeconds: 0,
            body: { gracePeriodSeconds: 0, preconditions: { uid } },
          }),
      );
      this.#o.log("info", "pod deleted", { pod: `${namespace}/${name}` });
    } catch (err) {
      // Not found: already gone; conflict: the name now belongs to a new pod (UID precondition).
      if (isNotFound(err) || isConflict(err)) return;
      throw err;
    }
  }

  async #writeStatus(key: string, pod: k8s.V1Pod, worker: PodWorker): Promise<void> {
    const cached = this.#written.get(worker.uid);
    const previous = cached?.conditions ?? ownedConditions(pod);
    const desired = computeStatus(pod, worker.snapshot(), previous, nowIso());
    if (sameStatus(desired, cached)) return;
    try {
      await kubeCall(
        `Cannot write the status of pod "${key}"`,
        () =>
          this.#o.core.patchNamespacedPodStatus(
            {
              name: pod.metadata?.name ?? "",
              namespace: pod.metadata?.namespace ?? "",
              body: statusPatch(desired),
            },
            k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.StrategicMergePatch),
          ),
      );
    } catch (err) {
      if (isNotFound(err)) return; // deleted meanwhile: its next sync retires the worker
      throw err;
    }
    this.#written.set(worker.uid, desired);
  }
}

/** As the kubelet: the deletion's grace period, else the pod's, and never under 2 s. */
function graceSeconds(pod: k8s.V1Pod): number {
  const grace = pod.metadata?.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds;
  return Math.max(grace ?? 30, MIN_GRACE_SECONDS);
}
