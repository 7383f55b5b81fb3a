/**
 * The docker runtime against real Podman and the real hello-performer image: create → SERVING
 * → a real task, labels and loopback-only ports, fast failure of an unknown image, crash
 * evidence kept, restart after a kill, idempotent remove.
 */

import { LABEL } from "../../../shared/api/labels.ts";
import assert from "node:assert/strict";
import { waitForServing } from "../../../shared/grpc/health_client.ts";
import { randomTaskId } from "../../../sdk/testing.ts";
import { eventually } from "../../../tests/fixture/eventually.ts";
import { AVS, CONTAINER_TEST, executeTask, helloSpec, podmanFixture } from "./_test_util.ts";
import { DockerRuntimeError } from "./errors.ts";

const SERVING = { waitMs: 30_000, intervalMs: 20 };

Deno.test("docker runtime: performer containers under Podman", CONTAINER_TEST, async (t) => {
  await using f = await podmanFixture();
  const runtime = f.runtime();

  await t.step(
    "create → SERVING → a real ExecuteTask, labelled and on 127.0.0.1 only",
    async () => {
      const secret = `do-not-log-${crypto.randomUUID()}`;
      const spec = helloSpec({ HELLO_VERSION: "v-docker-mode", API_TOKEN: secret });
      const t0 = performance.now();
      const instance = await runtime.create(spec);
      const createdMs = performance.now() - t0;
      await waitForServing(instance.endpoint, SERVING);
      const servingMs = performance.now() - t0;
      console.error(
        `[measure] docker create (local image): ${Math.round(createdMs)} ms; ` +
          `create → SERVING: ${Math.round(servingMs)} ms`,
      );

      assert.match(instance.endpoint, /^127\.0\.0\.1:\d+$/);
      assert.equal(instance.performerId, spec.performerId);
      const taskId = randomTaskId();
      assert.deepEqual(await executeTask(instance.endpoint, taskId, "from docker mode"), {
        taskId,
        input: "from docker mode",
        output: "FROM DOCKER MODE",
        version: "v-docker-mode",
      });

      const c = await f.inspect(instance.resourceId);
      assert.equal(c.Name.replace(/^\//, ""), `hourglass-ab12cd34-${spec.performerId}`);
      const labels = c.Config.Labels ?? {};
      assert.equal(labels[LABEL.avs], AVS.toLowerCase());
      assert.equal(labels[LABEL.performerId], spec.performerId);
      assert.match(labels[LABEL.executor], /^docker-runtime-test-/);
      const bindings = [
        ...(c.HostConfig.PortBindings?.["8080/tcp"] ?? []),
        ...(c.NetworkSettings.Ports?.["8080/tcp"] ?? []),
      ];
      assert.ok(bindings.length >= 1);
      for (const b of bindings) assert.equal(b.HostIp, "127.0.0.1", "published on loopback only");
      assert.equal(c.HostConfig.AutoRemove, false);
      // The engine applied the hardening (as the container runs, not only as asked).
      assert.ok(
        (c.HostConfig.SecurityOpt ?? []).some((o) => o.startsWith("no-new-privileges")),
        `SecurityOpt ${JSON.stringify(c.HostConfig.SecurityOpt)}`,
      );
      assert.ok(
        (c.HostConfig.CapDrop ?? []).some((cap) => /^(CAP_)?ALL$/i.test(cap)) ||
          (c.HostConfig.CapDrop ?? []).length > 10,
        `CapDrop ${JSON.stringify(c.HostConfig.CapDrop)}`,
      );
      assert.ok(["no", ""].includes(c.HostConfig.RestartPolicy?.Name ?? ""), "no restart policy");
      const env = c.Config.Env ?? [];
      assert.ok(env.includes("GRPC_PORT=8080") && env.includes(`AVS_ADDRESS=${AVS}`));
      await assertNotReachableOutsideLoopback(Number(instance.endpoint.split(":")[1]));

      assert.deepEqual(await runtime.inspect(instance), { running: true });
      assert.ok(!f.logs.some((line) => line.includes(secret)), "env values never logged");
      assert.ok(f.logs.some((line) => line.includes('"performer container started"')));
      await runtime.remove(instance);
    },
  );

  await t.step("memory and pids limits: recorded by the engine, set in the kernel", async () => {
    const limited = f.runtime({ limits: { memoryBytes: 64 * 2 ** 20, pids: 64 } });
    const instance = await limited.create(helloSpec());
    await waitForServing(instance.endpoint, SERVING);
    const c = await f.inspect(instance.resourceId);
    assert.equal(c.HostConfig.Memory, 64 * 2 ** 20, "Memory as Podman recorded it");
    assert.equal(c.HostConfig.MemorySwap, 64 * 2 ** 20, "no swap beyond it");
    assert.equal(c.HostConfig.PidsLimit, 64, "PidsLimit as Podman recorded it");
    const kernel = await cgroupLimits(c.State.Pid);
    console.error(`[measure] performer cgroup limits: ${JSON.stringify(kernel)}`);
    if (kernel) assert.deepEqual(kernel, { memory: String(64 * 2 ** 20), pids: "64" });
    await limited.remove(instance);
  });

  await t.step("an image that is missing and cannot be pulled fails fast, naming it", async () => {
    const spec = { ...helloSpec(), image: { repository: "registry.invalid/nope", tag: "v1" } };
    const t0 = performance.now();
    const err = await runtime.create(spec).catch((e) => e);
    const ms = performance.now() - t0;
    console.error(`[measure] unknown image rejected in ${Math.round(ms)} ms`);
    assert.ok(err instanceof DockerRuntimeError, String(err));
    assert.equal(err.reason, "ImagePullFailed");
    assert.match(err.message, /Cannot pull image "registry\.invalid\/nope:v1"/);
    assert.ok(ms < 15_000, `took ${Math.round(ms)} ms`);
    assert.deepEqual(await runtime.listOwned(), [], "no container left behind");
  });

  await t.step("a performer that crashes on start is not running, exit code kept", async () => {
    const instance = await runtime.create(helloSpec({ HELLO_CRASH_ON_START: "1" }));
    const state = await eventually(async () => {
      const s = await runtime.inspect(instance);
      assert.equal(s.running, false, "the crash does not show yet");
      return s;
    }, { timeoutMs: 20_000 });
    assert.deepEqual(state, { running: false, failed: true, detail: "exited with code 1" });
    await new Promise((r) => setTimeout(r, 1_000));
    const c = await f.inspect(instance.resourceId);
    assert.equal(c.State.Status, "exited", "still there: no auto-remove, no engine restart");
    assert.equal(c.State.ExitCode, 1);
    await runtime.remove(instance);
  });

  await t.step("restart brings a killed performer back to SERVING", async () => {
    const instance = await runtime.create(helloSpec({ HELLO_VERSION: "v-restart" }));
    await waitForServing(instance.endpoint, SERVING);
    await f.observer.request("POST", `/containers/${instance.resourceId}/kill`);
    const killed = await eventually(async () => {
      const s = await runtime.inspect(instance);
      assert.equal(s.running, false, "the kill does not show yet");
      return s;
    }, { timeoutMs: 20_000 });
    assert.match(killed.detail ?? "", /exited with code 137 \(killed by signal SIGKILL\)/);

    const t0 = performance.now();
    const restarted = await runtime.restart(instance);
    await waitForServing(restarted.endpoint, SERVING);
    console.error(`[measure] restart → SERVING: ${Math.round(performance.now() - t0)} ms`);
    assert.equal(restarted.resourceId, instance.resourceId, "same container, logs kept");
    const taskId = randomTaskId();
    const result = await executeTask(restarted.endpoint, taskId, "again") as { version: string };
    assert.equal(result.version, "v-restart");
    assert.deepEqual(await runtime.inspect(restarted), { running: true });
    await runtime.remove(restarted);
  });

  await t.step("remove stops and deletes, and is idempotent", async () => {
    const instance = await runtime.create(helloSpec());
    await waitForServing(instance.endpoint, SERVING);
    await runtime.remove(instance);
    await runtime.remove(instance);
    await assert.rejects(
      f.inspect(instance.resourceId),
      (err: { status?: number }) => err.status === 404,
    );
    const state = await runtime.inspect(instance);
    assert.equal(state.running, false);
    assert.equal(state.failed, true);
    assert.match(state.detail ?? "", /no longer exists/);
    await assert.rejects(
      runtime.restart(instance),
      (err) => err instanceof DockerRuntimeError && err.reason === "NotFound",
    );
  });

  await t.step("Kubernetes-only env entries are refused before anything is created", async () => {
    const spec = helloSpec();
    spec.env.push({ name: "KEY", valueFrom: { secretKeyRef: { name: "s", key: "k" } } });
    await assert.rejects(
      runtime.create(spec),
      (err) => err instanceof DockerRuntimeError && err.reason === "InvalidSpec",
    );
    assert.deepEqual(await runtime.listOwned(), []);
  });

  await t.step("a cancelled create rejects with the signal's reason", async () => {
    const reason = new Error("deploy cancelled");
    await assert.rejects(
      runtime.create(helloSpec(), AbortSignal.abort(reason)),
      (e) => e === reason,
    );
    assert.deepEqual(await runtime.listOwned(), []);
  });
});

/** Connecting to `port` on this machine's other IPv4 addresses must fail. */
async function assertNotReachableOutsideLoopback(port: number): Promise<void> {
  const addresses = Deno.networkInterfaces()
    .filter((i) =>
      i.family === "IPv4" && !i.address.startsWith("127.") && !/^(cni|podman|veth)/.test(i.name)
    )
    .map((i) => i.address);
  for (const hostname of addresses) {
    const connected = await Promise.race([
      Deno.connect({ hostname, port }).then((conn) => {
        conn.close();
        return true;
      }, () => false),
      new Promise<boolean>((r) => setTimeout(() => r(false), 2_000)),
    ]);
    assert.equal(connected, false, `port ${port} reachable on ${hostname}`);
  }
}

/**
 * The memory and pids limits the kernel holds for a container's main process (cgroup v2 or
 * v1); undefined when they cannot be read from here (another cgroup namespace, no permission):
 * enforcement then rests on the engine's record alone.
 */
async function cgroupLimits(
  pid: number | undefined,
): Promise<{ memory: string; pids: string } | undefined> {
  if (!pid) return undefined;
  try {
    const lines = (await Deno.readTextFile(`/proc/${pid}/cgroup`)).trim().split("\n");
    const path = (controller: string) =>
      lines.map((l) => l.split(":")).find(([, c]) => c.split(",").includes(controller))?.[2];
    const read = async (file: string) => (await Deno.readTextFile(file)).trim();
    const v1Memory = path("memory");
    if (v1Memory !== undefined) {
      return {
        memory: await read(`/sys/fs/cgroup/memory${v1Memory}/memory.limit_in_bytes`),
        pids: await read(`/sys/fs/cgroup/pids${path("pids")}/pids.max`),
      };
    }
    const v2 = lines.find((l) => l.startsWith("0::"))?.slice(3);
    return {
      memory: await read(`/sys/fs/cgroup${v2}/memory.max`),
      pids: await read(`/sys/fs/cgroup${v2}/pids.max`),
    };
  } catch (err) {
    console.error(`[measure] cgroup limits of pid ${pid} not readable here: ${err}`);
    return undefined;
  }
}
