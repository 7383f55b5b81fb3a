/**
 * `deno run -A tests/bench/executor_kube.ts [--tasks 300]`: the executor scenario in kubernetes
 * mode — SubmitTask through an executor whose performers are Performer resources (the operator
 * makes the pods, the node simulator runs them as local processes on loopback pod IPs, the
 * executor connects to the pod IP) against ExecuteTask straight to the same pod, at 1, 16 and
 * 64 in flight, ECDSA and BN254 AVSs on one executor. Uses the control plane of `deno task test`
 * when its environment names one, else starts a local one (`tests/fixture/cluster.ts`).
 * @module
 */

import * as k8s from "@kubernetes/client-node";
import { executorClient } from "../../dev/aggregator_client.ts";
import { DEFAULT_GRPC_PORT } from "../../shared/api/performer.ts";
import { AGGREGATOR_KEY, EXECUTOR_AVS } from "../fixture/executor.ts";
import { type KubeEnv, withKubeEnv } from "../fixture/kube_executor.ts";
import { withKubeExecutor } from "../fixture/kube_executor_run.ts";
import {
  benchSubmission,
  BLS_AGGREGATOR,
  BLS_AGGREGATOR_CONFIG,
  BN254_AVS,
  directClient,
  type ExecutorRow,
  type ExecutorTasksOptions,
  freshOperator,
  pathRows,
} from "./executor_tasks.ts";

/** Kubernetes-mode figures. */
export interface KubeExecutorResult {
  mode: string;
  tasks: number;
  rows: ExecutorRow[];
  bn254Rows: ExecutorRow[];
}

/** Runs the scenario in a fresh namespace (operator, node simulator, executor identity). */
export async function runKubeExecutorTasks(
  options: ExecutorTasksOptions,
): Promise<KubeExecutorResult> {
  // At least the warm-up's 4 in flight.
  const maxInFlight = Math.max(4, ...options.concurrency);
  const operator = await freshOperator();
  let result: KubeExecutorResult | undefined;
  await withKubeEnv("bench-exec", async (env) => {
    options.log("executor (kubernetes): starting the executor");
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
      const tasks = executorClient(executor.grpcAddress);
      try {
        const rowsOf = async (avs: string, key: Parameters<typeof benchSubmission>[2]) => {
          const direct = directClient(await podAddress(env, avs));
          try {
            return await pathRows(options, {
              direct,
              tasks,
              submission: () => benchSubmission(avs, operator.ecdsa.address, key),
            });
          } finally {
            direct.close();
          }
        };
        result = {
          mode: "kubernetes (operator + node simulator, pod IP)",
          tasks: options.tasks,
          rows: await rowsOf(EXECUTOR_AVS, AGGREGATOR_KEY),
          bn254Rows: await rowsOf(BN254_AVS, BLS_AGGREGATOR),
        };
      } finally {
        tasks.close();
      }
    });
  });
  if (!result) throw new Error("The kubernetes executor scenario produced no figures");
  return result;
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
  for (const [curve, rows] of [["ECDSA", r.rows], ["BN254", r.bn254Rows]] as const) {
    console.log(
      `| SubmitTask ${curve}, ${r.mode}, in flight | direct p50 / p99 | executor p50 / p99 | ` +
        "direct tasks/s | executor tasks/s | failed calls, direct / executor |",
    );
    console.log("| --- | --- | --- | --- | --- | --- |");
    for (const x of rows) {
      console.log(
        `| ${x.concurrency} | ${x.direct.p50Ms} / ${x.direct.p99Ms} ms | ` +
          `${x.executor.p50Ms} / ${x.executor.p99Ms} ms | ${x.direct.perS} | ${x.executor.perS} | ` +
          `${x.direct.errors} / ${x.executor.errors} |`,
      );
    }
    console.log("");
  }
  Deno.exit(0);
}
