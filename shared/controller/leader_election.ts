/**
 * Leader election on a `coordination.k8s.io/v1` Lease, the way client-go does it:
 * - a candidate takes the Lease when it does not exist, when it holds it already, or when the
 *   holder has not renewed it for `leaseDuration` — measured on our own clock from when we last
 *   saw the record change, so clock skew between machines does not matter;
 * - the leader renews every `retryPeriod`; if it cannot renew for `renewDeadline` it stops leading
 *   (the caller should exit, as controller-runtime does, so two leaders never act at once);
 * - on shutdown the leader releases the Lease so a standby takes over at once.
 * Updates use the Lease's resourceVersion, so two candidates cannot both win.
 * @module
 */

import type * as k8s from "@kubernetes/client-node";
import { delay } from "./backoff.ts";
import { isNotFound, KubeApiError, kubeCall } from "../kube/errors.ts";
import type { Logger } from "../runtime/log.ts";

/** Options of leader election. */
export interface LeaderElectionOptions {
  api: k8s.CoordinationV1Api;
  namespace: string;
  name: string;
  identity: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  log?: Logger;
  /** Called once when we become leader; `leading` aborts when we stop leading. */
  onStartedLeading: (leading: AbortSignal) => void;
  /** Called when leadership ends (lost, or released on shutdown). */
  onStoppedLeading?: (reason: string) => void;
  /** Observes leadership changes (for the leader_election_master_status metric). */
  onLeadershipChange?: (leading: boolean) => void;
}

/**
 * Campaigns until we lead, leads until leadership is lost or `signal` aborts, then returns
 * the reason. The Lease is released when `signal` aborts while leading.
 */
export async function runLeaderElection(
  options: LeaderElectionOptions,
  signal: AbortSignal,
): Promise<string> {
  const lease = new LeaseLock(options);
  const retry = options.retryPeriodMs ?? 2_000;
  while (!signal.aborted && !(await lease.tryAcquireOrRenew())) {
    await delay(retry, signal).catch(() => {});
  }
  if (signal.aborted) return "shutdown";
  options.log?.("info", "became leader", { lease: `${options.namespace}/${options.name}` });
  options.onLeadershipChange?.(true);
  const leading = new AbortController();
  options.onStartedLeading(leading.signal);
  const reason = await renewLoop(lease, options, signal);
  leading.abort(new Error(reason));
  options.onLeadershipChange?.(false);
  if (reason === "shutdown") await lease.release();
  options.onStoppedLeading?.(reason);
  return reason;
}

async function renewLoop(lease: LeaseLock, options: LeaderElectionOptions, signal: AbortSignal) {
  const retry = options.retryPeriodMs ?? 2_000;
  const deadline = options.renewDeadlineMs ?? 10_000;
  let lastRenew = Date.now();
  while (!signal.aborted) {
    await delay(retry, signal).catch(() => {});
    if (signal.aborted) break;
    if (await lease.tryAcquireOrRenew()) {
      lastRenew = Date.now();
    } else if (Date.now() - lastRenew > deadline) {
      options.log?.("error", "lost leadership: could not renew the lease in time", {
        renewDeadlineMs: deadline,
      });
      return "lost";
    }
  }
  return "shutdown";
}

class LeaseLock {
  readonly #o: LeaderElectionOptions;
  #observed = "";
  #observedAt = 0;

  constructor(options: LeaderElectionOptions) {
    this.#o = options;
  }

  get #durationSeconds(): number {
    return Math.ceil((this.#o.leaseDurationMs ?? 15_000) / 1000);
  }

  /** True when we hold the Lease after this call. */
  async tryAcquireOrRenew(): Promise<boolean> {
    const { api, namespace, name, identity } = this.#o;
    const now = new Date();
    try {
      let lease: k8s.V1Lease;
      try {
        lease = await kubeCall(
          `Cannot read lease ${namespace}/${name}`,
          () => api.readNamespacedLease({ name, namespace }),
        );
      } catch (err) {
        if (!isNotFound(err)) throw err;
        await kubeCall(
          `Cannot create lease ${namespace}/${name}`,
          () => api.createNamespacedLease({ namespace, body: this.#record(undefined, now) }),
        );
        return true;
      }
      const spec = lease.spec ?? {};
      const fingerprint =
        `${spec.holderIdentity}|${spec.renewTime?.valueOf()}|${lease.metadata?.resourceVersion}`;
      if (fingerprint !== this.#observed) {
        this.#observed = fingerprint;
        this.#observedAt = Date.now();
      }
      const held = spec.holderIdentity && spec.holderIdentity !== identity;
      const durationMs = (spec.leaseDurationSeconds ?? this.#durationSeconds) * 1000;
      if (held && Date.now() - this.#observedAt < durationMs) return false;
      await kubeCall(
        `Cannot update lease ${namespace}/${name}`,
        () => api.replaceNamespacedLease({ name, namespace, body: this.#record(lease, now) }),
      );
      return true;
    } catch (err) {
      const conflict = err instanceof KubeApiError && err.status === 409;
      this.#o.log?.(conflict ? "debug" : "warn", "lease attempt failed", {
        error: (err as Error).message,
      });
      return false;
    }
  }

  #record(existing: k8s.V1Lease | undefined, now: Date): k8s.V1Lease {
    const spec = existing?.spec ?? {};
    const ours = spec.holderIdentity === this.#o.identity;
    return {
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: existing?.metadata ?? { name: this.#o.name, namespace: this.#o.namespace },
      spec: {
        holderIdentity: this.#o.identity,
        leaseDurationSeconds: this.#durationSeconds,
        acquireTime: ours && spec.acquireTime ? spec.acquireTime : microTime(now),
        renewTime: microTime(now),
        leaseTransitions: (spec.leaseTransitions ?? 0) + (existing && !ours ? 1 : 0),
      },
    };
  }

  /** Gives the Lease up so a standby can take it without waiting for it to expire. */
  async release(): Promise<void> {
    const { api, namespace, name, identity } = this.#o;
    try {
      const lease = await api.readNamespacedLease({ name, namespace });
      if (lease.spec?.holderIdentity !== identity) return;
      lease.spec = {
        ...lease.spec,
        holderIdentity: undefined,
        leaseDurationSeconds: 1,
        renewTime: microTime(new Date()),
      };
      await api.replaceNamespacedLease({ name, namespace, body: lease });
      this.#o.log?.("info", "released the lease", { lease: `${namespace}/${name}` });
    } catch (err) {
      this.#o.log?.("warn", "cannot release the lease", { error: String(err) });
    }
  }
}

/**
 * A MicroTime as the API server parses it (six fraction digits). The client would send a Date
 * with three, which the server rejects for Lease times; it passes strings through unchanged.
 */
function microTime(date: Date): Date {
  return date.toISOString().replace(/\.(\d{3})Z$/, ".$1000Z") as unknown as Date;
}
