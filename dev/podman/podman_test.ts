import assert from "node:assert/strict";
import { withRequiredSettings } from "./_containers_conf.ts";
import { engineClient } from "./engine_api.ts";
import { CONTAINERS_CONF, ensurePodman, startPodmanService } from "./podman.ts";

Deno.test("ensurePodman leaves podman and runc installed and containers.conf complete", async () => {
  const lines: string[] = [];
  const t0 = performance.now();
  const setup = await ensurePodman({ log: (l) => lines.push(l) });
  const ms = Math.round(performance.now() - t0);
  console.error(`[measure] ensurePodman: ${ms} ms (installed now: ${setup.installed})`);
  if (setup.installed) assert.ok(lines.some((l) => l.startsWith("installed in")), lines.join("\n"));

  assert.match(setup.version, /^podman version \d+\.\d+/);
  const runc = await new Deno.Command("runc", { args: ["--version"], stdout: "null" }).output();
  assert.ok(runc.success, "runc runs");
  const conf = await Deno.readTextFile(CONTAINERS_CONF);
  assert.equal(withRequiredSettings(conf), conf, "the required settings are present");
  const again = await ensurePodman({ log: () => {} });
  assert.deepEqual(
    [again.installed, again.configUpdated],
    [false, false],
    "a second call is a no-op",
  );
});

Deno.test("ensurePodman completes a config without clobbering what it already says", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/containers.conf`;
    await Deno.writeTextFile(
      path,
      '[engine]\nevents_logger = "file"\n\n[network]\ndns_bind_port = 5353\n',
    );
    const setup = await ensurePodman({ configPath: path, log: () => {} });
    assert.equal(setup.configUpdated, true);
    const text = await Deno.readTextFile(path);
    assert.match(text, /\[engine\]\nruntime = "runc"\nevents_logger = "file"/);
    assert.match(text, /\[network\]\ndns_bind_port = 5353/);
    assert.match(text, /\[containers\]\ndefault_ulimits = \[\]/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the Podman service answers the Docker Engine API, and stop() leaves no process", async () => {
  await ensurePodman({ log: () => {} });
  const dir = await Deno.makeTempDir({ prefix: "hourglass-podman-test-" });
  try {
    const t0 = performance.now();
    const service = await startPodmanService({ dir });
    console.error(
      `[measure] podman service up (GET /_ping OK): ${Math.round(performance.now() - t0)} ms`,
    );
    const client = engineClient(service.socketPath);
    try {
      assert.equal(await client.ping(), true);
      const version = await client.request<{ Version: string; ApiVersion: string }>(
        "GET",
        "/version",
      );
      assert.match(version.Version, /^\d+\.\d+/);
      assert.ok(version.ApiVersion, "Docker API version reported");
      await assert.rejects(
        client.request("GET", "/containers/hourglass-no-such-container/json"),
        (err: Error & { status?: number }) =>
          err.status === 404 && /no such container/i.test(err.message),
      );
    } finally {
      client.close();
    }
    await service.stop();
    assert.equal(await exists(`/proc/${service.pid}`), false, "the service process is gone");
    assert.equal(await exists(service.socketPath), false, "the socket is removed");
    assert.deepEqual(await processesMentioning(dir), [], "no process refers to the service dir");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch {
    return false;
  }
}

/** Pids whose command line mentions `text`. */
async function processesMentioning(text: string): Promise<number[]> {
  const found: number[] = [];
  for await (const entry of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    const cmdline = await Deno.readTextFile(`/proc/${entry.name}/cmdline`).catch(() => "");
    if (cmdline.includes(text)) found.push(Number(entry.name));
  }
  return found;
}
