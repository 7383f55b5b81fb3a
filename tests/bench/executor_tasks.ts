/**
 * The executor scenario of `deno task bench`: SubmitTask through the executor (validate,
 * de-duplicate, verify the aggregator's signature, run on the performer, sign the result)
 * against ExecuteTask straight to the same performer container, in the same run, at 1, 16 and 64
 * tasks in flight, for an ECDSA AVS and a BN254 AVS served by the same executor. Docker mode on
 * Podman with the locally built hello performer. Submissions are signed before the clock starts,
 * so the aggregator's signing is not counted. Then DeployArtifact of a new image → first task
 * served on it, with its split from the executor's log, and the executor's memory (RSS).
 *
 * Each run uses a fresh operator key: an executor starting removes every container of its
 * operator address it did not adopt, so an executor of a concurrent test run on the shared
 * Podman with the fixture's key would remove this run's performers mid-measurement.
 * @module
 */

import { signedSubmission } from "../../dev/aggregator_client.ts";
import { managementClient } from "../../dev/management_client.ts";
import { createEngineClient } from "../../executor/performer/docker/engine_client.ts";
import { randomTaskId } from "../../sdk/testing.ts";
import { GrpcClient } from "../../shared/grpc/h2/client.ts";
import { executorProto, performerProto } from "../../shared/proto/load.ts";
import type { TaskSubmissionMessage } from "../../executor/task/validate.ts";
import { bigIntToBytes, bytesToHex } from "../../executor/signing/_bytes.ts";
import { Bn254Key } from "../../executor/signing/bn254.ts";
import { EcdsaKey } from "../../executor/signing/ecdsa.ts";
import { encryptEip2335Keystore } from "../../executor/signing/eip2335_keystore.ts";
import {
  AGGREGATOR_KEY,
  EXECUTOR_AVS,
  executorConfig,
  podmanSocket,
  startExecutorProcess,
} from "../fixture/executor.ts";
import { percentile, processUsage, round } from "./stats.ts";

/** Options of the executor scenario. */
export interface ExecutorTasksOptions {
  /** Tasks timed per concurrency level and path. */
  tasks: number;
  concurrency: number[];
  log: (line: string) => void;
  /** AVSs of the memory figure's executor (its own run after the rows); 0 leaves it out. */
  memoryAvs?: number;
}

/** Latency and throughput of one path at one concurrency. */
export interface PathFigures {
  p50Ms: number;
  p99Ms: number;
  /** Answered calls per second. */
  perS: number;
  /** Calls that failed (gRPC error): counted and shown, not retried, not in the latencies. */
  errors: number;
  /**
   * CPU time (user + system, every thread; /proc) of the process behind the path per call, over
   * its blocks only: the executor's own cost of a task, which moves far less with the shared
   * machine's speed than its latencies and throughput do. Only where the process is known.
   */
  cpuMsPerCall?: number;
}

/** One concurrency level: both paths. */
export interface ExecutorRow {
  concurrency: number;
  direct: PathFigures;
  executor: PathFigures;
}

/** DeployArtifact of a new image for a served AVS → the first task served on it. */
export interface DeployFigures {
  /** From the call to its answer (the new performer is in service then). */
  deployCallMs: number;
  /** Of which: creating and starting the container (the executor's log). */
  containerStartMs: number;
  /** Of which: from the container started to the performer promoted (health checks). */
  readyMs: number;
  /** From DeployArtifact's answer to the first task's answer, on the new image. */
  firstTaskMs: number;
}

/** The scenario's figures. */
export interface ExecutorTasksResult {
  mode: string;
  /** The ECDSA AVS's rows. */
  curve: "ecdsa";
  tasks: number;
  rows: ExecutorRow[];
  /** The BN254 AVS's rows (same executor, its own performer). */
  bn254Rows: ExecutorRow[];
  deploy: DeployFigures;
  /** The executor's resident memory after the rows, serving `avs` AVSs. */
  memory: { avs: number; rssMiB: number };
  /** An executor of its own serving `avs` AVSs (one performer each), after 10 tasks per AVS. */
  memoryManyAvs?: { avs: number; rssMiB: number };
}

const enc = new TextEncoder();

/** The BN254 AVS the bench executor serves besides the fixture's ECDSA one. */
export const BN254_AVS = "0x" + "b2".repeat(20);
/** The BN254 aggregator the bench executor trusts for `BN254_AVS`. */
export const BLS_AGGREGATOR = Bn254Key.fromScalar(0x5eed_b154n);
const BLS_AGGREGATOR_ADDRESS = "0x" + "a9".repeat(20);

/** The BN254 AVS's aggregators entry. */
export const BLS_AGGREGATOR_CONFIG = {
  address: BLS_AGGREGATOR_ADDRESS,
  blsPublicKey: BLS_AGGREGATOR.publicKey.toHex(),
};

/** A fresh operator: ECDSA key and BN254 key (an EIP-2335 keystore, as operators keep it). */
export async function freshOperator() {
  const ecdsaSecret = crypto.getRandomValues(new Uint8Array(32));
  const ecdsa = EcdsaKey.fromBytes(ecdsaSecret);
  const blsSecret = bigIntToBytes(
    BigInt(bytesToHex(crypto.getRandomValues(new Uint8Array(31)))),
    32,
  );
  const keystore = await encryptEip2335Keystore(blsSecret, "bench", {
    scrypt: { n: 1024, r: 8, p: 1 },
    curveType: "bn254",
  });
  return {
    ecdsa,
    config: {
      address: ecdsa.address,
      signingKeys: {
        ecdsa: { privateKey: bytesToHex(ecdsaSecret) },
        bls: { keystore: JSON.stringify(keystore), password: "bench" },
      },
    },
  };
}

/** Runs the scenario; stops the executor (which removes its performer) afterwards. */
export async function runExecutorTasks(
  options: ExecutorTasksOptions,
): Promise<ExecutorTasksResult> {
  options.log("executor: starting Podman and the executor (docker mode)");
  const socket = await podmanSocket();
  // At least the warm-up's 4 in flight.
  const maxInFlight = Math.max(4, ...options.concurrency);
  const operator = await freshOperator();
  const { configPath } = await executorConfig((config) => {
    config.operator = operator.config;
    // The tests' 2 failed health checks 1 s apart restarted a performer the direct path's 16 or
    // 64 calls in flight kept busy on this 2-core machine (then ECONNREFUSED: a new host port).
    config.performerHealth = { interval: "1s", failureThreshold: 30, readyTimeout: "60s" };
    const [ecdsaAvs] = config.avsPerformers as Record<string, unknown>[];
    ecdsaAvs.maxConcurrentTasks = maxInFlight * 2;
    const bn254Avs = {
      ...ecdsaAvs,
      avsAddress: BN254_AVS,
      aggregators: [BLS_AGGREGATOR_CONFIG],
      signingCurve: "bn254",
    };
    config.avsPerformers = [ecdsaAvs, bn254Avs];
  });
  const executor = await startExecutorProcess(configPath);
  const tasks = benchExecutorClient(executor.grpcAddress);
  const mgmt = managementClient(executor.managementAddress, operator.ecdsa);
  const directs: ReturnType<typeof directClient>[] = [];
  try {
    const rowsOf = async (avsAddress: string, key: EcdsaKey | Bn254Key) => {
      const [performer] = (await mgmt.listPerformers(avsAddress)).performers;
      const port = await hostPort(socket, String(performer.containerId));
      const direct = directClient(`127.0.0.1:${port}`);
      directs.push(direct);
      return await pathRows(options, {
        direct,
        tasks,
        submission: () => benchSubmission(avsAddress, operator.ecdsa.address, key),
        executorPid: executor.pid,
      });
    };
    const rows = await rowsOf(EXECUTOR_AVS, AGGREGATOR_KEY);
    const bn254Rows = await rowsOf(BN254_AVS, BLS_AGGREGATOR);
    const memory = { avs: 2, rssMiB: round((await processUsage(executor.pid)).rssMiB, 1) };
    options.log("executor: DeployArtifact of a new image → first task served");
    const deploy = await deployToFirstTask(executor, mgmt, tasks, {
      executorAddress: operator.ecdsa.address,
      payload: BENCH_PAYLOAD,
    });
    return {
      mode: "docker (Podman)",
      curve: "ecdsa",
      tasks: options.tasks,
      rows,
      bn254Rows,
      deploy,
      memory,
      memoryManyAvs: options.memoryAvs
        ? await memoryWithAvs(options.memoryAvs, operator, options.log)
        : undefined,
    };
  } finally {
    for (const direct of directs) direct.close();
    tasks.close();
    mgmt.close();
    await executor.stop();
  }
}

/** RSS of an executor serving `count` ECDSA AVSs (hello v1 each) after 10 tasks per AVS. */
async function memoryWithAvs(
  count: number,
  operator: Awaited<ReturnType<typeof freshOperator>>,
  log: (line: string) => void,
): Promise<{ avs: number; rssMiB: number }> {
  log(`executor: memory with ${count} AVSs`);
  const addresses = Array.from(
    { length: count },
    (_, i) => `0x${(i + 1).toString(16).padStart(2, "0").repeat(20)}`,
  );
  const { configPath } = await executorConfig((config) => {
    config.operator = operator.config;
    const [avs] = config.avsPerformers as Record<string, unknown>[];
    config.avsPerformers = addresses.map((avsAddress) => ({ ...avs, avsAddress }));
  });
  const executor = await startExecutorProcess(configPath);
  const tasks = benchExecutorClient(executor.grpcAddress);
  try {
    for (const avs of addresses) {
      await Promise.all(
        Array.from(
          { length: 10 },
          () => tasks.submit(benchSubmission(avs, operator.ecdsa.address, AGGREGATOR_KEY)),
        ),
      );
    }
    return { avs: count, rssMiB: round((await processUsage(executor.pid)).rssMiB, 1) };
  } finally {
    tasks.close();
    await executor.stop();
  }
}

/** The bench's payload: hello echoes it. */
export const BENCH_PAYLOAD = enc.encode(JSON.stringify({ text: "benchmark" }));

/** A signed submission of the bench payload for `avsAddress` (BN254 keys: the BLS aggregator). */
export function benchSubmission(
  avsAddress: string,
  executorAddress: string,
  key: EcdsaKey | Bn254Key,
) {
  return signedSubmission({
    avsAddress,
    executorAddress,
    payload: BENCH_PAYLOAD,
    aggregatorAddress: key instanceof Bn254Key ? BLS_AGGREGATOR_ADDRESS : undefined,
  }, key);
}

/** Calls of each path before the rows are measured (fewer with `--tasks` below it, as `--quick`). */
const WARM_UP_TASKS = 1_000;

/**
 * Both paths at each concurrency, after a warm-up of both (connections, JIT); submissions are
 * signed before each row's clock starts.
 */
export async function pathRows(
  options: Pick<ExecutorTasksOptions, "tasks" | "concurrency" | "log">,
  paths: {
    direct: ReturnType<typeof directClient>;
    tasks: TaskSubmitter;
    submission: () => ReturnType<typeof signedSubmission>;
    /** The executor's process, for its CPU time per task. */
    executorPid: number;
  },
): Promise<ExecutorRow[]> {
  const callDirect = () => paths.direct.call(BENCH_PAYLOAD);
  // Enough calls for V8 to optimise both paths' code, as it is in a running executor: after 30,
  // 500 tasks at 1 in flight through the executor measured p50 3.05–3.87 ms and p99 13.2–13.7 ms,
  // after 1,000 p50 2.63–2.97 and p99 7.1–8.5 (two pairs of runs).
  const warmUp = Math.min(WARM_UP_TASKS, Math.max(30, options.tasks));
  await measure(warmUp, 4, () => callDirect());
  const warm = Array.from({ length: warmUp }, paths.submission);
  await measure(warmUp, 4, (i) => paths.tasks.submit(warm[i]));
  const rows: ExecutorRow[] = [];
  for (const c of options.concurrency) {
    options.log(`executor: ${options.tasks} tasks at ${c} in flight`);
    const signed = Array.from({ length: options.tasks }, paths.submission);
    const [d, e] = await measureInterleaved(
      options.tasks,
      c,
      () => callDirect(),
      (i) => paths.tasks.submit(signed[i]),
      async () => (await processUsage(paths.executorPid)).cpuSeconds,
    );
    rows.push({ concurrency: c, direct: d, executor: e });
  }
  return rows;
}

/** Fewest calls per block at `c` in flight: enough that ramping up and down is a small part. */
const CALLS_PER_BLOCK_PER_IN_FLIGHT = 16;

/** Most blocks a row is split into. */
const MAX_BLOCKS = 10;

/**
 * Both paths of a row in alternating blocks (direct, executor, direct, …), `count` calls each,
 * every block at `concurrency` in flight; percentiles over all of a path's calls, throughput over
 * its blocks' time. This 2-core machine's background load varies over seconds (the executor's
 * p99 at 1 in flight ranged 5.5–9.4 ms over runs of the same code): with the paths one after the
 * other, a slow stretch landed in one path's figures only. Alternating, both see the same machine.
 * With `cpuSecondsOfB` (a process's CPU seconds so far), B's figures carry that process's CPU
 * time per call, summed over B's blocks.
 */
export async function measureInterleaved(
  count: number,
  concurrency: number,
  callA: (i: number) => Promise<unknown>,
  callB: (i: number) => Promise<unknown>,
  cpuSecondsOfB?: () => Promise<number>,
): Promise<[PathFigures, PathFigures]> {
  const blocks = Math.max(
    1,
    Math.min(MAX_BLOCKS, Math.floor(count / (CALLS_PER_BLOCK_PER_IN_FLIGHT * concurrency))),
  );
  const a = emptyRun();
  const b = emptyRun();
  for (let k = 0; k < blocks; k++) {
    const from = Math.floor((count * k) / blocks);
    const size = Math.floor((count * (k + 1)) / blocks) - from;
    await runCalls(a, size, concurrency, (i) => callA(from + i));
    const cpuBefore = await cpuSecondsOfB?.();
    await runCalls(b, size, concurrency, (i) => callB(from + i));
    if (cpuSecondsOfB && cpuBefore !== undefined) {
      b.cpuSeconds = (b.cpuSeconds ?? 0) + (await cpuSecondsOfB()) - cpuBefore;
    }
  }
  return [figuresOf(a, count), figuresOf(b, count)];
}

/** The calls of one path so far: latencies, failures and the time its blocks took. */
interface PathRun {
  samples: number[];
  errors: string[];
  seconds: number;
  /** CPU seconds of the process behind the path during its blocks, when measured. */
  cpuSeconds?: number;
}

function emptyRun(): PathRun {
  return { samples: [], errors: [], seconds: 0 };
}

/** Runs `count` calls with `concurrency` in flight, adding to `run`. */
async function runCalls(
  run: PathRun,
  count: number,
  concurrency: number,
  call: (i: number) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  const start = performance.now();
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const t = performance.now();
      try {
        await call(i);
        run.samples.push(performance.now() - t);
      } catch (err) {
        // A connection the peer reset (deno#36788, ADR 7) fails calls now and then on this
        // machine; a whole run lost to one of them measured nothing. Counted and printed.
        run.errors.push((err as Error).message);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  run.seconds += (performance.now() - start) / 1000;
}

function figuresOf(run: PathRun, count: number): PathFigures {
  if (run.errors.length > 0) {
    console.error(`[bench] ${run.errors.length} of ${count} calls failed; first: ${run.errors[0]}`);
  }
  if (run.samples.length === 0) throw new Error(`Every call failed; first: ${run.errors[0]}`);
  return {
    p50Ms: round(percentile(run.samples, 50)),
    p99Ms: round(percentile(run.samples, 99)),
    perS: round(run.samples.length / run.seconds, 0),
    errors: run.errors.length,
    ...(run.cpuSeconds === undefined ? {} : {
      cpuMsPerCall: round((run.cpuSeconds * 1000) / (run.samples.length + run.errors.length), 2),
    }),
  };
}

/**
 * DeployArtifact of hello v2 for the ECDSA AVS (its performer runs v1), then one task: the
 * call's time, split by the executor's log lines of the new performer (container started, with
 * its `ms`; promoted), and the first task after the answer.
 */
async function deployToFirstTask(
  executor: Awaited<ReturnType<typeof startExecutorProcess>>,
  mgmt: ReturnType<typeof managementClient>,
  tasks: TaskSubmitter,
  fields: { executorAddress: string; payload: Uint8Array },
): Promise<DeployFigures> {
  const { deploymentId, callMs, firstTaskMs } = await deployV2ThenTask(
    mgmt,
    tasks,
    signedSubmission({ avsAddress: EXECUTOR_AVS, ...fields }, AGGREGATOR_KEY),
  );
  const lines = executor.logs().split("\n").filter((l) => l.includes(deploymentId));
  const entry = (msg: string) => {
    const line = lines.find((l) => l.includes(`"msg":"${msg}"`));
    if (!line) throw new Error(`The executor did not log "${msg}" for the new performer`);
    return JSON.parse(line) as { ts: string; ms?: number };
  };
  const started = entry("performer container started");
  const promoted = entry("performer promoted");
  return {
    deployCallMs: callMs,
    containerStartMs: started.ms ?? NaN,
    readyMs: Date.parse(promoted.ts) - Date.parse(started.ts),
    firstTaskMs,
  };
}

/**
 * DeployArtifact of hello v2 (HELLO_VERSION=v2) for the ECDSA AVS, then `task` once the call has
 * answered: the call's time and the first task's, in both modes' deploy figures.
 */
export async function deployV2ThenTask(
  mgmt: ReturnType<typeof managementClient>,
  tasks: TaskSubmitter,
  task: TaskSubmissionMessage,
): Promise<{ deploymentId: string; callMs: number; firstTaskMs: number }> {
  const start = performance.now();
  const deployed = await mgmt.deployArtifact({
    avsAddress: EXECUTOR_AVS,
    registryUrl: "hourglass/hello-performer:v2",
    digest: "",
    env: [{ name: "HELLO_VERSION", value: "v2" }],
  });
  const answered = performance.now();
  if (!deployed.success) throw new Error(`DeployArtifact failed: ${JSON.stringify(deployed)}`);
  await tasks.submit(task);
  const served = performance.now();
  return {
    deploymentId: deployed.deploymentId,
    callMs: round(answered - start, 0),
    firstTaskMs: round(served - answered, 1),
  };
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

/** What the bench submits tasks with (an aggregator's client). */
export interface TaskSubmitter {
  submit(task: TaskSubmissionMessage): Promise<unknown>;
  close(): void;
}

/**
 * The bench's aggregator: SubmitTask over one long-lived HTTP/2 connection, as a Go aggregator's
 * grpc-go channel keeps it — our h2 client (shared/grpc/h2/, cross-checked against grpc-go). The
 * grpc-js client of dev/aggregator_client.ts moves to a new connection every 16 calls to survive
 * deno#36788 in the test process (ADR 7), which no real aggregator does; measured with it, p50
 * at 1 in flight was 0.35–1.7 ms higher on both paths.
 */
export function benchExecutorClient(address: string): TaskSubmitter {
  const method = executorProto().eigenlayer.hourglass.v1.ExecutorService.service.SubmitTask;
  const client = new GrpcClient(address);
  return {
    submit: (task) =>
      client.call(
        method,
        task,
        { deadline: Date.now() + 30_000 },
      ),
    close: () => client.close(),
  };
}

/**
 * A client of a performer at `address` (host:port) for the direct path: the same h2 client and
 * one long-lived connection, like the executor's own performer client and the bench's aggregator.
 */
export function directClient(address: string) {
  const method = performerProto().eigenlayer.hourglass.v1.performer.PerformerService.service
    .ExecuteTask;
  const client = new GrpcClient(address);
  return {
    call: (payload: Uint8Array) =>
      client.call(
        method,
        { taskId: enc.encode(randomTaskId()), payload },
        { deadline: Date.now() + 10_000 },
      ),
    close: () => client.close(),
  };
}

/** Runs `count` calls with `concurrency` in flight; latency percentiles and throughput. */
export async function measure(
  count: number,
  concurrency: number,
  call: (i: number) => Promise<unknown>,
): Promise<PathFigures> {
  const run = emptyRun();
  await runCalls(run, count, concurrency, call);
  return figuresOf(run, count);
}
