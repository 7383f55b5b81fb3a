/**
 * The executor scenario of `deno task bench` in kubernetes mode (also runnable alone:
 * `deno run -A tests/bench/executor_kube.ts [--tasks 300]`): SubmitTask through an executor whose
 * performers are Performer resources (the operator makes the pods, the node simulator runs them as
 * local processes on loopback pod IPs, the executor connects to the pod IP) against ExecuteTask
 * straight to the same pod, at 1, 16 and 64 in flight, ECDSA and BN254 AVSs on one executor; then
 * DeployArtifact of a new image → first task served, split by a watch of the namespace (Performer
 * created, pod created, pod Ready) and the executor's log (performer promoted), and the executor's
 * RSS. On the bench's control plane when given one, else on the control plane of `deno task test`
 * when its environment names one, else on a local one it starts (`tests/fixture/cluster.ts`).
 * @module
 */

import * as k8s from "@kubernetes/client-node";
import { managementClient } from "../../dev/management_client.ts";
import { DEFAULT_GRPC_PORT } from "../../shared/api/performer.ts";
import type { TestCluster } from "../fixture/cluster.ts";
import { AGGREGATOR_KEY, EXECUTOR_AVS } from "../fixture/executor.ts";
import { type KubeEnv, withKubeEnv } from "../fixture/kube_executor.ts";
import { withKubeExecutor } from "../fixture/kube_executor_run.ts";
import { watchTimeline } from "../fixture/kube_timeline.ts";
import {
  benchExecutorClient,
  benchSubmission,
  BLS_AGGREGATOR,
  BLS_AGGREGATOR_CONFIG,
  BN254_AVS,
  deployV2ThenTask,
  directClient,
  type ExecutorRow,
  type ExecutorTasksOptions,
  freshOperator,
  pathRows,
  type TaskSubmitter,
} from "./executor_tasks.ts";
import { executorTables } from "./executor_tables.ts";
import { processUsage, round } from "./stats.ts";

/**
 * DeployArtifact of a new image for the ECDSA AVS → the first task served on it, in kubernetes
 * mode. The `…AtMs` figures are ms after the call was made, in the order they happen: the
 * Performer stored, its pod created by the operator, the pod Ready (the node simulator's probes),
 * the executor promoting it. The call answers after that, once the old Performer is drained and
 * deleted.
 */
export interface KubeDeployFigures {
  performerCreatedAtMs: number;
  podCreatedAtMs: number;
  podReadyAtMs: number;
  promotedAtMs: number;
  /** From the call to its answer. */
  deployCallMs: number;
  /** From DeployArtifact's answer to the first task's answer, on the new image. */
  firstTaskMs: number;
}

/** Kubernetes-mode figures. */
export interface KubeExecutorResult {
  mode: string;
  tasks: number;
  rows: ExecutorRow[];
  bn254Rows: ExecutorRow[];
  deploy: KubeDeployFigures;
  /** The executor's resident memory after the rows and the deploy, serving `avs` AVSs. */
  memory: { avs: number; rssMiB: number };
}

/**
 * Runs the scenario in a fresh namespace (operator, node simulator running performer processes,
 * executor identity) of `cluster` (default: the test run's).
 */
export async function runKubeExecutorTasks(
  options: ExecutorTasksOptions,
  cluster?: TestCluster,
): Promise<KubeExecutorResult> {
  // At least the warm-up's 4 in flight.
  const maxInFlight = Math.max(4, ...options.concurrency);
  const operator = await freshOperator();
  let result: KubeExecutorResult | undefined;
  await withKubeEnv("bench-exec", async (env) => {
    options.log("executor (kubernetes): starting the operator's pods and the executor");
    await withKubeExecutor(env, {
      patch: (config, performer) => {
        config.operator = operator.config;
        // As in executor_tasks.ts: a busy performer is not restarted mid-row.
        config.performerHealth = { interval: "1s", failureThreshold: 30, readyTimeout: "60s" };
        performer.maxConcurrentTasks = maxInFlight * 2;
        config.avsPerformers = [performer, {
          ...performer,
          avsAddress: BN254_AVS,
          aggregators: [BLS_AGGREGATOR_CONFIG],
          signingCurve: "bn254",
        }];
      },
    }, async (executor) => {
      // The same aggregator client as the docker rows (one long-lived HTTP/2 connection).
      const tasks = benchExecutorClient(executor.grpcAddress);
      const mgmt = managementClient(executor.managementAddress, operator.ecdsa);
      try {
        const rowsOf = async (avs: string, key: Parameters<typeof benchSubmission>[2]) => {
          const direct = directClient(await podAddress(env, avs));
          try {
            return await pathRows(options, {
              direct,
              tasks,
              submission: () => benchSubmission(avs, operator.ecdsa.address, key),
              executorPid: executor.pid,
            });
          } finally {
            direct.close();
          }
        };
        options.log("executor (kubernetes): ECDSA rows");
        const rows = await rowsOf(EXECUTOR_AVS, AGGREGATOR_KEY);
        options.log("executor (kubernetes): BN254 rows");
        const bn254Rows = await rowsOf(BN254_AVS, BLS_AGGREGATOR);
        options.log("executor (kubernetes): DeployArtifact of a new image → first task served");
        const deploy = await deployToFirstTask(env, executor, mgmt, tasks, operator.ecdsa.address);
        result = {
          mode: "kubernetes (operator + node simulator, pod IP)",
          tasks: options.tasks,
          rows,
          bn254Rows,
          deploy,
          memory: { avs: 2, rssMiB: round((await processUsage(executor.pid)).rssMiB, 1) },
        };
      } finally {
        tasks.close();
        mgmt.close();
        options.log("executor (kubernetes): stopping the executor, operator and node simulator");
      }
    });
  }, cluster);
  if (!result) throw new Error("The kubernetes executor scenario produced no figures");
  return result;
}

/**
 * DeployArtifact of hello v2 for the ECDSA AVS (its Performer runs v1), then one task; the split
 * from a watch of the namespace and the executor's "performer promoted" line (same clock: the
 * bench and the executor run on this machine).
 */
async function deployToFirstTask(
  env: KubeEnv,
  executor: { logs(): string },
  mgmt: ReturnType<typeof managementClient>,
  tasks: TaskSubmitter,
  executorAddress: string,
): Promise<KubeDeployFigures> {
  const timeline = await watchTimeline(env.cluster, env.ns);
  try {
    const start = Date.now();
    const { deploymentId: name, callMs, firstTaskMs } = await deployV2ThenTask(
      mgmt,
      tasks,
      benchSubmission(EXECUTOR_AVS, executorAddress, AGGREGATOR_KEY),
    );
    const promoted = executor.logs().split("\n").find((l) =>
      l.includes(name) && l.includes(`"msg":"performer promoted"`)
    );
    if (!promoted) throw new Error(`The executor did not log "performer promoted" for ${name}`);
    const at = (t: number | undefined, what: string) => {
      if (t === undefined) throw new Error(`The watch did not see ${what} of Performer ${name}`);
      return t - start;
    };
    return {
      performerCreatedAtMs: at(timeline.performerCreated(name), "the creation"),
      podCreatedAtMs: at(timeline.podCreated(name), "the pod"),
      podReadyAtMs: at(timeline.podReady(name), "the Ready pod"),
      promotedAtMs: Date.parse(JSON.parse(promoted).ts) - start,
      deployCallMs: callMs,
      firstTaskMs,
    };
  } finally {
    await timeline.stop();
  }
}

/** The Ready pod of `avs`'s performer in the namespace, as pod IP:port. */
async function podAddress(env: KubeEnv, avs: string): Promise<string> {
  const core = env.cluster.kubeConfig.makeApiClient(k8s.CoreV1Api);
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const pods = await core.listNamespacedPod({ namespace: env.ns });
    const pod = pods.items.find((p) =>
      Object.values(p.metadata?.labels ?? {}).includes(avs.toLowerCase()) &&
      p.status?.podIP &&
      p.status.conditions?.some((c) => c.type === "Ready" && c.status === "True")
    );
    if (pod) {
      const port = pod.spec?.containers[0].ports?.[0]?.containerPort ?? DEFAULT_GRPC_PORT;
      return `${pod.status!.podIP}:${port}`;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`No Ready pod for AVS ${avs} in namespace ${env.ns} within 60 s`);
}

if (import.meta.main) {
  const i = Deno.args.indexOf("--tasks");
  const tasks = i >= 0 ? Number(Deno.args[i + 1]) : 300;
  if (!Number.isInteger(tasks) || tasks < 1) {
    console.error("usage: deno run -A tests/bench/executor_kube.ts [--tasks <count ≥ 1>]");
    Deno.exit(2);
  }
  const r = await runKubeExecutorTasks({
    tasks,
    concurrency: [1, 16, 64],
    log: (line) => console.error(`[bench] ${line}`),
  });
  console.log(executorTables(undefined, r).join("\n"));
  Deno.exit(0);
}
