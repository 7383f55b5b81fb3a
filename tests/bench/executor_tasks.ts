/**
 * The executor scenario of `deno task bench`: SubmitTask through the executor (validate,
 * de-duplicate, verify the aggregator's ECDSA signature, run on the performer, sign the result)
 * against ExecuteTask straight to the same performer container, in the same run, at 1, 16 and 64
 * tasks in flight. Docker mode on Podman with the locally built hello performer. Submissions are
 * signed before the clock starts, so the aggregator's signing is not counted.
 * @module
 */

import * as grpc from "@grpc/grpc-js";
import { executorClient, signedSubmission } from "../../dev/aggregator_client.ts";
import { managementClient } from "../../dev/management_client.ts";
import { createEngineClient } from "../../executor/performer/docker/engine_client.ts";
import { randomTaskId } from "../../sdk/testing.ts";
import { OWN_CONNECTIONS } from "../../shared/grpc/channel_options.ts";
import { performerProto } from "../../shared/proto/load.ts";
import {
  AGGREGATOR_KEY,
  EXECUTOR_AVS,
  executorConfig,
  OPERATOR_KEY,
  podmanSocket,
  startExecutorProcess,
} from "../fixture/executor.ts";
import { percentile, round } from "./stats.ts";

/** Options of the executor scenario. */
export interface ExecutorTasksOptions {
  /** Tasks timed per concurrency level and path. */
  tasks: number;
  concurrency: number[];
  log: (line: string) => void;
}

/** Latency and throughput of one path at one concurrency. */
export interface PathFigures {
  p50Ms: number;
  p99Ms: number;
  perS: number;
}

/** The scenario's figures. */
export interface ExecutorTasksResult {
  mode: string;
  curve: "ecdsa";
  tasks: number;
  rows: { concurrency: number; direct: PathFigures; executor: PathFigures }[];
}

const enc = new TextEncoder();

/** Runs the scenario; stops the executor (which removes its performer) afterwards. */
export async function runExecutorTasks(
  options: ExecutorTasksOptions,
): Promise<ExecutorTasksResult> {
  options.log("executor: starting Podman and the executor (docker mode)");
  const socket = await podmanSocket();
  const maxInFlight = Math.max(...options.concurrency);
  const { configPath } = await executorConfig((config) => {
    const avs = (config.avsPerformers as Record<string, unknown>[])[0];
    avs.maxConcurrentTasks = maxInFlight * 2;
  });
  const executor = await startExecutorProcess(configPath);
  const tasks = executorClient(executor.grpcAddress);
  const mgmt = managementClient(executor.managementAddress, OPERATOR_KEY);
  let direct: ReturnType<typeof directClient> | undefined;
  try {
    const [performer] = (await mgmt.listPerformers()).performers;
    direct = directClient(await hostPort(socket, String(performer.containerId)));
    const payload = enc.encode(JSON.stringify({ text: "benchmark" }));
    const callDirect = direct.call.bind(undefined, payload);
    const submission = () =>
      signedSubmission(
        { avsAddress: EXECUTOR_AVS, executorAddress: OPERATOR_KEY.address, payload },
        AGGREGATOR_KEY,
      );
    // Warm both paths (connections, JIT) before anything is timed.
    await measure(30, 4, () => callDirect());
    const warm = Array.from({ length: 30 }, submission);
    await measure(30, 4, (i) => tasks.submit(warm[i]));
    const rows: ExecutorTasksResult["rows"] = [];
    for (const c of options.concurrency) {
      options.log(`executor: ${options.tasks} tasks at ${c} in flight`);
      const d = await measure(options.tasks, c, () => callDirect());
      const signed = Array.from({ length: options.tasks }, submission);
      const e = await measure(options.tasks, c, (i) => tasks.submit(signed[i]));
      rows.push({ concurrency: c, direct: d, executor: e });
    }
    return { mode: "docker (Podman)", curve: "ecdsa", tasks: options.tasks, rows };
  } finally {
    direct?.close();
    tasks.close();
    mgmt.close();
    await executor.stop();
  }
}

/** The host port Podman maps the performer container's gRPC port to. */
async function hostPort(socket: string, containerId: string): Promise<number> {
  const engine = createEngineClient({ host: `unix://${socket}` });
  try {
    const container = await engine.request<
      { NetworkSettings: { Ports: Record<string, { HostPort: string }[]> } }
    >("GET", `/containers/${containerId}/json`);
    const ports = Object.values(container.NetworkSettings.Ports).flat();
    return Number(ports[0].HostPort);
  } finally {
    engine.close();
  }
}

function directClient(port: number) {
  const Client = performerProto().eigenlayer.hourglass.v1.performer.PerformerService;
  const client = new Client(
    `127.0.0.1:${port}`,
    grpc.credentials.createInsecure(),
    OWN_CONNECTIONS,
  );
  return {
    call: (payload: Uint8Array) =>
      new Promise((resolve, reject) =>
        client.ExecuteTask(
          { taskId: enc.encode(randomTaskId()), payload },
          { deadline: Date.now() + 10_000 },
          (err, res) => err ? reject(err) : resolve(res),
        )
      ),
    close: () => client.close(),
  };
}

/** Runs `count` calls with `concurrency` in flight; latency percentiles and throughput. */
async function measure(
  count: number,
  concurrency: number,
  call: (i: number) => Promise<unknown>,
): Promise<PathFigures> {
  const samples: number[] = [];
  let next = 0;
  const start = performance.now();
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const t = performance.now();
      await call(i);
      samples.push(performance.now() - t);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  const seconds = (performance.now() - start) / 1000;
  return {
    p50Ms: round(percentile(samples, 50)),
    p99Ms: round(percentile(samples, 99)),
    perS: round(count / seconds, 0),
  };
}
