/**
 * `deno task bench:tasks`: task round-trip latency through the executor (validate, de-duplicate,
 * verify the aggregator's signature, run, sign) against a direct call to the same performer
 * container, plus the time a blue-green DeployArtifact of a local image takes. Docker mode on
 * Podman; prints figures, asserts nothing.
 *
 *   deno task bench:tasks [--tasks 300]
 * @module
 */

import * as grpc from "@grpc/grpc-js";
import { executorClient, signedSubmission } from "../../dev/aggregator_client.ts";
import { randomTaskId } from "../../sdk/testing.ts";
import { managementClient } from "../../dev/management_client.ts";
import { createEngineClient } from "../../executor/performer/docker/engine_client.ts";
import { performerProto } from "../../shared/proto/load.ts";
import {
  AGGREGATOR_KEY,
  EXECUTOR_AVS,
  executorConfig,
  OPERATOR_KEY,
  podmanSocket,
  startExecutorProcess,
} from "../fixture/executor.ts";
import { OWN_CONNECTIONS } from "../../shared/grpc/channel_options.ts";

const count = Number(Deno.args[Deno.args.indexOf("--tasks") + 1] || 300);
const enc = new TextEncoder();

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function summary(name: string, samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const f = (n: number) => n.toFixed(2).padStart(7);
  return `${name.padEnd(28)} p50 ${f(percentile(sorted, 50))} ms   p99 ${
    f(percentile(sorted, 99))
  } ms   mean ${f(samples.reduce((a, b) => a + b, 0) / samples.length)} ms`;
}

async function timed(n: number, call: () => Promise<unknown>): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const start = performance.now();
    await call();
    samples.push(performance.now() - start);
  }
  return samples;
}

const socket = await podmanSocket();
const { configPath } = await executorConfig();
const executor = await startExecutorProcess(configPath);
const tasks = executorClient(executor.grpcAddress);
const mgmt = managementClient(executor.managementAddress, OPERATOR_KEY);
try {
  const [performer] = (await mgmt.listPerformers()).performers;
  const engine = createEngineClient({ host: `unix://${socket}` });
  const container = await engine.request<
    { NetworkSettings: { Ports: Record<string, { HostPort: string }[]> } }
  >(
    "GET",
    `/containers/${performer.containerId}/json`,
  );
  engine.close();
  const port = container.NetworkSettings.Ports["8080/tcp"][0].HostPort;
  const Client = performerProto().eigenlayer.hourglass.v1.performer.PerformerService;
  const direct = new Client(
    `127.0.0.1:${port}`,
    grpc.credentials.createInsecure(),
    OWN_CONNECTIONS,
  );
  const payload = enc.encode(JSON.stringify({ text: "benchmark" }));
  const callDirect = () =>
    new Promise((resolve, reject) =>
      direct.ExecuteTask(
        { taskId: enc.encode(randomTaskId()), payload },
        { deadline: Date.now() + 5000 },
        (err, res) => err ? reject(err) : resolve(res),
      )
    );
  const viaExecutor = () =>
    tasks.submit(
      signedSubmission(
        { avsAddress: EXECUTOR_AVS, executorAddress: OPERATOR_KEY.address, payload },
        AGGREGATOR_KEY,
      ),
    );
  await timed(30, callDirect);
  await timed(30, viaExecutor);
  const directSamples = await timed(count, callDirect);
  const executorSamples = await timed(count, viaExecutor);
  direct.close();

  const deployStart = performance.now();
  await mgmt.deployArtifact({
    avsAddress: EXECUTOR_AVS,
    registryUrl: "hourglass/hello-performer:v2",
    digest: "",
    env: [{ name: "HELLO_VERSION", value: "v2" }],
  });
  const deployMs = performance.now() - deployStart;

  console.log(
    `task round trip, ${count} sequential tasks each (docker mode on Podman, local image):`,
  );
  console.log(summary("direct to the performer", directSamples));
  console.log(summary("through the executor", executorSamples));
  console.log(`DeployArtifact (blue-green, local image) to in service: ${deployMs.toFixed(0)} ms`);
} finally {
  tasks.close();
  mgmt.close();
  await executor.stop();
}
