/**
 * docker.memoryLimit and docker.pidsLimit end to end: the executor process reads them from its
 * config file and the performer container Podman runs carries them (the defaults when unset).
 * docker_runtime_test.ts also reads them back from the kernel's cgroup files.
 */

import assert from "node:assert/strict";
import type { ContainerInspect } from "../executor/performer/docker/_container.ts";
import { createEngineClient } from "../executor/performer/docker/engine_client.ts";
import { EcdsaKey } from "../executor/signing/ecdsa.ts";
import { executorConfig, podmanSocket, startExecutorProcess } from "./fixture/executor.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

/** The HostConfig of the performer container the executor logged as started. */
async function performerHostConfig(logs: string): Promise<ContainerInspect["HostConfig"]> {
  const started = logs.split("\n").filter((l) => l.includes('"performer container started"'));
  assert.equal(started.length, 1, `one performer started:\n${logs}`);
  const { id } = JSON.parse(started[0]) as { id: string };
  const engine = createEngineClient({ host: `unix://${await podmanSocket()}` });
  try {
    return (await engine.request<ContainerInspect>("GET", `/containers/${id}/json`)).HostConfig;
  } finally {
    engine.close();
  }
}

for (
  const [name, docker, expected] of [
    ["set in the config", { memoryLimit: "96Mi", pidsLimit: 100 }, [96 * 2 ** 20, 100]],
    ["by default", {}, [2 * 2 ** 30, 1024]],
  ] as const
) {
  Deno.test(`performer containers get the memory and pids limits ${name}`, opts, async () => {
    // An operator of its own: the executor then adopts no performer another test left running
    // on the same Podman storage (containers are found by the operator's address).
    const key = crypto.getRandomValues(new Uint8Array(32)).toHex();
    const { configPath } = await executorConfig((config) => {
      config.operator = {
        address: EcdsaKey.fromHex(`0x${key}`).address,
        signingKeys: { ecdsa: { privateKey: `0x${key}` } },
      };
      config.docker = { ...config.docker as object, ...docker };
    });
    const executor = await startExecutorProcess(configPath);
    try {
      const host = await performerHostConfig(executor.logs());
      assert.deepEqual([host.Memory, host.PidsLimit], expected);
      assert.equal(host.MemorySwap, expected[0], "no swap beyond the memory limit");
    } finally {
      await executor.stop();
    }
  });
}
