/**
 * The executor scenarios' part of the bench's Markdown (`main.ts`; `executor_kube.ts` run alone
 * prints it too): SubmitTask against direct calls per curve, docker and kubernetes rows in one
 * table, and DeployArtifact → first task served per mode.
 * @module
 */

import type { KubeExecutorResult } from "./executor_kube.ts";
import type { ExecutorRow, ExecutorTasksResult } from "./executor_tasks.ts";

/** One row of an executor table: a mode's figures at one concurrency. */
type ModeRow = [mode: string, row: ExecutorRow];

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
    `| SubmitTask ${curve}, mode, in flight | direct p50 / p99 | executor p50 / p99 | direct tasks/s | executor tasks/s | failed calls, direct / executor |`,
    "| --- | --- | --- | --- | --- | --- |",
    ...rows.map(([mode, x]) =>
      `| ${mode}, ${x.concurrency} | ${x.direct.p50Ms} / ${x.direct.p99Ms} ms | ` +
      `${x.executor.p50Ms} / ${x.executor.p99Ms} ms | ${x.direct.perS} | ${x.executor.perS} | ` +
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
  const lines = [
    "",
    ...table("ECDSA", modeRows((r) => r.rows)),
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
