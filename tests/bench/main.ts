/**
 * `deno task bench [--quick] [--n 100] [--steady-s 120] [--tasks 500] [--skip-executor]
 * [--out bench/results.json] [--operator-arg=<flag>]… [--operator-deno-arg=<flag>]…`: the benchmark on the local control plane. Writes the results as
 * JSON (default `bench/results.json`) and prints them as a Markdown table with the machine's
 * cores, the versions and the date.
 *
 * Scenarios: operator scale (`operator_scale.ts`), with the node simulator in status-only mode;
 * the executor's SubmitTask against direct performer calls at 1, 16 and 64 in flight, ECDSA and
 * BN254, then DeployArtifact → first task served with its split and the executor's RSS, in
 * kubernetes mode (`executor_kube.ts`: on the same control plane, our operator and a node
 * simulator of its own that runs performer processes) and then docker mode on Podman
 * (`executor_tasks.ts`); `--skip-executor` leaves both out. The executor's own cost per stage, in
 * process: `task_path.ts`.
 * `--quick`: N = 10, a 3 s steady-state window and 40 tasks per executor row unless
 * `--n`/`--steady-s`/`--tasks` say otherwise (the
 * test `bench_test.ts` runs it so the command keeps working). `--operator-arg` passes a flag to
 * the operator, e.g. `--operator-arg=--kube-api-qps=20` to measure a client-side limit;
 * `--operator-deno-arg` passes a flag to `deno run` of the operator, e.g.
 * `--operator-deno-arg=--cpu-prof` (with `--cpu-prof-dir`) to profile it; `--audit-log-out <file>`
 * keeps a copy of the API server's audit log (every request, with its user and timing).
 * @module
 */

import * as k8s from "@kubernetes/client-node";
import { startLocalCluster } from "../../dev/cluster/local_cluster.ts";
import { ETCD_VERSION, KUBERNETES_VERSION } from "../../dev/cluster/versions.ts";
import { type KubeExecutorResult, runKubeExecutorTasks } from "./executor_kube.ts";
import { executorTables } from "./executor_tables.ts";
import { type ExecutorTasksResult, runExecutorTasks } from "./executor_tasks.ts";
import { type OperatorScaleResult, runOperatorScale } from "./operator_scale.ts";

/** Everything one run of the bench writes. */
export interface BenchResults {
  date: string;
  quick: boolean;
  machine: { cores: number; os: string };
  versions: { deno: string; v8: string; typescript: string; kubernetes: string; etcd: string };
  operatorScale: OperatorScaleResult;
  /** Docker mode; absent with `--skip-executor`. */
  executor?: ExecutorTasksResult;
  /**
   * Kubernetes mode, on the same control plane after the operator scenario; absent with
   * `--skip-executor`.
   */
  executorKubernetes?: KubeExecutorResult;
}

/** Parsed command line. */
export interface BenchArgs {
  quick: boolean;
  n: number;
  steadyS: number;
  out: string;
  operatorArgs: string[];
  /** Flags for `deno run` of the operator (before the script), e.g. `--cpu-prof`. */
  operatorDenoArgs: string[];
  /** Where to copy the API server's audit log before the control plane stops (for analysis). */
  auditLogOut?: string;
  /** Tasks timed per concurrency level and path in the executor scenario. */
  tasks: number;
  skipExecutor: boolean;
}

const USAGE = "usage: deno task bench [--quick] [--n <count>] [--steady-s <seconds>] " +
  "[--tasks <count>] [--skip-executor] [--out <file>] [--operator-arg=<flag>]… [--operator-deno-arg=<flag>]… [--audit-log-out <file>]";

/** Parses the bench's flags; throws a TypeError naming the problem. */
export function parseBenchArgs(args: string[]): BenchArgs {
  const quick = args.includes("--quick");
  const out: BenchArgs = {
    quick,
    n: quick ? 10 : 100,
    steadyS: quick ? 3 : 120,
    out: "bench/results.json",
    operatorArgs: [],
    operatorDenoArgs: [],
    tasks: quick ? 40 : 500,
    skipExecutor: false,
  };
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--quick") continue;
    if (args[i] === "--skip-executor") {
      out.skipExecutor = true;
      continue;
    }
    const [flag, inline] = args[i].split(/=(.*)/s, 2);
    const value = () => {
      const v = inline ?? args[++i];
      if (v === undefined) throw new TypeError(`Flag "${flag}" needs a value; ${USAGE}`);
      return v;
    };
    const count = (v: string, min: number) => {
      const x = Number(v);
      if (!Number.isInteger(x) || x < min) {
        throw new TypeError(`${flag} must be an integer ≥ ${min}`);
      }
      return x;
    };
    if (flag === "--n") out.n = count(value(), 1);
    else if (flag === "--steady-s") out.steadyS = count(value(), 0);
    else if (flag === "--tasks") out.tasks = count(value(), 1);
    else if (flag === "--out") out.out = value();
    else if (flag === "--operator-arg") out.operatorArgs.push(value());
    else if (flag === "--operator-deno-arg") out.operatorDenoArgs.push(value());
    else if (flag === "--audit-log-out") out.auditLogOut = value();
    else throw new TypeError(`Unknown flag "${args[i]}"; ${USAGE}`);
  }
  return out;
}

/** The results as a Markdown table (header line first). */
export function markdownTable(r: BenchResults): string {
  const s = r.operatorScale;
  const writes = Object.entries(s.create.writesPerPerformerByResource)
    .map(([res, c]) => `${res} ${c}`).join(", ");
  const rows: [string, string][] = [
    ["create → every Performer has pod + Service", `${s.create.allPodAndServiceS} s`],
    ["create → every Performer Ready", `${s.create.allReadyS} s`],
    [
      "per Performer, creation → Ready (p50 / p99)",
      `${s.create.readyP50S} s / ${s.create.readyP99S} s`,
    ],
    ["reconciles/s during creation", `${s.create.reconcilesPerS}`],
    [
      "operator API writes per Performer, creation",
      `${s.create.writesPerPerformer} (${writes})`,
    ],
    [
      "operator RSS, CPU seconds after creation",
      `${s.operator.rssMiB} MiB, ${s.operator.cpuSeconds} s`,
    ],
    [`operator writes during ${s.steady.windowS} s of steady state`, `${s.steady.writes}`],
    [
      "image upgrade of all → every Performer Ready on the new image",
      `${s.upgrade.allUpgradedS} s`,
    ],
    [
      "Performer-moments without a Ready pod behind the Service (upgrade)",
      `${s.upgrade.momentsWithoutReadyPod} of ${s.upgrade.samples} sampled`,
    ],
    ["operator API writes per Performer, upgrade", `${s.upgrade.writesPerPerformer}`],
    ["delete all → Performers, pods and Services gone", `${s.delete.allGoneS} s`],
  ];
  const args = s.operatorArgs.length ? `, operator flags \`${s.operatorArgs.join(" ")}\`` : "";
  const head =
    `Operator scale, N = ${s.n}${args} — ${r.machine.cores} cores, Deno ${r.versions.deno}, ` +
    `Kubernetes ${r.versions.kubernetes} (local control plane, node simulator status-only), ` +
    `${r.date}${r.quick ? ", --quick" : ""}`;
  const lines = [
    "| figure | value |",
    "| --- | --- |",
    ...rows.map(([k, v]) => `| ${k} | ${v} |`),
    "",
    head,
  ];
  lines.push(...executorTables(r.executor, r.executorKubernetes));
  return lines.join("\n");
}

if (import.meta.main) {
  let args: BenchArgs;
  try {
    args = parseBenchArgs(Deno.args);
  } catch (err) {
    console.error((err as Error).message);
    Deno.exit(2);
  }
  const log = (line: string) => console.error(`[bench] ${line}`);
  log("starting the local control plane");
  const cluster = await startLocalCluster({ log });
  let results: BenchResults;
  try {
    const kubeConfig = new k8s.KubeConfig();
    kubeConfig.loadFromFile(cluster.kubeconfigPath);
    const operatorScale = await runOperatorScale({ ...cluster, kubeConfig }, {
      n: args.n,
      steadyMs: args.steadyS * 1000,
      operatorArgs: args.operatorArgs,
      operatorDenoArgs: args.operatorDenoArgs,
      phaseTimeoutMs: Math.max(120_000, args.n * 2_000),
      log,
    });
    results = {
      date: new Date().toISOString().replace(/\.\d{3}Z$/, "Z"),
      quick: args.quick,
      machine: { cores: navigator.hardwareConcurrency, os: `${Deno.build.os}-${Deno.build.arch}` },
      versions: {
        deno: Deno.version.deno,
        v8: Deno.version.v8,
        typescript: Deno.version.typescript,
        kubernetes: KUBERNETES_VERSION,
        etcd: ETCD_VERSION,
      },
      operatorScale,
    };
    if (!args.skipExecutor) {
      results.executorKubernetes = await runKubeExecutorTasks(
        { tasks: args.tasks, concurrency: [1, 16, 64], log },
        { ...cluster, kubeConfig },
      );
    }
  } finally {
    if (args.auditLogOut) await Deno.copyFile(cluster.auditLogPath, args.auditLogOut);
    await cluster.stop();
  }
  if (!args.skipExecutor) {
    results.executor = await runExecutorTasks({
      tasks: args.tasks,
      concurrency: [1, 16, 64],
      log,
      memoryAvs: args.quick ? 0 : 10,
    });
  }
  const dir = args.out.includes("/") ? args.out.slice(0, args.out.lastIndexOf("/")) : ".";
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeTextFile(args.out, JSON.stringify(results, null, 2) + "\n");
  console.log(markdownTable(results));
  log(`results written to ${args.out}`);
  Deno.exit(0);
}
