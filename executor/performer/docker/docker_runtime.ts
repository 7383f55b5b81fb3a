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
  containerName,
  createBody,
  goneState,
  instanceOf,
  runtimeStateOf,
  validateSpec,
} from "./_container.ts";
import { EngineApiError, type EngineClient } from "./engine_client.ts";
import { DockerRuntimeError, engineFailure } from "./errors.ts";

/** Options of `dockerRuntime`. */
export interface DockerRuntimeOptions {
  /** The engine; `close()` of the runtime closes it. */
  engine: EngineClient;
  /** Written into every container's executor label; `listOwned` finds containers by it. */
  executorId: string;
  /** A user-defined network to attach performers to (config `docker.network`). */
  network?: string;
  log?: Logger;
  /** SIGTERM-to-SIGKILL grace of remove and restart, in seconds; 10 by default. */
  stopGraceSeconds?: number;
  /** Limit of one image pull; 10 minutes by default. */
  pullTimeoutMs?: number;
}

// Stop and restart answer only after the container stopped: their timeout must cover the grace.
const STOP_MARGIN_MS = 30_000;

/** The docker-mode runtime. */
export function dockerRuntime(options: DockerRuntimeOptions): PerformerRuntime {
  if (!options.executorId) throw new TypeError("dockerRuntime needs a non-empty executorId");
  const { engine, executorId, network } = options;
  const log: Logger = options.log ?? (() => {});
  const grace = options.stopGraceSeconds ?? 10;
  const stopTimeoutMs = grace * 1000 + STOP_MARGIN_MS;

  const inspectContainer = (id: string, signal?: AbortSignal) =>
    engine.request<ContainerInspect>("GET", `/containers/${id}/json`, { signal });

  /** Pulls `spec.image` unless the engine has it already. */
  const ensureImage = async (spec: InstanceSpec, signal?: AbortSignal): Promise<void> => {
    const ref = imageReference(spec.image);
    try {
      await engine.request("GET", `/images/${ref}/json`, { signal });
      return;
    } catch (err) {
      if (signal?.aborted) throw err;
      if (!isNotFound(err)) {
        throw engineFailure("EngineError", `Cannot inspect image "${ref}"`, err);
      }
    }
    const started = performance.now();
    log("info", "pulling performer image", { image: ref });
    const { repository, tag, digest } = spec.image;
    try {
      await engine.pullImage(repository, digest ?? tag, {
        timeoutMs: options.pullTimeoutMs,
        signal,
      });
    } catch (err) {
      if (signal?.aborted) throw err;
      throw engineFailure("ImagePullFailed", `Cannot pull image "${ref}"`, err);
    }
    log("info", "pulled performer image", { image: ref, ms: elapsed(started) });
  };

  /** Best-effort force removal of a container this runtime failed to hand out. */
  const discard = async (id: string) => {
    await engine.request("DELETE", `/containers/${id}`, { query: { force: true, v: true } })
      .catch((err) =>
        log("warn", "cannot remove a half-created performer container", { id, error: err })
      );
  };

  /** Starts the created container `id` and reads its instance back. */
  const startCreated = async (id: string, name: string, signal?: AbortSignal) => {
    try {
      await engine.request("POST", `/containers/${id}/start`, { signal });
    } catch (err) {
      if (signal?.aborted) throw err;
      throw engineFailure("StartFailed", `Cannot start container "${name}"`, err);
    }
    const instance = instanceOf(await inspectContainer(id, signal), network);
    if (!instance) {
      throw new DockerRuntimeError("StartFailed", `Container "${name}" lost its labels`);
    }
    return instance;
  };

  return {
    mode: "docker",

    async create(spec, signal) {
      const started = performance.now();
      signal?.throwIfAborted();
      validateSpec(spec);
      const { env, replaced } = containerEnv(spec);
      const name = containerName(spec);
      const fields = { container: name, avs: spec.avsAddress, performerId: spec.performerId };
      if (replaced.length > 0) {
        log("warn", "performer env entries replaced by the runtime's own", { ...fields, replaced });
      }
      await ensureImage(spec, signal);
      signal?.throwIfAborted();
      let id: string;
      try {
        const body = createBody(spec, { executorId, env, network });
        // Not cancellable: cancelled after the engine created it, the container would be
        // left without anyone knowing its id. A cancel is seen at start, which removes it.
        id = (await engine.request<{ Id: string }>("POST", "/containers/create", {
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
        const instance = await startCreated(id, name, signal);
        log("info", "performer container started", {
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
        await discard(id);
        if (signal?.aborted || err instanceof DockerRuntimeError) throw err;
        throw engineFailure("StartFailed", `Cannot read back container "${name}"`, err);
      }
    },

    async inspect(instance): Promise<RuntimeState> {
      try {
        return runtimeStateOf(await inspectContainer(instance.resourceId));
      } catch (err) {
        if (isNotFound(err)) return goneState(instance.resourceId);
        throw engineFailure("EngineError", `Cannot inspect performer ${instance.performerId}`, err);
      }
    },

    async restart(instance) {
      const id = instance.resourceId;
      try {
        // POST restart keeps the container, so its logs and earlier exit stay inspectable.
        await engine.request("POST", `/containers/${id}/restart`, {
          query: { t: grace },
          timeoutMs: stopTimeoutMs,
        });
        const inspected = await inspectContainer(id);
        const restarted = { ...instance, endpoint: instanceOf(inspected, network)?.endpoint ?? "" };
        if (!restarted.endpoint) {
          const state = runtimeStateOf(inspected);
          throw new DockerRuntimeError(
            "StartFailed",
            `Performer ${instance.performerId} has no endpoint after a restart (${state.detail})`,
          );
        }
        log("info", "performer container restarted", {
          performerId: instance.performerId,
          id: id.slice(0, 12),
          endpoint: restarted.endpoint,
        });
        return restarted;
      } catch (err) {
        if (err instanceof DockerRuntimeError) throw err;
        const reason = isNotFound(err) ? "NotFound" : "EngineError";
        throw engineFailure(reason, `Cannot restart performer ${instance.performerId}`, err);
      }
    },

    async remove(instance) {
      const id = instance.resourceId;
      try {
        // Stop first, so the performer gets SIGTERM and its grace; a forced delete kills.
        await engine.request("POST", `/containers/${id}/stop`, {
          query: { t: grace },
          timeoutMs: stopTimeoutMs,
        });
        await engine.request("DELETE", `/containers/${id}`, { query: { force: true, v: true } });
      } catch (err) {
        if (isNotFound(err)) return;
        throw engineFailure("EngineError", `Cannot remove performer ${instance.performerId}`, err);
      }
      log("info", "performer container removed", {
        performerId: instance.performerId,
        id: id.slice(0, 12),
      });
    },

    async listOwned() {
      const filters = JSON.stringify({ label: [executorSelector(executorId)] });
      try {
        const listed = await engine.request<{ Id: string }[]>("GET", "/containers/json", {
          query: { all: true, filters },
        });
        const found: PerformerInstance[] = [];
        for (const { Id } of listed) {
          // Removed between the list and the inspect: nothing to adopt.
          const inspected = await inspectContainer(Id).catch((err) => {
            if (isNotFound(err)) return undefined;
            throw err;
          });
          const instance = inspected && instanceOf(inspected, network);
          if (instance) found.push(instance);
          else if (inspected) log("warn", "owned container without performer labels", { id: Id });
        }
        return found;
      } catch (err) {
        throw engineFailure("EngineError", "Cannot list this executor's performer containers", err);
      }
    },

    close() {
      engine.close();
      return Promise.resolve();
    },
  };
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
