/**
 * Test fixture of the docker runtime: Podman serving the Docker Engine API on a socket of its
 * own, the hello-performer image built locally, runtimes with throw-away executor ids, and the
 * removal of every container they created (also those of an earlier run that died).
 * @module
 */

import { LABEL } from "../../../shared/api/labels.ts";
import { buildHelloImage, HELLO_IMAGE_REPOSITORY } from "../../../dev/images/hello_image.ts";
import { ensurePodman, startPodmanService } from "../../../dev/podman/podman.ts";
import type { Logger } from "../../../shared/runtime/log.ts";
import { performerTestClient } from "../../../sdk/testing.ts";
import type { InstanceSpec, PerformerRuntime } from "../runtime.ts";
import type { ContainerInspect } from "./_container.ts";
import { DockerRuntime, type DockerRuntimeOptions } from "./docker_runtime.ts";
import { createEngineClient, type EngineClient } from "./engine_client.ts";

/** Deno.test options of tests that run containers (gRPC and fetch leave timers behind). */
export const CONTAINER_TEST = { sanitizeOps: false, sanitizeResources: false };
/** Executor ids of tests start with this, so leftovers can be found and removed. */
const EXECUTOR_PREFIX = "docker-runtime-test-";
/** Tag of the hello image these tests build (others use their own tags). */
const TAG = "docker-runtime-test";
/** The hello image these tests run. */
export const HELLO = { repository: HELLO_IMAGE_REPOSITORY, tag: TAG };
/** The AVS of most test performers. */
export const AVS = "0xAb12Cd34" + "00".repeat(16);

/** A random id, usable as a performer id or a name suffix. */
export function randomId(prefix = "p"): string {
  return `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
}

/** An instance spec of hello with `env`. */
export function helloSpec(env: Record<string, string> = {}, avsAddress = AVS): InstanceSpec {
  return {
    performerId: randomId(),
    avsAddress,
    image: HELLO,
    env: Object.entries(env).map(([name, value]) => ({ name, value })),
  };
}

/** The running fixture. */
export interface Fixture extends AsyncDisposable {
  /** A client of our own to look at containers as the engine sees them. */
  observer: EngineClient;
  /** A docker runtime with a fresh executor id (or `executorId`), closed on dispose. */
  runtime(options?: Partial<Omit<DockerRuntimeOptions, "engine">>): PerformerRuntime;
  /** Every line the runtimes logged, as JSON. */
  logs: string[];
  /** Inspects a container through the observer. */
  inspect(id: string): Promise<ContainerInspect>;
}

/** Starts Podman's API in a fresh directory and builds the hello image. */
export async function podmanFixture(): Promise<Fixture> {
  await ensurePodman({ log: (l) => console.error(`[podman] ${l}`) });
  const dir = await Deno.makeTempDir({ prefix: "hourglass-docker-runtime-test-" });
  const service = await startPodmanService({ dir });
  const host = `unix://${service.socketPath}`;
  const observer = createEngineClient({ host });
  await removeTestContainers(observer);
  await buildHelloImage({ tag: TAG, log: () => {} });
  const runtimes: PerformerRuntime[] = [];
  const logs: string[] = [];
  const log: Logger = (level, msg, fields) => logs.push(JSON.stringify({ level, msg, ...fields }));
  return {
    observer,
    logs,
    runtime(options = {}) {
      const runtime = new DockerRuntime({
        engine: createEngineClient({ host }),
        executorId: randomId(EXECUTOR_PREFIX.slice(0, -1)),
        log,
        stopGraceSeconds: 5,
        ...options,
      });
      runtimes.push(runtime);
      return runtime;
    },
    inspect: (id) => observer.request<ContainerInspect>("GET", `/containers/${id}/json`),
    async [Symbol.asyncDispose]() {
      await removeTestContainers(observer).catch((err) => console.error(err));
      for (const runtime of runtimes) await runtime.close();
      observer.close();
      await service.stop();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}

/** Force-removes every container whose executor label starts with the tests' prefix. */
async function removeTestContainers(engine: EngineClient): Promise<void> {
  const filters = JSON.stringify({ label: [LABEL.executor] });
  const listed = await engine.request<{ Id: string; Labels: Record<string, string> | null }[]>(
    "GET",
    "/containers/json",
    { query: { all: true, filters } },
  );
  for (const { Id, Labels } of listed) {
    if (!Labels?.[LABEL.executor]?.startsWith(EXECUTOR_PREFIX)) continue;
    await engine.request("DELETE", `/containers/${Id}`, { query: { force: true } })
      .catch(() => {});
  }
}

/** One ExecuteTask through the SDK's test client; resolves with the result as JSON. */
export async function executeTask(
  endpoint: string,
  taskId: string,
  payload: string,
): Promise<unknown> {
  const client = performerTestClient(endpoint);
  try {
    const { result } = await client.executeTask(taskId, payload);
    return JSON.parse(new TextDecoder().decode(result));
  } finally {
    client.close();
  }
}
