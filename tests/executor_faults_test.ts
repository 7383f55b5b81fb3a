/**
 * The executor under faults, in docker mode (Podman) and kubernetes mode (operator, node
 * simulator, real API server), each measured: the executor killed with SIGKILL while tasks run
 * (the restarted one, on the same store, adopts its performer and refuses the tasks that were in
 * flight as ALREADY_EXISTS, so none runs twice), and the performer's process killed while tasks
 * run (those tasks end with an error at once, not at their deadline; the performer is back and
 * later tasks succeed). Each prints its recovery time as `[fault] <case> recovery <s> s`.
 *
 * A performer that exits on a task of its own (the `crash` knob) is in executor_docker_test.ts
 * and executor_kubernetes_test.ts; an executor restarted with no task in flight too.
 */

import * as grpc from "@grpc/grpc-js";
import * as k8s from "@kubernetes/client-node";
import assert from "node:assert/strict";
import { executorClient } from "../dev/aggregator_client.ts";
import { managementClient } from "../dev/management_client.ts";
import { EcdsaKey } from "../executor/signing/ecdsa.ts";
import {
  executorConfig,
  type ExecutorProcess,
  OPERATOR_KEY,
  podmanSocket,
  startExecutorProcess,
} from "./fixture/executor.ts";
import { type KubeEnv, kubeExecutorConfig, withKubeEnv } from "./fixture/kube_executor.ts";
import { listPerformers } from "./fixture/kube_executor_run.ts";
import { helloResult, helloTask, statusOf } from "./fixture/task_flow.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));
const IN_FLIGHT = 4;
/** How long each in-flight task runs on the performer. */
const TASK_MS = 6_000;

/** Prints a recovery time in the line the project note quotes. */
function report(fault: string, ms: number, detail: string): void {
  console.log(`[fault] ${fault} recovery ${(ms / 1000).toFixed(1)} s (${detail})`);
}

function tail(proc: ExecutorProcess, lines = 40): string {
  return proc.logs().split("\n").slice(-lines).join("\n");
}

/**
 * A fresh operator key and the executor config's `operator` section for it. Docker-mode test runs
 * on this machine share one Podman, and an executor starting removes every container of its
 * operator address it did not adopt: with the common test key, an executor another run starts
 * meanwhile would remove this test's performer (seen once: a 404 on the container's kill).
 */
function freshOperator(): { key: EcdsaKey; section: Record<string, unknown> } {
  const hex = "0x" + Array.from(crypto.getRandomValues(new Uint8Array(32)))
    .map((b) => b.toString(16).padStart(2, "0")).join("");
  const key = EcdsaKey.fromHex(hex);
  return { key, section: { address: key.address, signingKeys: { ecdsa: { privateKey: hex } } } };
}

/** A task for the executor of operator `key`. */
function task(key: EcdsaKey, payload: unknown) {
  return helloTask(payload, { executorAddress: key.address });
}

/** Submits `IN_FLIGHT` slow tasks; resolves each with its status and when it ended. */
function submitSlowTasks(client: ReturnType<typeof executorClient>, label: string, key: EcdsaKey) {
  const tasks = Array.from(
    { length: IN_FLIGHT },
    (_, i) => task(key, { text: `${label} ${i}`, sleepMs: TASK_MS }),
  );
  const outcomes = tasks.map(async (t) => {
    const status = await statusOf(client.submit(t, 60_000));
    return { status, at: Date.now() };
  });
  return { tasks, outcomes: Promise.all(outcomes) };
}

/** The performer ids and container ids (docker) or Performer names (kubernetes) listed. */
async function listed(executor: ExecutorProcess, key: EcdsaKey): Promise<string[]> {
  const mgmt = managementClient(executor.managementAddress, key);
  try {
    return (await mgmt.listPerformers()).performers.map((p) =>
      String(p.containerId || p.performerId)
    );
  } finally {
    mgmt.close();
  }
}

/** A container's stdout and stderr through the Docker Engine API (frame headers left in). */
async function dockerLogs(socket: string, containerId: string): Promise<string> {
  const http = Deno.createHttpClient({ proxy: { transport: "unix", path: socket } });
  try {
    const url = `http://docker/containers/${containerId}/logs?stdout=true&stderr=true`;
    const res = await fetch(url, { client: http });
    assert.equal(res.status, 200, `logs of container ${containerId}`);
    return new TextDecoder().decode(await res.arrayBuffer());
  } finally {
    http.close();
  }
}

/** Retries a new task every 250 ms until one succeeds; returns when (`Date.now()`). */
async function firstSuccess(
  executor: ExecutorProcess,
  key: EcdsaKey,
  timeoutMs: number,
): Promise<number> {
  const client = executorClient(executor.grpcAddress);
  const deadline = Date.now() + timeoutMs;
  const seen = new Set<string>();
  try {
    for (let i = 0;; i++) {
      assert.ok(!executor.exited(), `the executor exited:\n${tail(executor)}`);
      const answer = client.submit(task(key, { text: `after ${i}` }), 5_000);
      const status = await statusOf(answer);
      if (status === "OK") {
        assert.equal(helloResult(await answer).output, `AFTER ${i}`);
        return Date.now();
      }
      seen.add(status);
      assert.ok(Date.now() < deadline, `no task succeeded within ${timeoutMs} ms: ${[...seen]}`);
      await delay(250);
    }
  } finally {
    client.close();
  }
}

/**
 * Kills the executor while tasks run, restarts it on the same config and store, and checks
 * adoption (the listed performers, and `resources()` if given, are the same after), no second
 * run of the in-flight tasks, and a new task.
 */
async function killWithTasksInFlight(
  configPath: string,
  mode: string,
  options: {
    /** The executor's operator key. */
    key: EcdsaKey;
    resources?: () => Promise<unknown>;
    /** The performer's own log, where the SDK logs "task started" with each task id. */
    performerLog?: (listedId: string) => Promise<string>;
  },
): Promise<void> {
  const { key } = options;
  const resources = options.resources ?? (() => Promise.resolve(undefined));
  const first = await startExecutorProcess(configPath);
  let second: ExecutorProcess | undefined;
  try {
    const before = await listed(first, key);
    const resourcesBefore = await resources();
    assert.equal(before.length, 1, "one performer");
    const client = executorClient(first.grpcAddress);
    const { tasks, outcomes } = submitSlowTasks(client, "in flight", key);
    // The tasks have reached the performer (they run for TASK_MS there).
    await delay(1_500);
    await first.kill();
    const killedAt = Date.now();
    const ended = await outcomes;
    client.close();
    assert.deepEqual(
      ended.map((e) => e.status),
      Array(IN_FLIGHT).fill("UNAVAILABLE"),
      "the calls in flight end with the connection",
    );

    second = await startExecutorProcess(configPath);
    const readyAt = Date.now();
    assert.deepEqual(
      await listed(second, key),
      before,
      "the restarted executor adopts its performer",
    );
    assert.deepEqual(await resources(), resourcesBefore, "the same performer resources");
    const client2 = executorClient(second.grpcAddress);
    try {
      for (const t of tasks) {
        const refused = await client2.submit(t, 10_000).then(
          () => undefined,
          (err: grpc.ServiceError) => err,
        );
        assert.equal(
          refused && grpc.status[refused.code],
          "ALREADY_EXISTS",
          `in-flight task ${t.taskId} is not run again`,
        );
        // The aggregator learns that the crash left the outcome unknown.
        assert.match(refused!.details, /outcome unknown/, refused!.details);
      }
    } finally {
      client2.close();
    }
    if (options.performerLog) {
      // The performer's own record: each in-flight task started there once.
      const lines = (await options.performerLog(before[0])).split("\n")
        .filter((l) => l.includes("task started"));
      for (const t of tasks) {
        const runs = lines.filter((l) => l.toLowerCase().includes(t.taskId.toLowerCase())).length;
        assert.equal(runs, 1, `task ${t.taskId} started ${runs} times on the performer`);
      }
    }
    const recoveredAt = await firstSuccess(second, key, 30_000);
    report(
      `executor-sigkill-${mode}`,
      recoveredAt - killedAt,
      `${IN_FLIGHT} tasks in flight; restarted executor ready ${
        ((readyAt - killedAt) / 1000).toFixed(1)
      } s after the kill, same performer, the ${IN_FLIGHT} resubmitted: ALREADY_EXISTS${
        options.performerLog ? ", each started once on the performer (its log)" : ""
      }`,
    );
    assert.ok(recoveredAt - killedAt < 60_000, "recovered within 60 s");
  } catch (err) {
    console.error(`--- restarted executor log ---\n${second ? tail(second) : "(none)"}`);
    console.error(`--- first executor log ---\n${tail(first)}`);
    throw err;
  } finally {
    await first.stop();
    if (second) {
      const mgmt = managementClient(second.managementAddress, key);
      for (const p of (await mgmt.listPerformers()).performers) {
        await mgmt.removePerformer(p.performerId as string);
      }
      mgmt.close();
      assert.equal(await second.stop(), 0, "the restarted executor stops cleanly");
    }
  }
}

Deno.test(
  "docker mode: the executor killed with tasks in flight: adopted performer, none run twice",
  opts,
  async () => {
    const operator = freshOperator();
    const { configPath, dir } = await executorConfig((c) => {
      c.operator = operator.section;
      c.shutdown = { removePerformers: false, drainTimeout: "5s" };
    });
    try {
      await killWithTasksInFlight(configPath, "docker", {
        key: operator.key,
        performerLog: async (containerId) => dockerLogs(await podmanSocket(), containerId),
      });
    } finally {
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
);

Deno.test(
  "kubernetes mode: the executor killed with tasks in flight: adopted Performer, none run twice",
  opts,
  async () => {
    await withKubeEnv("kfault", async (env) => {
      const { configPath, dir } = await kubeExecutorConfig({
        namespace: env.ns,
        kubeconfigPath: env.identity.kubeconfigPath,
        patch: (config) => (config.shutdown = { removePerformers: false, drainTimeout: "5s" }),
      });
      try {
        // The Performer resource is the same one (its uid), not a new one of the same name.
        await killWithTasksInFlight(configPath, "kubernetes", {
          key: OPERATOR_KEY,
          resources: async () => (await listPerformers(env)).map((p) => p.metadata.uid),
        });
      } finally {
        await Deno.remove(dir, { recursive: true }).catch(() => {});
      }
    });
  },
);

/**
 * Runs slow tasks, kills the performer's process with `killPerformer`, and checks that the
 * tasks end with an error at once, the executor stays up, and a later task succeeds.
 */
async function performerKilledMidTasks(
  executor: ExecutorProcess,
  key: EcdsaKey,
  mode: string,
  killPerformer: () => Promise<void>,
): Promise<void> {
  const client = executorClient(executor.grpcAddress);
  try {
    const { outcomes } = submitSlowTasks(client, "doomed", key);
    await delay(1_500);
    const killedAt = Date.now();
    await killPerformer();
    const ended = await outcomes;
    client.close();
    const slowest = Math.max(...ended.map((e) => e.at)) - killedAt;
    const statuses = ended.map((e) => e.status);
    assert.ok(!statuses.includes("OK"), `no task answered by a killed performer: ${statuses}`);
    // An error with the connection, not a wait until the task's deadline (60 s here).
    assert.ok(slowest < 10_000, `the in-flight tasks ended ${slowest} ms after the kill`);
    const recoveredAt = await firstSuccess(executor, key, 60_000);
    assert.ok(!executor.exited(), "the executor is running");
    report(
      `performer-crash-${mode}`,
      recoveredAt - killedAt,
      `${IN_FLIGHT} tasks in flight ended ${[...new Set(statuses)].join("/")} within ${
        (slowest / 1000).toFixed(1)
      } s of the kill`,
    );
    assert.ok(recoveredAt - killedAt < 60_000, "a task succeeds within 60 s of the kill");
  } catch (err) {
    console.error(`--- executor log ---\n${tail(executor)}`);
    throw err;
  } finally {
    client.close();
  }
}

Deno.test(
  "docker mode: the performer container killed mid-tasks: errors at once, then it is back",
  opts,
  async () => {
    const operator = freshOperator();
    const { configPath, dir } = await executorConfig((c) => (c.operator = operator.section));
    const executor = await startExecutorProcess(configPath);
    const socket = await podmanSocket();
    const http = Deno.createHttpClient({ proxy: { transport: "unix", path: socket } });
    try {
      const [containerId] = await listed(executor, operator.key);
      await performerKilledMidTasks(executor, operator.key, "docker", async () => {
        // What an OOM kill or a crash of the container's process looks like to the engine.
        const res = await fetch(`http://docker/containers/${containerId}/kill?signal=SIGKILL`, {
          method: "POST",
          client: http,
        });
        await res.body?.cancel();
        assert.equal(res.status, 204, `kill of container ${containerId}`);
      });
      // No engine restart policy: the executor's health monitor restarted it (the same
      // container, so its logs and exit stay inspectable).
      assert.match(executor.logs(), /performer container restarted/, "the executor restarted it");
      assert.deepEqual(await listed(executor, operator.key), [containerId], "the same container");
    } finally {
      http.close();
      assert.equal(await executor.stop(), 0, "the executor stops cleanly");
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
);

/** The pid of the performer pod's process (the node simulator's container id is `sim://<pid>`). */
async function performerPid(env: KubeEnv): Promise<number> {
  const [p] = await listPerformers(env);
  const core = env.cluster.kubeConfig.makeApiClient(k8s.CoreV1Api);
  const pod = await core.readNamespacedPod({ namespace: env.ns, name: p.status!.podName! });
  const id = pod.status?.containerStatuses?.[0]?.containerID ?? "";
  const match = /^sim:\/\/(\d+)$/.exec(id);
  assert.ok(match, `the pod's container id "${id}" names a process`);
  return Number(match[1]);
}

Deno.test(
  "kubernetes mode: the performer pod's process killed mid-tasks: errors at once, then it is back",
  opts,
  async () => {
    await withKubeEnv("kpfault", async (env) => {
      const { configPath, dir } = await kubeExecutorConfig({
        namespace: env.ns,
        kubeconfigPath: env.identity.kubeconfigPath,
      });
      const executor = await startExecutorProcess(configPath);
      try {
        const pid = await performerPid(env);
        const [before] = await listPerformers(env);
        await performerKilledMidTasks(executor, OPERATOR_KEY, "kubernetes", () => {
          Deno.kill(pid, "SIGKILL");
          return Promise.resolve();
        });
        const core = env.cluster.kubeConfig.makeApiClient(k8s.CoreV1Api);
        const [p] = await listPerformers(env);
        const pod = await core.readNamespacedPod({ namespace: env.ns, name: p.status!.podName! });
        // Both may act: the node (kubelet) restarts the container in place, and the executor's
        // health monitor restarts the Performer (a new pod, as `kubectl rollout restart`).
        const replaced = /performer restarted/.test(executor.logs());
        console.log(
          `Performer ${p.metadata.name}: pod ${before.status?.podName} → ${pod.metadata?.name} ` +
            `(restartCount ${
              pod.status?.containerStatuses?.[0]?.restartCount
            }), process ${pid} → ` +
            `${await performerPid(env)}; restarted by the executor: ${replaced}`,
        );
        assert.equal(p.metadata.uid, before.metadata.uid, "the same Performer");
      } finally {
        assert.equal(await executor.stop(), 0, "the executor stops cleanly");
        await Deno.remove(dir, { recursive: true }).catch(() => {});
      }
    });
  },
);
