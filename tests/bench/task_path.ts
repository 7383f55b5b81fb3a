/**
 * `deno run -A tests/bench/task_path.ts [--tasks 2000]`: the executor's own cost per task, in
 * process, without gRPC or a performer — what SubmitTask adds on top of the performer call.
 * Prints the cost of each stage (µs per task, one at a time): building and checking the
 * aggregator's digest, ECDSA and BN254 verification, signing the result with each curve, the
 * store's claim and outcome writes; then `executeSubmission` end to end on a store file with a
 * performer that answers at once, at 1 and 64 in flight (p50 / p99 and tasks/s). The store is
 * a real Deno KV file in a temporary directory, as the executor uses it.
 *
 * The process has the machine to itself only when nothing else runs: on a shared machine,
 * compare figures of the same run (or repeated runs), not across days.
 * @module
 */

import { signedSubmission } from "../../dev/aggregator_client.ts";
import { Bn254Key } from "../../executor/signing/bn254.ts";
import { taskSubmissionDigest } from "../../executor/signing/digests.ts";
import { EcdsaKey } from "../../executor/signing/ecdsa.ts";
import { verifyAggregatorSignature } from "../../executor/signing/keys.ts";
import { signTaskResult } from "../../executor/signing/task_result.ts";
import { ConcurrencyLimits } from "../../executor/task/concurrency.ts";
import { executeSubmission, type TaskDeps } from "../../executor/task/pipeline.ts";
import { processedTasks } from "../../executor/task/processed_tasks.ts";
import { randomTaskId } from "../../sdk/testing.ts";
import { percentile, round } from "./stats.ts";

const AVS = "0xCE2Ac75bE2E0951F1F7B288c7a6A9BfB6c331DC4";
const VERIFIER = { address: "0x" + "5a".repeat(20), version: "1.8.0" };
const BLS_AGGREGATOR = "0x" + "44".repeat(20);

/** Per-stage cost (µs per task) and end-to-end figures of the in-process task path. */
export interface TaskPathResult {
  tasks: number;
  stagesUs: Record<string, number>;
  pipeline: { curve: string; concurrency: number; p50Ms: number; p99Ms: number; perS: number }[];
}

/** Runs the measurement; `tasks` per end-to-end row. */
export async function runTaskPath(tasks: number): Promise<TaskPathResult> {
  const operator = EcdsaKey.fromHex("0x" + "11".repeat(32));
  const aggregator = EcdsaKey.fromHex("0x" + "22".repeat(32));
  const blsAggregator = Bn254Key.fromScalar(123456789n);
  const blsOperator = Bn254Key.fromScalar(987654321n);
  const payload = new TextEncoder().encode(JSON.stringify({ text: "benchmark" }));
  const submission = (key: EcdsaKey | Bn254Key) =>
    signedSubmission({
      avsAddress: AVS,
      executorAddress: operator.address,
      payload,
      aggregatorAddress: key instanceof Bn254Key ? BLS_AGGREGATOR : undefined,
    }, key);
  const dir = await Deno.makeTempDir({ prefix: "task-path-bench-" });
  const kv = await Deno.openKv(`${dir}/executor.kv`);
  try {
    const processed = processedTasks(kv, 3_600_000);
    const stagesUs: Record<string, number> = {};
    const stage = async (name: string, n: number, f: (i: number) => unknown) => {
      // Warm-up (JIT) on indices after the timed ones: a store stage's id is written once.
      for (let i = 0; i < Math.min(n, 50); i++) await f(n + i);
      const start = performance.now();
      for (let i = 0; i < n; i++) await f(i);
      stagesUs[name] = round(((performance.now() - start) / n) * 1000, 0);
    };
    const ecdsaTask = submission(aggregator);
    const blsTask = submission(blsAggregator);
    const fields = {
      taskId: ecdsaTask.taskId,
      avsAddress: AVS.toLowerCase(),
      operatorAddress: operator.address,
      operatorSetId: 1,
      referenceTimestamp: ecdsaTask.referenceTimestamp,
      output: payload,
    };
    const keys = { ecdsa: operator, bn254: blsOperator };
    const blsTrusted = { address: BLS_AGGREGATOR, blsPublicKey: blsAggregator.publicKey.toHex() };
    await stage("submission digest", 2000, () => taskSubmissionDigest(ecdsaTask));
    await stage(
      "ECDSA verify (recover + address)",
      500,
      () =>
        verifyAggregatorSignature(taskSubmissionDigest(ecdsaTask), ecdsaTask.signature, {
          address: aggregator.address,
        }),
    );
    await stage(
      "ECDSA sign result (result + auth)",
      500,
      () => signTaskResult(keys, { scheme: "ecdsa", ecdsaVerifier: VERIFIER }, fields),
    );
    await stage(
      "BN254 verify (standard hash-to-G1)",
      100,
      () => verifyAggregatorSignature(taskSubmissionDigest(blsTask), blsTask.signature, blsTrusted),
    );
    await stage(
      "BN254 sign result (result + auth)",
      100,
      () => signTaskResult(keys, { scheme: "bn254" }, fields),
    );
    const ids = Array.from({ length: 550 }, () => randomTaskId());
    await stage("store claim", 500, (i) => processed.claim(ids[i]));
    // An outcome waits to share the next claim's commit (processed_tasks.ts): flushed here, so
    // the stage is the cost of its own commit.
    await stage("store outcome", 500, async (i) => {
      const finishing = processed.finish(ids[i], "done");
      await processed.flush();
      await finishing;
    });

    const settings = (scheme: "ecdsa" | "bn254") => ({
      aggregators: [{ address: aggregator.address }, blsTrusted],
      scheme,
      taskTimeoutMs: 30_000,
    });
    const pipeline: TaskPathResult["pipeline"] = [];
    for (const curve of ["ecdsa", "bn254"] as const) {
      const deps: TaskDeps = {
        operatorAddress: operator.address,
        ecdsaVerifier: VERIFIER,
        avs: new Map([[AVS.toLowerCase(), settings(curve)]]),
        keys,
        processed,
        replay: { retentionMs: 3_600_000 },
        limits: new ConcurrencyLimits(new Map([[AVS.toLowerCase(), 1_000]])),
        runTask: (_avs, task) => Promise.resolve(task.payload),
      };
      const key = curve === "ecdsa" ? aggregator : blsAggregator;
      const n = curve === "ecdsa" ? tasks : Math.max(1, Math.round(tasks / 4));
      const signal = new AbortController().signal;
      for (const concurrency of [1, 64]) {
        const batch = Array.from({ length: n + 50 }, () => submission(key));
        const run = (i: number) => executeSubmission(deps, batch[i], { signal });
        await measure(50, concurrency, run); // warm-up
        const figures = await measure(n, concurrency, (i) => run(50 + i));
        pipeline.push({ curve, concurrency, ...figures });
      }
    }
    return { tasks, stagesUs, pipeline };
  } finally {
    kv.close();
    await Deno.remove(dir, { recursive: true });
  }
}

async function measure(count: number, concurrency: number, call: (i: number) => Promise<unknown>) {
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
  return {
    p50Ms: round(percentile(samples, 50), 3),
    p99Ms: round(percentile(samples, 99), 3),
    perS: round(count / ((performance.now() - start) / 1000), 0),
  };
}

/** The result as Markdown tables. */
export function taskPathTable(r: TaskPathResult): string {
  return [
    "| stage, one task at a time | µs per task |",
    "| --- | --- |",
    ...Object.entries(r.stagesUs).map(([k, v]) => `| ${k} | ${v} |`),
    "",
    "| executeSubmission in process, curve | in flight | p50 / p99 | tasks/s |",
    "| --- | --- | --- | --- |",
    ...r.pipeline.map((x) =>
      `| ${x.curve} | ${x.concurrency} | ${x.p50Ms} / ${x.p99Ms} ms | ${x.perS} |`
    ),
  ].join("\n");
}

if (import.meta.main) {
  const i = Deno.args.indexOf("--tasks");
  const tasks = i >= 0 ? Number(Deno.args[i + 1]) : 2000;
  if (!Number.isInteger(tasks) || tasks < 1) {
    console.error("usage: deno run -A tests/bench/task_path.ts [--tasks <count ≥ 1>]");
    Deno.exit(2);
  }
  console.log(taskPathTable(await runTaskPath(tasks)));
}
