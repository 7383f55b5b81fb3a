/**
 * Docker mode's `PerformerRuntime`: one labelled container per performer instance through the
 * Docker Engine API (Docker or Podman). The image is pulled only when missing; the gRPC port is
 * published on 127.0.0.1 with a random host port, or the container joins a user-defined network;
 * no auto-remove (crash evidence stays) and no engine restart policy (the lifecycle restarts
 * with its own back-off).
 * @module
 */

import { executorSelector } from "../../../shared/api/labels.ts";
import type { Logger } from "../../../shared/runtime/log.ts";
import { imageReference } from "../image.ts";
import {
  type InstanceSpec,
  type PerformerInstance,
  type PerformerRuntime,
  type RuntimeState,
} from "../runtime.ts";
import {
  containerEnv,
  type ContainerInspect,
  type ContainerLimits,
  containerName,
  createBody,
  goneState,
  instanceOf,
  runtimeStateOf,
  validateSpec,
} from "./_container.ts";
import { EngineApiError, type EngineClient } from "./engine_client.ts";
import { DockerRuntimeError, engineFailure } from "./errors.ts";

/** Options of `DockerRuntime`. */
export interface DockerRuntimeOptions {
  /** The engine; `close()` of the runtime closes it. */
  engine: EngineClient;
  /** Written into every container's executor label; `listOwned` finds containers by it. */
  executorId: string;
  /** A user-defined network to attach performers to (config `docker.network`). */
  network?: string;
  /** Memory and pids limits of every container (`docker.memoryLimit`, `docker.pidsLimit`). */
  limits?: ContainerLimits;
  log?: Logger;
  /** SIGTERM-to-SIGKILL grace of remove and restart, in seconds; 10 by default. */
  stopGraceSeconds?: number;
  /** Limit of one image pull; 10 minutes by default. */
  pullTimeoutMs?: number;
}

// Stop and restart answer only after the container stopped: their timeout must cover the grace.
const STOP_MARGIN_MS = 30_000;

/** The docker-mode runtime. Connects lazily: the engine is first called by a method. */
export class DockerRuntime implements PerformerRuntime {
  readonly mode = "docker" as const;
  readonly #engine: EngineClient;
  readonly #executorId: string;
  readonly #network?: string;
  readonly #limits?: ContainerLimits;
  readonly #log: Logger;
  readonly #grace: number;
  readonly #stopTimeoutMs: number;
  readonly #pullTimeoutMs?: number;

  constructor(options: DockerRuntimeOptions) {
    if (!options.executorId) throw new TypeError("DockerRuntime needs a non-empty executorId");
    this.#engine = options.engine;
    this.#executorId = options.executorId;
    this.#network = options.network;
    this.#limits = options.limits;
    this.#log = options.log ?? (() => {});
    this.#grace = options.stopGraceSeconds ?? 10;
    this.#stopTimeoutMs = this.#grace * 1000 + STOP_MARGIN_MS;
    this.#pullTimeoutMs = options.pullTimeoutMs;
  }

  async create(spec: InstanceSpec, signal?: AbortSignal): Promise<PerformerInstance> {
    const started = performance.now();
    signal?.throwIfAborted();
    validateSpec(spec);
    const { env, replaced } = containerEnv(spec);
    const name = containerName(spec);
    const fields = { container: name, avs: spec.avsAddress, performerId: spec.performerId };
    if (replaced.length > 0) {
      this.#log("warn", "performer env entries replaced by the runtime's own", {
        ...fields,
        replaced,
      });
    }
    await this.#ensureImage(spec, signal);
    signal?.throwIfAborted();
    let id: string;
    try {
      const body = createBody(spec, {
        executorId: this.#executorId,
        env,
        network: this.#network,
        limits: this.#limits,
      });
      // Not cancellable: cancelled after the engine created it, the container would be
      // left without anyone knowing its id. A cancel is seen at start, which removes it.
      id = (await this.#engine.request<{ Id: string }>("POST", "/containers/create", {
        query: { name },
        body,
      })).Id;
    } catch (err) {
      throw engineFailure(
        isNameConflict(err) ? "NameConflict" : "CreateFailed",
        `Cannot create container "${name}"`,
        err,
      );
    }
    try {
      const instance = await this.#startCreated(id, name, signal);
      this.#log("info", "performer container started", {
        ...fields,
        id: id.slice(0, 12),
        image: imageReference(spec.image),
        endpoint: instance.endpoint,
        ms: elapsed(started),
      });
      return instance;
    } catch (err) {
      // The caller gets no instance to remove: remove it here. The engine's reason for a
      // failed start is in the error, so nothing is lost that the container would show.
      await this.#discard(id);
      if (signal?.aborted || err instanceof DockerRuntimeError) throw err;
      throw engineFailure("StartFailed", `Cannot read back container "${name}"`, err);
    }
  }

  async inspect(instance: PerformerInstance): Promise<RuntimeState> {
    try {
      return runtimeStateOf(await this.#inspectContainer(instance.resourceId));
    } catch (err) {
      if (isNotFound(err)) return goneState(instance.resourceId);
      throw engineFailure("EngineError", `Cannot inspect performer ${instance.performerId}`, err);
    }
  }

  async restart(instance: PerformerInstance): Promise<PerformerInstance> {
    const id = instance.resourceId;
    try {
      // POST restart keeps the container, so its logs and earlier exit stay inspectable.
      await this.#engine.request("POST", `/containers/${id}/restart`, {
        query: { t: this.#grace },
        timeoutMs: this.#stopTimeoutMs,
      });
      const inspected = await this.#inspectContainer(id);
      const endpoint = instanceOf(inspected, this.#network)?.endpoint ?? "";
      if (!endpoint) {
        const state = runtimeStateOf(inspected);
        throw new DockerRuntimeError(
          "StartFailed",
          `Performer ${instance.performerId} has no endpoint after a restart (${state.detail})`,
        );
      }
      this.#log("info", "performer container restarted", {
        performerId: instance.performerId,
        id: id.slice(0, 12),
        endpoint,
      });
      return { ...instance, endpoint };
    } catch (err) {
      if (err instanceof DockerRuntimeError) throw err;
      const reason = isNotFound(err) ? "NotFound" : "EngineError";
      throw engineFailure(reason, `Cannot restart performer ${instance.performerId}`, err);
    }
  }

  async remove(instance: PerformerInstance): Promise<void> {
    const id = instance.resourceId;
    try {
      // A forced delete kills at once. A removed performer has been drained (no task in
      // flight) and its connections closed, so a graceful stop would only make it send an
      // HTTP/2 GOAWAY down a session the executor may still be closing — which aborts Deno's
      // node:http2 in the executor (denoland/deno#36788; seen as the executor dying mid
      // RemovePerformer in about one run in five under load).
      await this.#engine.request("DELETE", `/containers/${id}`, {
        query: { force: true, v: true },
        timeoutMs: this.#stopTimeoutMs,
      });
    } catch (err) {
      if (isNotFound(err)) return;
      throw engineFailure("EngineError", `Cannot remove performer ${instance.performerId}`, err);
    }
    this.#log("info", "performer container removed", {
      performerId: instance.performerId,
      id: id.slice(0, 12),
    });
  }

  async listOwned(): Promise<PerformerInstance[]> {
    const filters = JSON.stringify({ label: [executorSelector(this.#executorId)] });
    try {
      const listed = await this.#engine.request<{ Id: string }[]>("GET", "/containers/json", {
        query: { all: true, filters },
      });
      const found: PerformerInstance[] = [];
      for (const { Id } of listed) {
        // Removed between the list and the inspect: nothing to adopt.
        const inspected = await this.#inspectContainer(Id).catch((err) => {
          if (isNotFound(err)) return undefined;
          throw err;
        });
        const instance = inspected && instanceOf(inspected, this.#network);
        if (instance) found.push(instance);
        else if (inspected) {
          this.#log("warn", "owned container without performer labels", { id: Id });
        }
      }
      return found;
    } catch (err) {
      throw engineFailure("EngineError", "Cannot list this executor's performer containers", err);
    }
  }

  close(): Promise<void> {
    this.#engine.close();
    return Promise.resolve();
  }

  #inspectContainer(id: string, signal?: AbortSignal): Promise<ContainerInspect> {
    return this.#engine.request<ContainerInspect>("GET", `/containers/${id}/json`, { signal });
  }

  /** Pulls `spec.image` unless the engine has it already. */
  async #ensureImage(spec: InstanceSpec, signal?: AbortSignal): Promise<void> {
    const ref = imageReference(spec.image);
    try {
      await this.#engine.request("GET", `/images/${ref}/json`, { signal });
      return;
    } catch (err) {
      if (signal?.aborted) throw err;
      if (!isNotFound(err)) {
        throw engineFailure("EngineError", `Cannot inspect image "${ref}"`, err);
      }
    }
    const started = performance.now();
    this.#log("info", "pulling performer image", { image: ref });
    const { repository, tag, digest } = spec.image;
    try {
      await this.#engine.pullImage(repository, digest ?? tag, {
        timeoutMs: this.#pullTimeoutMs,
        signal,
      });
    } catch (err) {
      if (signal?.aborted) throw err;
      throw engineFailure("ImagePullFailed", `Cannot pull image "${ref}"`, err);
    }
    this.#log("info", "pulled performer image", { image: ref, ms: elapsed(started) });
  }

  /** Best-effort force removal of a container this runtime failed to hand out. */
  async #discard(id: string): Promise<void> {
    await this.#engine.request("DELETE", `/containers/${id}`, { query: { force: true, v: true } })
      .catch((err) =>
        this.#log("warn", "cannot remove a half-created performer container", { id, error: err })
      );
  }

  /** Starts the created container `id` and reads its instance back. */
  async #startCreated(id: string, name: string, signal?: AbortSignal): Promise<PerformerInstance> {
    try {
      await this.#engine.request("POST", `/containers/${id}/start`, { signal });
    } catch (err) {
      if (signal?.aborted) throw err;
      throw engineFailure("StartFailed", `Cannot start container "${name}"`, err);
    }
    const instance = instanceOf(await this.#inspectContainer(id, signal), this.#network);
    if (!instance) {
      throw new DockerRuntimeError("StartFailed", `Container "${name}" lost its labels`);
    }
    return instance;
  }
}

function isNotFound(err: unknown): boolean {
  return err instanceof EngineApiError && err.status === 404;
}

/** Docker answers 409; Podman answers 500 "… is already in use". */
function isNameConflict(err: unknown): boolean {
  return err instanceof EngineApiError &&
    (err.status === 409 || /already in use/i.test(err.engineMessage));
}

function elapsed(started: number): number {
  return Math.round(performance.now() - started);
}
