/**
 * The scheduler part of the simulator, for a cluster of one node: a pending pod for the default
 * scheduler either fits the node and is bound through the pods/binding subresource (as the real
 * scheduler does), or gets `PodScheduled=False, reason Unschedulable` with the scheduler's
 * message — written once, not again while nothing changes.
 * @module
 */

import * as k8s from "@kubernetes/client-node";
import { isConflict, isNotFound, kubeCall } from "../../shared/kube/errors.ts";
import type { Logger } from "../../shared/runtime/log.ts";
import { checkFit, unschedulableMessage } from "./fit.ts";
import { isoTime, nowIso } from "./status_types.ts";

/** What the scheduler part needs. */
export interface SchedulerOptions {
  core: k8s.CoreV1Api;
  nodeName: string;
  /** The node as currently stored. */
  node: () => k8s.V1Node;
  /** Every pod the simulator knows of. */
  pods: () => k8s.V1Pod[];
  log: Logger;
}

/** How long a bound pod counts against the node before the watch shows it bound. */
const ASSUME_TTL_MS = 30_000;

/** Schedules pending pods onto the one node. */
export class Scheduler {
  readonly #o: SchedulerOptions;
  /** Pods bound here that the watch may not show as bound yet: uid → pod, time. */
  readonly #assumed = new Map<string, { pod: k8s.V1Pod; at: number }>();
  /** The Unschedulable message last written per uid (the watch may lag behind our write). */
  readonly #written = new Map<string, string>();

  constructor(options: SchedulerOptions) {
    this.#o = options;
  }

  /** True when `pod` waits for this scheduler. */
  static wants(pod: k8s.V1Pod): boolean {
    const scheduler = pod.spec?.schedulerName ?? "default-scheduler";
    const terminal = pod.status?.phase === "Succeeded" || pod.status?.phase === "Failed";
    const gated = (pod.spec?.schedulingGates ?? []).length > 0;
    return !pod.spec?.nodeName && !pod.metadata?.deletionTimestamp && !terminal && !gated &&
      scheduler === "default-scheduler";
  }

  /** Binds `pod` to the node or records why it cannot be. */
  async schedule(pod: k8s.V1Pod): Promise<void> {
    if (!Scheduler.wants(pod)) return;
    const uid = pod.metadata?.uid ?? "";
    if (this.#assumed.has(uid)) return;
    const fit = checkFit(pod, this.#o.node(), this.#podsOnNode(uid));
    if (fit.fits) return this.#bind(pod);
    await this.#markUnschedulable(pod, unschedulableMessage(fit.reasons));
  }

  /** Forgets per-pod memory of pods that no longer exist. */
  forget(uids: ReadonlySet<string>): void {
    for (const uid of this.#written.keys()) if (!uids.has(uid)) this.#written.delete(uid);
  }

  #podsOnNode(exceptUid: string): k8s.V1Pod[] {
    const now = Date.now();
    const onNode = new Map<string, k8s.V1Pod>();
    for (const p of this.#o.pods()) {
      const terminal = p.status?.phase === "Succeeded" || p.status?.phase === "Failed";
      if (p.spec?.nodeName === this.#o.nodeName && !terminal) onNode.set(p.metadata?.uid ?? "", p);
    }
    for (const [uid, { pod, at }] of this.#assumed) {
      if (onNode.has(uid) || now - at > ASSUME_TTL_MS) this.#assumed.delete(uid);
      else onNode.set(uid, pod);
    }
    onNode.delete(exceptUid);
    return [...onNode.values()];
  }

  async #bind(pod: k8s.V1Pod): Promise<void> {
    const { name = "", namespace = "", uid } = pod.metadata ?? {};
    try {
      await kubeCall(
        `Cannot bind pod "${namespace}/${name}" to node "${this.#o.nodeName}"`,
        () =>
          this.#o.core.createNamespacedPodBinding({
            name,
            namespace,
            body: {
              apiVersion: "v1",
              kind: "Binding",
              metadata: { name, namespace, uid },
              target: { apiVersion: "v1", kind: "Node", name: this.#o.nodeName },
            },
          }),
      );
    } catch (err) {
      // Not found: deleted meanwhile; conflict: bound by someone else, or a new pod of that name.
      if (isNotFound(err) || isConflict(err)) return;
      throw err;
    }
    this.#assumed.set(uid ?? "", { pod, at: Date.now() });
    this.#written.delete(uid ?? "");
    this.#o.log("info", "pod bound", { pod: `${namespace}/${name}`, node: this.#o.nodeName });
  }

  async #markUnschedulable(pod: k8s.V1Pod, message: string): Promise<void> {
    const { name = "", namespace = "", uid = "" } = pod.metadata ?? {};
    const current = pod.status?.conditions?.find((c) => c.type === "PodScheduled");
    const unchanged = current?.status === "False" && current.reason === "Unschedulable" &&
      current.message === message;
    if (unchanged || this.#written.get(uid) === message) return;
    const lastTransitionTime = current?.status === "False"
      ? isoTime(current.lastTransitionTime) ?? nowIso()
      : nowIso();
    const condition = {
      type: "PodScheduled",
      status: "False",
      reason: "Unschedulable",
      message,
      lastProbeTime: null,
      lastTransitionTime,
    };
    try {
      await kubeCall(
        `Cannot mark pod "${namespace}/${name}" unschedulable`,
        () =>
          this.#o.core.patchNamespacedPodStatus(
            { name, namespace, body: { status: { conditions: [condition] } } },
            k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.StrategicMergePatch),
          ),
      );
    } catch (err) {
      if (isNotFound(err)) return; // deleted meanwhile
      throw err;
    }
    this.#written.set(uid, message);
    this.#o.log("info", "pod unschedulable", { pod: `${namespace}/${name}`, message });
  }
}
