/**
 * The hello-performer image under real Podman, driven through the Docker Engine API the way the
 * executor's docker mode drives it: create with labels and a 127.0.0.1-only port, start, wait
 * for grpc.health.v1 SERVING, run a task, stop, remove; and crashes leave their exit code.
 */

import type * as grpc from "@grpc/grpc-js";
import assert from "node:assert/strict";
import { waitForServing } from "../../shared/grpc/health_client.ts";
import { performerTestClient, randomTaskId } from "../../sdk/testing.ts";
import { eventually } from "../../tests/fixture/eventually.ts";
import { type EngineClient, engineClient } from "../podman/engine_api.ts";
import { ensurePodman, startPodmanService } from "../podman/podman.ts";
import {
  buildHelloImage,
  CONTENT_HASH_LABEL,
  HELLO_IMAGE_PORT,
  HELLO_IMAGE_REPOSITORY,
} from "./hello_image.ts";

const TAG = "test";
const IMAGE = `${HELLO_IMAGE_REPOSITORY}:${TAG}`;
const TEST_LABEL = "hourglass.eigenlayer.io/test";
const TEST_LABEL_VALUE = "dev-images";
const PORT_KEY = `${HELLO_IMAGE_PORT}/tcp`;

interface Inspect {
  Id: string;
  Config: { Labels: Record<string, string>; User: string };
  State: { Status: string; Running: boolean; ExitCode: number };
  NetworkSettings: { Ports: Record<string, { HostIp: string; HostPort: string }[] | null> };
}

/** Podman serving the Engine API, the image built, and cleanup of the test's containers. */
async function fixture() {
  await ensurePodman({ log: (l) => console.error(`[podman] ${l}`) });
  const dir = await Deno.makeTempDir({ prefix: "hourglass-image-test-" });
  const service = await startPodmanService({ dir });
  const engine = engineClient(service.socketPath);
  await removeTestContainers(engine); // left by an earlier run that died
  await buildHelloImage({ tag: TAG, log: () => {} });
  return {
    engine,
    async [Symbol.asyncDispose]() {
      await removeTestContainers(engine).catch(() => {});
      engine.close();
      await service.stop();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}

async function removeTestContainers(engine: EngineClient): Promise<void> {
  const filters = encodeURIComponent(
    JSON.stringify({ label: [`${TEST_LABEL}=${TEST_LABEL_VALUE}`] }),
  );
  const list = await engine.request<{ Id: string }[]>(
    "GET",
    `/containers/json?all=true&filters=${filters}`,
  );
  for (const { Id } of list) await engine.request("DELETE", `/containers/${Id}?force=true`);
}

/** POST /containers/create for hello with the labels docker mode uses and a loopback port. */
async function createHello(
  engine: EngineClient,
  options: { env?: string[]; networkNone?: boolean } = {},
): Promise<string> {
  const performerId = `hello-${crypto.randomUUID().slice(0, 8)}`;
  const body = {
    Image: IMAGE,
    Env: options.env ?? [],
    Labels: {
      [TEST_LABEL]: TEST_LABEL_VALUE,
      "hourglass.eigenlayer.io/avs": "0x" + "ab".repeat(20),
      "hourglass.eigenlayer.io/performer-id": performerId,
      "hourglass.eigenlayer.io/executor": "dev-images-test",
    },
    ExposedPorts: { [PORT_KEY]: {} },
    HostConfig: options.networkNone
      ? { NetworkMode: "none" }
      // An empty HostPort lets the engine pick a free one; HostIp keeps it off other interfaces.
      : { PortBindings: { [PORT_KEY]: [{ HostIp: "127.0.0.1", HostPort: "" }] } },
  };
  const created = await engine.request<{ Id: string }>(
    "POST",
    `/containers/create?name=${performerId}`,
    body,
  );
  return created.Id;
}

const inspect = (engine: EngineClient, id: string) =>
  engine.request<Inspect>("GET", `/containers/${id}/json`);

/** The container's stdout+stderr, demultiplexed (8-byte frame headers when there is no TTY). */
async function logs(engine: EngineClient, id: string): Promise<string> {
  const res = await fetch(`http://docker/containers/${id}/logs?stdout=true&stderr=true`, {
    client: Deno.createHttpClient({ proxy: { transport: "unix", path: engine.socketPath } }),
  });
  const bytes = new Uint8Array(await res.arrayBuffer());
  let out = "";
  for (let i = 0; i + 8 <= bytes.length;) {
    const size = new DataView(bytes.buffer, bytes.byteOffset + i + 4, 4).getUint32(0);
    out += new TextDecoder().decode(bytes.subarray(i + 8, i + 8 + size));
    i += 8 + size;
  }
  return out;
}

Deno.test("buildHelloImage builds a labelled non-root image, then skips an unchanged build", async () => {
  await ensurePodman({ log: () => {} });
  const first = await buildHelloImage({ tag: TAG, force: true, log: () => {} });
  const cached = await buildHelloImage({ tag: TAG, log: () => {} });
  console.error(
    `[measure] image build: first ${first.ms} ms, cached ${cached.ms} ms, ` +
      `size ${(first.sizeBytes / 1e6).toFixed(1)} MB`,
  );
  assert.equal(first.built, true);
  assert.equal(cached.built, false, "same content: no build");
  assert.equal(cached.id, first.id);
  assert.equal(cached.contentHash, first.contentHash);
  assert.match(first.contentHash, /^[0-9a-f]{64}$/);
  assert.ok(cached.ms < first.ms, "the cached call is faster than a build");

  const inspected = await new Deno.Command("podman", {
    args: ["image", "inspect", "--format", "{{json .Config}}", IMAGE],
    stdout: "piped",
  }).output();
  const config = JSON.parse(new TextDecoder().decode(inspected.stdout)) as {
    User: string;
    Labels: Record<string, string>;
    Env: string[];
  };
  assert.equal(config.Labels[CONTENT_HASH_LABEL], first.contentHash);
  assert.equal(config.User, "10001:10001", "runs as a non-root user");
  assert.ok(config.Env.includes(`GRPC_PORT=${HELLO_IMAGE_PORT}`));
});

Deno.test("a container created through the Engine API serves hello on a 127.0.0.1-only port", async () => {
  await using f = await fixture();
  const id = await createHello(f.engine, { env: ["HELLO_VERSION=v-container"] });
  const t0 = performance.now();
  await f.engine.request("POST", `/containers/${id}/start`);
  const running = await inspect(f.engine, id);
  const binding = running.NetworkSettings.Ports[PORT_KEY]?.[0];
  assert.equal(binding?.HostIp, "127.0.0.1", "published on loopback only");
  const address = `127.0.0.1:${binding!.HostPort}`;
  await waitForServing(address, { waitMs: 20_000, intervalMs: 20 });
  console.error(`[measure] container start → SERVING: ${Math.round(performance.now() - t0)} ms`);
  assert.equal(running.Config.Labels["hourglass.eigenlayer.io/executor"], "dev-images-test");

  const client = performerTestClient(address);
  try {
    const taskId = randomTaskId();
    const reply = await client.executeTask(taskId, "from a container");
    assert.deepEqual(JSON.parse(new TextDecoder().decode(reply.result)), {
      taskId,
      input: "from a container",
      output: "FROM A CONTAINER",
      version: "v-container",
    });
  } finally {
    client.close();
  }

  await f.engine.request("POST", `/containers/${id}/stop?t=10`);
  const stopped = await inspect(f.engine, id);
  assert.equal(stopped.State.Running, false);
  assert.equal(stopped.State.ExitCode, 0, "SIGTERM shuts hello down cleanly");
  assert.match(await logs(f.engine, id), /"msg":"performer stopped"/);
  await f.engine.request("DELETE", `/containers/${id}`);
  await assert.rejects(
    inspect(f.engine, id),
    (err: Error & { status?: number }) => err.status === 404,
  );
});

Deno.test("a container whose performer crashes mid-task shows exit code 3", async () => {
  await using f = await fixture();
  const id = await createHello(f.engine);
  await f.engine.request("POST", `/containers/${id}/start`);
  const port = (await inspect(f.engine, id)).NetworkSettings.Ports[PORT_KEY]![0].HostPort;
  await waitForServing(`127.0.0.1:${port}`, { waitMs: 20_000 });
  const client = performerTestClient(`127.0.0.1:${port}`);
  try {
    await assert.rejects(
      client.executeTask(randomTaskId(), JSON.stringify({ crash: true })),
      (err: grpc.ServiceError) => err.code === 14 || err.code === 13, // UNAVAILABLE or INTERNAL
    );
  } finally {
    client.close();
  }
  const waited = await f.engine.request<{ StatusCode: number }>("POST", `/containers/${id}/wait`);
  assert.equal(waited.StatusCode, 3);
  const state = (await inspect(f.engine, id)).State;
  assert.equal(state.Status, "exited");
  assert.equal(state.ExitCode, 3, "crash evidence kept: no auto-remove");
});

Deno.test("a container with HELLO_CRASH_ON_START=1 exits with code 1", async () => {
  await using f = await fixture();
  const id = await createHello(f.engine, { env: ["HELLO_CRASH_ON_START=1"] });
  await f.engine.request("POST", `/containers/${id}/start`);
  const state = await eventually(async () => {
    const s = (await inspect(f.engine, id)).State;
    assert.equal(s.Running, false, "the container has not exited yet");
    return s;
  }, { timeoutMs: 15_000 });
  assert.equal(state.ExitCode, 1);
  assert.match(await logs(f.engine, id), /HELLO_CRASH_ON_START=1/);
});

Deno.test("the image starts with no network at all (everything it needs is inside)", async () => {
  await using f = await fixture();
  const id = await createHello(f.engine, { networkNone: true });
  await f.engine.request("POST", `/containers/${id}/start`);
  const text = await eventually(async () => {
    const out = await logs(f.engine, id);
    assert.ok((await inspect(f.engine, id)).State.Running, `hello exited:\n${out}`);
    assert.match(out, /"msg":"performer listening"/, "hello is not listening yet");
    return out;
  }, { timeoutMs: 15_000 });
  assert.match(text, /"address":"0\.0\.0\.0:9090"/);
  assert.doesNotMatch(text, /error/i);
});
