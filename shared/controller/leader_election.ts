/**
 * Leader election on a `coordination.k8s.io/v1` Lease, the way client-go does it:
 * - a candidate takes the Lease when it does not exist, when it holds it already, or when the
 *   holder has not renewed it for `leaseDuration` — measured on our own clock from when we last
 *   saw the record change, so clock skew between machines does not matter;
 * - the leader renews every `retryPeriod`. Every attempt's requests carry a signal that aborts
 *   when the renew deadline passes — `renewDeadline` after the last successful renewal began — so
 *   a request the API server never answers is cancelled, not awaited. A leader that has not
 *   renewed by then, or that finds another holder in the Lease, stops leading; the caller should
 *   exit, as controller-runtime does. Since `renewDeadline` < `leaseDuration`, it has stopped
 *   before a standby, counting `leaseDuration` from when it saw our last renewal, can take over;
 * - on shutdown the leader releases the Lease so a standby takes over at once.
 * Updates use the Lease's resourceVersion, so two candidates cannot both win.
 * @module
 */

import type * as k8s from "@kubernetes/client-node";
import { delay } from "./backoff.ts";
import { isNotFound, KubeApiError, kubeCall } from "../kube/errors.ts";
import type { Logger } from "../runtime/log.ts";

/**
 * The Lease calls leader election makes: client-node's `CoordinationV1Api` has them, and so does
 * the operator's REST client (`operator/kube_api.ts`). Each gets the per-call options `kubeCall`
 * passes (they carry the call's signal).
 */
export type LeaseApi = Pick<
  k8s.CoordinationV1Api,
  "readNamespacedLease" | "createNamespacedLease" | "replaceNamespacedLease"
>;

/** Options of leader election. */
export interface LeaderElectionOptions {
  api: LeaseApi;
  namespace: string;
  name: string;
  identity: string;
  /** How long a standby waits, from when it last saw the Lease change, before taking it (15 s). */
  leaseDurationMs?: number;
  /** How long the leader keeps leading without a successful renewal (10 s; < lease duration). */
  renewDeadlineMs?: number;
  /** How often candidates try to acquire and the leader renews (2 s). */
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
 * the reason: "lost" or "shutdown". The Lease is released when `signal` aborts while leading.
 */
export async function runLeaderElection(
  options: LeaderElectionOptions,
  signal: AbortSignal,
): Promise<string> {
  const timing = timingOf(options);
  const lease = new LeaseLock(options);
  let renewedAt = performance.now();
  for (;;) {
    renewedAt = performance.now();
    if (signal.aborted || await attempt(lease, signal, timing.renewDeadlineMs)) break;
    await delay(timing.retryPeriodMs, signal).catch(() => {});
  }
  if (signal.aborted) return "shutdown";
  options.log?.("info", "became leader", { lease: `${options.namespace}/${options.name}` });
  options.onLeadershipChange?.(true);
  const leading = new AbortController();
  options.onStartedLeading(leading.signal);
  const reason = await renewLoop(lease, { ...options, ...timing }, renewedAt, signal);
  leading.abort(new Error(reason));
  options.onLeadershipChange?.(false);
  if (reason === "shutdown") await lease.release(timing.renewDeadlineMs);
  options.onStoppedLeading?.(reason);
  return reason;
}

type Timing = Required<
  Pick<LeaderElectionOptions, "leaseDurationMs" | "renewDeadlineMs" | "retryPeriodMs">
>;

function timingOf(options: LeaderElectionOptions): Timing {
  const timing = {
    leaseDurationMs: options.leaseDurationMs ?? 15_000,
    renewDeadlineMs: options.renewDeadlineMs ?? 10_000,
    retryPeriodMs: options.retryPeriodMs ?? 2_000,
  };
  if (!(timing.renewDeadlineMs < timing.leaseDurationMs)) {
    throw new RangeError("The renew deadline must be shorter than the lease duration");
  }
  if (!(timing.retryPeriodMs > 0 && timing.retryPeriodMs < timing.renewDeadlineMs)) {
    throw new RangeError("The retry period must be > 0 and shorter than the renew deadline");
  }
  return timing;
}

/** One acquire or renew attempt whose requests are cancelled after `timeoutMs`. */
async function attempt(lease: LeaseLock, signal: AbortSignal, timeoutMs: number) {
  if (timeoutMs <= 0) return false;
  const timeout = new AbortController();
  const timer = setTimeout(
    () => timeout.abort(new Error(`renew deadline passed (${timeoutMs} ms left at start)`)),
    timeoutMs,
  );
  try {
    return await lease.tryAcquireOrRenew(AbortSignal.any([signal, timeout.signal]));
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Renews until `signal` aborts ("shutdown") or the renew deadline passes without a renewal
 * ("lost"). The deadline counts from when the last successful attempt began, since the API
 * server may have written that attempt's renewTime — and a standby seen it — at any moment after.
 */
async function renewLoop(
  lease: LeaseLock,
  options: LeaderElectionOptions & Timing,
  renewedAt: number,
  signal: AbortSignal,
): Promise<string> {
  const { retryPeriodMs, renewDeadlineMs } = options;
  while (!signal.aborted) {
    // Never sleep past the deadline: a leader that cannot renew must notice it on time.
    const untilDeadline = renewedAt + renewDeadlineMs - performance.now();
    await delay(Math.max(0, Math.min(retryPeriodMs, untilDeadline)), signal).catch(() => {});
    if (signal.aborted) break;
    const started = performance.now();
    if (await attempt(lease, signal, renewedAt + renewDeadlineMs - started)) {
      renewedAt = started;
    } else if (lease.takenBy !== undefined) {
      options.log?.("error", "lost leadership: another replica holds the lease", {
        holder: lease.takenBy,
      });
      return "lost";
    } else if (performance.now() - renewedAt >= renewDeadlineMs && !signal.aborted) {
      options.log?.("error", "lost leadership: could not renew the lease in time", {
        renewDeadlineMs,
        sinceLastRenewalMs: Math.round(performance.now() - renewedAt),
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

  /** Another holder seen by the last attempt, while its Lease had not expired. */
  takenBy: string | undefined;

  /** True when we hold the Lease after this call; every request carries `signal`. */
  async tryAcquireOrRenew(signal: AbortSignal): Promise<boolean> {
    const { api, namespace, name, identity } = this.#o;
    const now = new Date();
    const options = { signal };
    this.takenBy = undefined;
    try {
      let lease: k8s.V1Lease;
      try {
        lease = await kubeCall(
          `Cannot read lease ${namespace}/${name}`,
          (o) => api.readNamespacedLease({ name, namespace }, o),
          options,
        );
      } catch (err) {
        if (!isNotFound(err)) throw err;
        await kubeCall(
          `Cannot create lease ${namespace}/${name}`,
          (o) => api.createNamespacedLease({ namespace, body: this.#record(undefined, now) }, o),
          options,
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
      if (held && Date.now() - this.#observedAt < durationMs) {
        this.takenBy = spec.holderIdentity;
        return false;
      }
      await kubeCall(
        `Cannot update lease ${namespace}/${name}`,
        (o) => api.replaceNamespacedLease({ name, namespace, body: this.#record(lease, now) }, o),
        options,
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
  async release(timeoutMs: number): Promise<void> {
    const { api, namespace, name, identity } = this.#o;
    const options = { signal: AbortSignal.timeout(timeoutMs) };
    try {
      const lease = await kubeCall(
        `Cannot read lease ${namespace}/${name}`,
        (o) => api.readNamespacedLease({ name, namespace }, o),
        options,
      );
      if (lease.spec?.holderIdentity !== identity) return;
      lease.spec = {
        ...lease.spec,
        holderIdentity: undefined,
        leaseDurationSeconds: 1,
        renewTime: microTime(new Date()),
      };
      await kubeCall(
        `Cannot release lease ${namespace}/${name}`,
        (o) => api.replaceNamespacedLease({ name, namespace, body: lease }, o),
        options,
      );
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
