/**
 * The performer lifecycle, the same in both deployment modes: per AVS a `current` performer
 * (InService) and at most one `next` (Staged); blue-green deploys; tasks counted in flight so
 * a replaced performer drains before it is removed; a health monitor that restarts unhealthy
 * performers with back-off — without holding anything that tasks wait on.
 * @module
 */

import { type Backoff, delay, exponentialBackoff } from "../../shared/controller/mod.ts";
import { ReasonError } from "../../shared/errors/reason_error.ts";
import type { Logger } from "../../shared/runtime/log.ts";
import { TaskError } from "../task/errors.ts";
import { CircuitBreaker } from "./circuit_breaker.ts";
import { type AppHealth, PerformerConnection } from "./connection.ts";
import type { InstanceSpec, PerformerInstance, PerformerRuntime } from "./runtime.ts";

/**
 * Where an instance stands among its AVS's slots: `next` (Staged), `current` (InService), or
 * replaced and finishing its tasks (Draining). Not a Performer resource's status.
 */
export type SlotStatus = "Staged" | "InService" | "Draining";

/** An instance with its slot status and health, as ListPerformers reports it. */
export interface InstanceInfo {
  performerId: string;
  avsAddress: string;
  status: SlotStatus;
  instance: PerformerInstance;
  resourceHealthy: boolean;
  applicationHealthy: boolean;
  lastHealthCheck?: Date;
  detail?: string;
}

/** Why a deploy could not complete. */
export type DeployErrorReason =
  /** Another deploy for the AVS is running. */
  | "DeployInProgress"
  /** Promote was asked for a performer that is not the staged one. */
  | "NotStaged"
  /** The runtime could not start the performer (the cause, a runtime error, says why). */
  | "StartFailed"
  /** The performer did not become SERVING within the ready timeout, or the wait was cancelled. */
  | "NotHealthy";

/** A deploy that could not complete (the current performer, if any, still serves). */
export class DeployError extends ReasonError<DeployErrorReason> {}

interface Managed {
  instance: PerformerInstance;
  connection: PerformerConnection;
  status: SlotStatus;
  inFlight: number;
  idle?: PromiseWithResolvers<void>;
  resourceHealthy: boolean;
  app: AppHealth;
  detail?: string;
  checkedAt?: Date;
  failedChecks: number;
  restarts: Backoff;
  nextRestartAt: number;
  /** Set while the runtime restarts it: tasks fail fast, its old connection is closed. */
  restarting?: boolean;
}

interface Slots {
  current?: Managed;
  next?: Managed;
  deploying: boolean;
}

/** Options of the lifecycle manager. */
export interface LifecycleOptions {
  runtime: PerformerRuntime;
  log?: Logger;
  /** How often the monitor checks each performer (default 5 s). */
  healthIntervalMs?: number;
  /** How long a new performer has to become SERVING (default 2 min). */
  readyTimeoutMs?: number;
  /** Failed checks in a row before a restart (default 3). */
  unhealthyThreshold?: number;
  /** Circuit breaker reset time of each connection, in ms (default 10 s). */
  breakerResetMs?: number;
}

/** One interface over both deployment modes. */
export class PerformerLifecycle {
  readonly #o: Required<Omit<LifecycleOptions, "log">> & { log: Logger };
  readonly #avs = new Map<string, Slots>();
  readonly #draining = new Set<Managed>();
  #monitor?: AbortController;

  constructor(options: LifecycleOptions) {
    this.#o = {
      healthIntervalMs: 5_000,
      readyTimeoutMs: 120_000,
      unhealthyThreshold: 3,
      breakerResetMs: 10_000,
      log: () => {},
      ...options,
    };
  }

  #slots(avs: string): Slots {
    const key = avs.toLowerCase();
    let slots = this.#avs.get(key);
    if (!slots) this.#avs.set(key, slots = { deploying: false });
    return slots;
  }

  /** Starts a staged `next` performer and waits until it is SERVING; on failure removes it. */
  async createPerformer(
    spec: Omit<InstanceSpec, "performerId">,
    signal?: AbortSignal,
  ): Promise<InstanceInfo> {
    const slots = this.#slots(spec.avsAddress);
    if (slots.next) await this.#discard(slots.next, "replaced by a newer staged performer");
    const performerId = newPerformerId(spec.avsAddress);
    const instance = await this.#o.runtime.create({ ...spec, performerId }, signal).catch((err) => {
      throw new DeployError(
        "StartFailed",
        `Cannot start a performer for ${spec.avsAddress}: ${err.message}`,
        {
          cause: err,
        },
      );
    });
    const managed = this.#manage(instance, "Staged");
    slots.next = managed;
    try {
      await this.#waitServing(managed, signal);
    } catch (err) {
      slots.next = undefined;
      await this.#discard(managed, "did not become healthy");
      throw err;
    }
    return info(managed);
  }

  /** Makes the staged performer current; the old one drains, then is removed. */
  async promote(avs: string, performerId: string): Promise<void> {
    const slots = this.#slots(avs);
    if (slots.next?.instance.performerId !== performerId) {
      throw new DeployError("NotStaged", `Performer ${performerId} is not staged for ${avs}`);
    }
    const old = slots.current;
    slots.current = slots.next;
    slots.current.status = "InService";
    slots.next = undefined;
    this.#o.log("info", "performer promoted", {
      avs,
      performerId,
      replaced: old?.instance.performerId,
    });
    if (old) await this.#retire(old);
  }

  /** Blue-green deploy: stage, wait until healthy, promote, drain and remove the old one. */
  async deploy(
    spec: Omit<InstanceSpec, "performerId">,
    signal?: AbortSignal,
  ): Promise<InstanceInfo> {
    const slots = this.#slots(spec.avsAddress);
    if (slots.deploying) {
      throw new DeployError(
        "DeployInProgress",
        `A deploy for ${spec.avsAddress} is already in progress`,
      );
    }
    slots.deploying = true;
    try {
      const staged = await this.createPerformer(spec, signal);
      await this.promote(spec.avsAddress, staged.performerId);
      return { ...staged, status: "InService" };
    } finally {
      slots.deploying = false;
    }
  }

  /** Adopts an instance that is already running (after an executor restart) as current. */
  async adopt(instance: PerformerInstance): Promise<boolean> {
    const managed = this.#manage(instance, "Staged");
    await this.#check(managed);
    if (!managed.resourceHealthy || managed.app !== "SERVING") {
      managed.connection.close();
      return false;
    }
    const slots = this.#slots(instance.avsAddress);
    const old = slots.current;
    managed.status = "InService";
    slots.current = managed;
    if (old) await this.#retire(old);
    return true;
  }

  /** Instances the runtime holds for this executor, managed or not (e.g. after a restart). */
  listOwnedInstances(): Promise<PerformerInstance[]> {
    return this.#o.runtime.listOwned();
  }

  /** Removes an instance this lifecycle does not manage (a leftover of an earlier run). */
  async removeInstance(instance: PerformerInstance): Promise<void> {
    await this.#o.runtime.remove(instance);
  }

  /** Removes a performer wherever it is; false if unknown. */
  async remove(performerId: string): Promise<boolean> {
    for (const slots of this.#avs.values()) {
      for (const slot of ["current", "next"] as const) {
        const managed = slots[slot];
        if (managed?.instance.performerId === performerId) {
          slots[slot] = undefined;
          await this.#discard(managed, "removed on request");
          return true;
        }
      }
    }
    const draining = [...this.#draining].find((m) => m.instance.performerId === performerId);
    if (draining) await this.#discard(draining, "removed on request");
    return draining !== undefined;
  }

  /** Every performer, with health checked now (nothing stale). */
  async list(avs?: string): Promise<InstanceInfo[]> {
    const all: Managed[] = [];
    for (const [key, slots] of this.#avs) {
      if (avs && key !== avs.toLowerCase()) continue;
      if (slots.current) all.push(slots.current);
      if (slots.next) all.push(slots.next);
    }
    for (const m of this.#draining) {
      if (!avs || m.instance.avsAddress.toLowerCase() === avs.toLowerCase()) all.push(m);
    }
    await Promise.all(all.map((m) => this.#check(m)));
    return all.map(info);
  }

  /** Whether an AVS has a performer in service. */
  hasCurrent(avs: string): boolean {
    return this.#avs.get(avs.toLowerCase())?.current !== undefined;
  }

  /** Runs a task on the AVS's current performer, once. */
  async runTask(
    avs: string,
    task: { taskId: string; payload: Uint8Array },
    options: { deadline: number; signal: AbortSignal },
  ): Promise<Uint8Array> {
    const current = this.#avs.get(avs.toLowerCase())?.current;
    if (!current) throw new TaskError("Unavailable", `No performer is in service for AVS ${avs}`);
    if (current.restarting) {
      throw new TaskError(
        "Unavailable",
        `The performer of AVS ${avs} is being restarted (it was unhealthy); retry shortly`,
      );
    }
    current.inFlight++;
    try {
      return await current.connection.executeTask(task.taskId, task.payload, options);
    } finally {
      current.inFlight--;
      if (current.inFlight === 0) current.idle?.resolve();
    }
  }

  /** Starts the health monitor. */
  startMonitoring(): void {
    if (this.#monitor) return;
    const stop = this.#monitor = new AbortController();
    (async () => {
      while (!stop.signal.aborted) {
        await delay(this.#o.healthIntervalMs, stop.signal).catch(() => {});
        if (stop.signal.aborted) break;
        for (const slots of this.#avs.values()) {
          if (slots.current) await this.#heal(slots.current).catch((err) => this.#logError(err));
        }
      }
    })();
  }

  /** Stops monitoring, drains in-flight tasks, and removes the performers if asked to. */
  async shutdown(options: { removePerformers: boolean; drainTimeoutMs: number }): Promise<void> {
    this.#monitor?.abort();
    const all = [...this.#avs.values()].flatMap((s) => [s.current, s.next]).filter((
      m,
    ): m is Managed => !!m);
    const drained = Promise.all([...all, ...this.#draining].map((m) => this.#drain(m)));
    await Promise.race([drained, delay(options.drainTimeoutMs)]);
    for (const m of [...all, ...this.#draining]) {
      m.connection.close();
      if (options.removePerformers) {
        await this.#o.runtime.remove(m.instance).catch((err) => this.#logError(err));
      }
    }
    this.#avs.clear();
    this.#draining.clear();
    await this.#o.runtime.close();
  }

  #manage(instance: PerformerInstance, status: SlotStatus): Managed {
    return {
      instance,
      connection: this.#connect(instance.endpoint),
      status,
      inFlight: 0,
      resourceHealthy: false,
      app: "UNKNOWN",
      failedChecks: 0,
      restarts: exponentialBackoff({ minTimeout: 1_000, maxTimeout: 60_000 }),
      nextRestartAt: 0,
    };
  }

  #connect(endpoint: string): PerformerConnection {
    return new PerformerConnection(
      endpoint,
      new CircuitBreaker({ resetTimeoutMs: this.#o.breakerResetMs }),
    );
  }

  async #waitServing(m: Managed, signal?: AbortSignal): Promise<void> {
    const deadline = Date.now() + this.#o.readyTimeoutMs;
    while (Date.now() < deadline) {
      if (signal?.aborted) throw new DeployError("NotHealthy", "The deploy was cancelled");
      const state = await this.#o.runtime.inspect(m.instance);
      if (state.failed) {
        throw new DeployError(
          "StartFailed",
          `Performer ${m.instance.performerId} failed to start: ${state.detail}`,
        );
      }
      if (state.running && (await m.connection.health(1_000)) === "SERVING") {
        m.resourceHealthy = true;
        m.app = "SERVING";
        m.checkedAt = new Date();
        return;
      }
      await delay(200);
    }
    throw new DeployError(
      "NotHealthy",
      `Performer ${m.instance.performerId} was not SERVING within ${
        this.#o.readyTimeoutMs / 1000
      } s`,
    );
  }

  async #check(m: Managed): Promise<void> {
    const state = await this.#o.runtime.inspect(m.instance).catch((err) => ({
      running: false,
      detail: (err as Error).message,
      failed: false,
    }));
    m.resourceHealthy = state.running;
    m.detail = state.detail;
    m.app = state.running ? await m.connection.health() : "UNREACHABLE";
    m.checkedAt = new Date();
  }

  /** One monitor pass over a current performer: restart it once it has been unhealthy long enough. */
  async #heal(m: Managed): Promise<void> {
    await this.#check(m);
    if (m.resourceHealthy && m.app === "SERVING") {
      m.failedChecks = 0;
      m.restarts.reset();
      return;
    }
    m.failedChecks++;
    if (m.failedChecks < this.#o.unhealthyThreshold || Date.now() < m.nextRestartAt) return;
    this.#o.log("warn", "restarting an unhealthy performer", {
      performerId: m.instance.performerId,
      app: m.app,
      detail: m.detail,
    });
    m.nextRestartAt = Date.now() + m.restarts.next();
    // The old connection is closed before the restart and a new one opened after it: a session
    // still open when the old process stops gracefully would receive its HTTP/2 GOAWAY, which
    // aborts Deno's node:http2 in the executor (denoland/deno#36788). Tasks fail fast meanwhile.
    m.restarting = true;
    m.connection.close();
    try {
      m.instance = await this.#o.runtime.restart(m.instance);
    } finally {
      m.connection = this.#connect(m.instance.endpoint);
      m.restarting = false;
    }
    m.failedChecks = 0;
  }

  async #retire(m: Managed): Promise<void> {
    m.status = "Draining";
    this.#draining.add(m);
    await this.#drain(m);
    await this.#discard(m, "replaced");
  }

  async #drain(m: Managed): Promise<void> {
    if (m.inFlight === 0) return;
    m.idle ??= Promise.withResolvers<void>();
    await m.idle.promise;
  }

  async #discard(m: Managed, why: string): Promise<void> {
    this.#draining.delete(m);
    m.connection.close();
    this.#o.log("info", "removing performer", { performerId: m.instance.performerId, why });
    await this.#o.runtime.remove(m.instance);
  }

  #logError(err: unknown): void {
    this.#o.log("error", "performer lifecycle error", { error: (err as Error).message });
  }
}

function info(m: Managed): InstanceInfo {
  return {
    performerId: m.instance.performerId,
    avsAddress: m.instance.avsAddress,
    status: m.status,
    instance: m.instance,
    resourceHealthy: m.resourceHealthy,
    applicationHealthy: m.app === "SERVING",
    lastHealthCheck: m.checkedAt,
    detail: m.detail,
  };
}

/** `<first 8 hex of the AVS>-<8 random hex>`: short, unique, a valid DNS label. */
function newPerformerId(avs: string): string {
  const random = [...crypto.getRandomValues(new Uint8Array(4))].map((b) =>
    b.toString(16).padStart(2, "0")
  ).join("");
  return `${avs.slice(2, 10).toLowerCase()}-${random}`;
}
