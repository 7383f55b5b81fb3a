/**
 * The executor scenarios' part of the bench's Markdown (`main.ts`; `executor_kube.ts` run alone
 * prints it too): SubmitTask against direct calls per curve, docker and kubernetes rows in one
 * table, and DeployArtifact → first task served per mode.
 * @module
 */

import type { KubeExecutorResult } from "./executor_kube.ts";
import type { ExecutorRow, ExecutorTasksResult } from "./executor_tasks.ts";

/** One row of an executor table: a mode's figures at one concurrency. */
export type ModeRow = [mode: string, row: ExecutorRow];

/** Issue 13's targets for the executor (ECDSA): over the direct path in the same run. */
export const EXECUTOR_TARGETS = {
  /** Executor p50 at 1 in flight at most this much above direct p50. */
  p50OverDirectMs: 1.6,
  /** Executor p99 at 1 in flight at most this much above direct p99. */
  p99OverDirectMs: 3,
  /** Executor throughput at 64 in flight at least this share of direct's. */
  shareOfDirectAt64: 0.6,
} as const;

/**
 * A line per mode: how its ECDSA rows stand against {@linkcode EXECUTOR_TARGETS} (rows at 1 and
 * at 64 in flight; a figure whose row is missing is left out), so that every run says it.
 */
export function targetLines(rows: ModeRow[]): string[] {
  const t = EXECUTOR_TARGETS;
  const mark = (ok: boolean) => (ok ? "met" : "not met");
  const ms = (x: number) => `${x >= 0 ? "+" : "−"}${Math.abs(x).toFixed(2)} ms`;
  const modes = [...new Set(rows.map(([mode]) => mode))];
  const lines = modes.map((mode) => {
    const at = (c: number) => rows.find(([m, r]) => m === mode && r.concurrency === c)?.[1];
    const parts: string[] = [];
    const one = at(1);
    if (one) {
      // Compared as printed (0.01 ms, whole percents), so a line never says "+1.60 ms … not met".
      const p50 = Math.round((one.executor.p50Ms - one.direct.p50Ms) * 100) / 100;
      const p99 = Math.round((one.executor.p99Ms - one.direct.p99Ms) * 100) / 100;
      parts.push(
        `p50 ${ms(p50)} over direct (target ≤ +${t.p50OverDirectMs} ms: ` +
          `${mark(p50 <= t.p50OverDirectMs)})`,
        `p99 ${ms(p99)} (target ≤ +${t.p99OverDirectMs} ms: ${mark(p99 <= t.p99OverDirectMs)})`,
      );
    }
    const many = at(64);
    if (many && many.direct.perS > 0) {
      const percent = Math.round((many.executor.perS / many.direct.perS) * 100);
      parts.push(
        `64 in flight ${percent} % of direct's tasks/s (target ≥ ` +
          `${t.shareOfDirectAt64 * 100} %: ${mark(percent >= t.shareOfDirectAt64 * 100)})`,
      );
    }
    return parts.length ? `- ${mode}: ${parts.join(", ")}` : "";
  }).filter((line) => line !== "");
  return lines.length ? ["Against issue 13's targets (ECDSA, this run):", "", ...lines] : [];
}

/**
 * The executor scenarios as Markdown: a table per curve with the docker rows, then the kubernetes
 * rows, then a line per mode for DeployArtifact → first task served and the executor's RSS. Empty
 * without either scenario.
 */
export function executorTables(
  docker?: ExecutorTasksResult,
  kube?: KubeExecutorResult,
): string[] {
  if (!docker && !kube) return [];
  const table = (curve: string, rows: ModeRow[]) => [
    `| SubmitTask ${curve}, mode, in flight | direct p50 / p99 | executor p50 / p99 | direct tasks/s | executor tasks/s | executor CPU per task | failed calls, direct / executor |`,
    "| --- | --- | --- | --- | --- | --- | --- |",
    ...rows.map(([mode, x]) =>
      `| ${mode}, ${x.concurrency} | ${x.direct.p50Ms} / ${x.direct.p99Ms} ms | ` +
      `${x.executor.p50Ms} / ${x.executor.p99Ms} ms | ${x.direct.perS} | ${x.executor.perS} | ` +
      `${x.executor.cpuMsPerCall === undefined ? "–" : `${x.executor.cpuMsPerCall} ms`} | ` +
      `${x.direct.errors ?? 0} / ${x.executor.errors ?? 0} |`
    ),
  ];
  const modeRows = (
    pick: (r: { rows: ExecutorRow[]; bn254Rows?: ExecutorRow[] }) => ExecutorRow[] | undefined,
  ) => [
    ...(docker ? pick(docker) ?? [] : []).map((x): ModeRow => ["docker", x]),
    ...(kube ? pick(kube) ?? [] : []).map((x): ModeRow => ["kubernetes", x]),
  ];
  const bn254 = modeRows((r) => r.bn254Rows);
  const tasks = [docker?.tasks, kube?.tasks].filter((t) => t !== undefined)[0];
  const modes = [
    docker && "docker: Podman, direct is ExecuteTask straight to the same performer container",
    kube &&
    "kubernetes: our operator and the node simulator running the performer as a process on a " +
      "loopback pod IP, direct is ExecuteTask straight to the same pod IP",
  ].filter(Boolean);
  const ecdsa = modeRows((r) => r.rows);
  const lines = [
    "",
    ...table("ECDSA", ecdsa),
    "",
    ...targetLines(ecdsa),
    "",
    ...(bn254.length ? [...table("BN254", bn254), ""] : []),
    `Executor, ${tasks} tasks per row and path, an ECDSA and a BN254 AVS on one executor per ` +
    `mode; ${modes.join("; ")}`,
  ];
  const d = docker?.deploy;
  if (docker && d) {
    lines.push(
      "",
      `DeployArtifact (new image), docker → first task served: call ${d.deployCallMs} ms ` +
        `(container create + start ${d.containerStartMs} ms, started → promoted ${d.readyMs} ms), ` +
        `then the first task ${d.firstTaskMs} ms; executor RSS with ${docker.memory.avs} AVSs ` +
        `${docker.memory.rssMiB} MiB` +
        (docker.memoryManyAvs
          ? `, with ${docker.memoryManyAvs.avs} AVSs ${docker.memoryManyAvs.rssMiB} MiB`
          : ""),
    );
  }
  if (kube) {
    const k = kube.deploy;
    lines.push(
      "",
      `DeployArtifact (new image), kubernetes → first task served: Performer created at ` +
        `${k.performerCreatedAtMs} ms, pod created at ${k.podCreatedAtMs} ms, pod Ready at ` +
        `${k.podReadyAtMs} ms, promoted at ${k.promotedAtMs} ms; the call answered at ` +
        `${k.deployCallMs} ms (after draining and deleting the old Performer), then the first ` +
        `task ${k.firstTaskMs} ms; executor RSS with ${kube.memory.avs} AVSs ${kube.memory.rssMiB} MiB`,
    );
  }
  return lines;
}
