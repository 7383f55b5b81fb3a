/**
 * A restarted executor (docker mode, Podman) runs the performer of the spec it wants: it adopts
 * only a container of the same image AND the same settings, replaces one whose configured env
 * changed, and redeploys a DeployArtifact's env when its performer died while the executor was
 * down.
 *
 * Each test uses a fresh operator key: docker-mode runs on this machine share one Podman, and an
 * executor starting removes every container of its operator address it does not adopt.
 */

import assert from "node:assert/strict";
import YAML from "yaml";
import { executorClient } from "../dev/aggregator_client.ts";
import { managementClient } from "../dev/management_client.ts";
import { LABEL } from "../shared/api/labels.ts";
import { IMAGE_LABEL } from "../executor/performer/docker/_container.ts";
import { EcdsaKey } from "../executor/signing/ecdsa.ts";
import { eventually } from "./fixture/eventually.ts";
import {
  EXECUTOR_AVS,
  executorConfig,
  type ExecutorProcess,
  podmanSocket,
  startExecutorProcess,
} from "./fixture/executor.ts";
import { helloTask } from "./fixture/task_flow.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const dec = new TextDecoder();

/** A fresh operator key and the executor config's `operator` section for it. */
function freshOperator(): { key: EcdsaKey; section: Record<string, unknown> } {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  const hex = "0x" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  const key = EcdsaKey.fromHex(hex);
  return { key, section: { address: key.address, signingKeys: { ecdsa: { privateKey: hex } } } };
}

/** The Docker Engine API of the tests' Podman. */
async function engine() {
  const client = Deno.createHttpClient({
    proxy: { transport: "unix", path: await podmanSocket() },
  });
  const call = async (method: string, path: string) => {
    const res = await fetch(`http://docker${path}`, { method, client });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  return {
    call,
    /** The containers of operator `address` (its executor id), running or not. */
    async containers(address: string): Promise<{ Id: string; State: string }[]> {
      const filters = JSON.stringify({ label: [`${LABEL.executor}=${address.toLowerCase()}`] });
      const { body } = await call(
        "GET",
        `/containers/json?all=true&filters=${encodeURIComponent(filters)}`,
      );
      return body;
    },
    [Symbol.dispose]: () => client.close(),
  };
}

/** The version the hello performer answers a task with (its HELLO_VERSION). */
async function versionServed(executor: ExecutorProcess, key: EcdsaKey): Promise<string> {
  const client = executorClient(executor.grpcAddress);
  try {
    const result = await client.submit(helloTask({ text: "x" }, { executorAddress: key.address }));
    return JSON.parse(dec.decode(result.output)).version;
  } finally {
    client.close();
  }
}

/** The container ids ListPerformers reports. */
async function performerContainers(executor: ExecutorProcess, key: EcdsaKey): Promise<string[]> {
  const mgmt = managementClient(executor.managementAddress, key);
  try {
    return (await mgmt.listPerformers()).performers.map((p) => String(p.containerId));
  } finally {
    mgmt.close();
  }
}

/** Starts an executor per step on one config; stops them and removes every container left. */
async function withRestarts(
  patch: (config: Record<string, unknown>) => void,
  body: (ctx: {
    key: EcdsaKey;
    start: () => Promise<ExecutorProcess>;
    editConfig: (edit: (config: Record<string, unknown>) => void) => Promise<void>;
    podman: Awaited<ReturnType<typeof engine>>;
  }) => Promise<void>,
): Promise<void> {
  const operator = freshOperator();
  const { configPath, dir } = await executorConfig((c) => {
    c.operator = operator.section;
    c.shutdown = { removePerformers: false, drainTimeout: "5s" };
    patch(c);
  });
  using podman = await engine();
  const started: ExecutorProcess[] = [];
  try {
    await body({
      key: operator.key,
      podman,
      start: async () => {
        const executor = await startExecutorProcess(configPath);
        started.push(executor);
        return executor;
      },
      editConfig: async (edit) => {
        const config = YAML.parse(await Deno.readTextFile(configPath));
        edit(config);
        await Deno.writeTextFile(configPath, YAML.stringify(config));
      },
    });
  } catch (err) {
    for (const [i, executor] of started.entries()) {
      console.error(`--- executor ${i + 1} log (last 30 lines) ---`);
      console.error(executor.logs().split("\n").slice(-30).join("\n"));
    }
    throw err;
  } finally {
    for (const executor of started) await executor.stop();
    for (const { Id } of await podman.containers(operator.key.address)) {
      await podman.call("DELETE", `/containers/${Id}?force=true`);
    }
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

Deno.test(
  "a restarted executor replaces a kept performer whose configured env changed",
  opts,
  async () => {
    await withRestarts(() => {}, async ({ key, start, editConfig, podman }) => {
      const first = await start();
      assert.equal(await versionServed(first, key), "v1");
      const [old] = await performerContainers(first, key);
      assert.equal(await first.stop(), 0);
      assert.deepEqual(
        (await podman.containers(key.address)).map((c) => [c.Id, c.State]),
        [[old, "running"]],
        "shutdown.removePerformers=false keeps the performer running",
      );

      await editConfig((c) => {
        const [avs] = c.avsPerformers as Record<string, unknown>[];
        avs.envs = [{ name: "HELLO_VERSION", value: "v1-changed" }];
      });
      const second = await start();
      assert.equal(await versionServed(second, key), "v1-changed", "the configured env is used");
      const [now] = await performerContainers(second, key);
      assert.notEqual(now, old, "a new container");
      await eventually(async () => {
        assert.deepEqual((await podman.containers(key.address)).map((c) => c.Id), [now]);
      }, { timeoutMs: 30_000 });
      assert.equal((await podman.call("GET", `/containers/${old}/json`)).status, 404);
      assert.match(second.logs(), /removing a leftover performer.*spec changed/);

      // Unchanged config: the next restart adopts that container (no redeploy).
      assert.equal(await second.stop(), 0);
      const third = await start();
      assert.deepEqual(await performerContainers(third, key), [now], "adopted, not replaced");
      assert.equal(await versionServed(third, key), "v1-changed");
    });
  },
);

Deno.test(
  "DeployArtifact's env is redeployed when its performer died while the executor was down",
  opts,
  async () => {
    await withRestarts(() => {}, async ({ key, start, podman }) => {
      const first = await start();
      const mgmt = managementClient(first.managementAddress, key);
      try {
        const deployed = await mgmt.deployArtifact({
          avsAddress: EXECUTOR_AVS,
          registryUrl: "hourglass/hello-performer:v2",
          digest: "",
          env: [{ name: "HELLO_VERSION", value: "from-artifact", valueFromEnv: "" }],
        });
        assert.equal(deployed.success, true, deployed.message);
      } finally {
        mgmt.close();
      }
      assert.equal(await versionServed(first, key), "from-artifact");
      const [artifact] = await performerContainers(first, key);
      assert.equal(await first.stop(), 0);

      // The performer dies while no executor watches it.
      const killed = await podman.call("POST", `/containers/${artifact}/kill?signal=SIGKILL`);
      assert.equal(killed.status, 204);
      await eventually(async () => {
        const { body } = await podman.call("GET", `/containers/${artifact}/json`);
        assert.equal(body.State.Running, false);
      }, { timeoutMs: 20_000 });

      const second = await start();
      assert.equal(
        await versionServed(second, key),
        "from-artifact",
        "the DeployArtifact env, not the configured HELLO_VERSION=v1",
      );
      const [now] = await performerContainers(second, key);
      assert.notEqual(now, artifact);
      const { body } = await podman.call("GET", `/containers/${now}/json`);
      assert.equal(body.Config.Labels[IMAGE_LABEL], "hourglass/hello-performer:v2");
      assert.ok(body.Config.Env.includes("HELLO_VERSION=from-artifact"), body.Config.Env.join(" "));
      assert.equal((await podman.call("GET", `/containers/${artifact}/json`)).status, 404);
    });
  },
);
