/**
 * `deno task bench --quick` end to end, so the command keeps working: it exits 0, writes the JSON
 * with every figure (operator scale; the executor in kubernetes and docker mode), and prints the
 * tables. Timing values are not checked (they depend on the
 * machine), only their shape and the invariants the operator guarantees at any speed.
 * @module
 */

import assert from "node:assert/strict";
import { type BenchResults, parseBenchArgs } from "./main.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

Deno.test("parseBenchArgs: --quick defaults, overrides, and errors", () => {
  assert.deepEqual(parseBenchArgs(["--quick"]), {
    quick: true,
    n: 10,
    steadyS: 3,
    out: "bench/results.json",
    operatorArgs: [],
    operatorDenoArgs: [],
    tasks: 40,
    skipExecutor: false,
  });
  const args = parseBenchArgs(["--n=50", "--steady-s", "0", "--operator-arg=--kube-api-qps=20"]);
  assert.equal(args.n, 50);
  assert.equal(args.steadyS, 0);
  assert.deepEqual(args.operatorArgs, ["--kube-api-qps=20"]);
  assert.throws(() => parseBenchArgs(["--n", "0"]), /--n must be an integer ≥ 1/);
  assert.throws(() => parseBenchArgs(["--fast"]), /Unknown flag "--fast"/);
});

Deno.test({
  name: "deno task bench --quick runs end to end and writes results.json and the table",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "bench-test-" });
    try {
      const out = `${dir}/results.json`;
      const run = await new Deno.Command(Deno.execPath(), {
        args: [
          "task",
          "bench",
          "--quick",
          ...["--n", "8", "--steady-s", "2", "--tasks", "20", "--out", out],
        ],
        cwd: ROOT,
        stdout: "piped",
        stderr: "piped",
      }).output();
      const stdout = new TextDecoder().decode(run.stdout);
      const stderr = new TextDecoder().decode(run.stderr);
      assert.equal(run.code, 0, `bench failed:\n${stderr.slice(-4000)}`);

      const lines = stdout.split("\n");
      assert.equal(lines[0], "| figure | value |");
      assert.match(stdout, /\| create → every Performer Ready \| [\d.]+ s \|/);
      assert.match(stdout, /N = 8 — \d+ cores, Deno \d+\.\d+\.\d+, Kubernetes v\d+\.\d+\.\d+/);

      const r: BenchResults = JSON.parse(await Deno.readTextFile(out));
      assert.equal(r.quick, true);
      assert.ok(r.machine.cores >= 1);
      assert.match(r.versions.deno, /^\d+\.\d+\.\d+/);
      assert.match(r.versions.kubernetes, /^v1\.\d+\.\d+$/);
      assert.ok(!Number.isNaN(Date.parse(r.date)));
      const s = r.operatorScale;
      assert.equal(s.n, 8);
      for (
        const v of [
          s.create.allPodAndServiceS,
          s.create.allReadyS,
          s.create.readyP50S,
          s.create.readyP99S,
          s.create.reconcilesPerS,
          s.create.writesPerPerformer,
          s.operator.rssMiB,
          s.operator.cpuSeconds,
          s.upgrade.allUpgradedS,
          s.delete.allGoneS,
        ]
      ) {
        assert.ok(typeof v === "number" && Number.isFinite(v) && v >= 0, JSON.stringify(s));
      }
      assert.ok(s.create.readyP50S <= s.create.readyP99S);
      assert.ok((s.create.writesPerPerformerByResource.pods ?? 0) >= 1);
      assert.ok((s.create.writesPerPerformerByResource.services ?? 0) >= 1);
      // One event per creation (not one per reconcile), and no finalizer write on the Performer.
      assert.ok((s.create.writesPerPerformerByResource.events ?? 0) <= 1, JSON.stringify(s.create));
      assert.equal(s.create.writesPerPerformerByResource.performers, undefined);
      // What the operator guarantees at any speed: no steady writes, no downtime on upgrade.
      assert.equal(s.steady.writes, 0);
      assert.equal(s.upgrade.momentsWithoutReadyPod, 0);
      assert.ok(s.upgrade.samples > 0);

      // The executor in both modes, in one table per curve: docker rows, then kubernetes rows.
      for (const curve of ["ECDSA", "BN254"]) {
        assert.match(stdout, new RegExp(`\\| SubmitTask ${curve}, mode, in flight \\| direct p50`));
      }
      for (const mode of ["docker", "kubernetes"]) {
        for (const c of [1, 16, 64]) {
          // Direct p50 / p99, executor p50 / p99, both tasks/s, the executor's CPU per task.
          assert.match(
            stdout,
            new RegExp(
              `\\| ${mode}, ${c} \\| [\\d.]+ / [\\d.]+ ms \\| [\\d.]+ / [\\d.]+ ms \\| \\d+ \\| \\d+ \\| [\\d.]+ ms \\|`,
            ),
          );
        }
        // Every run says how it stands against the targets.
        assert.match(
          stdout,
          new RegExp(`- ${mode}: p50 [+−][\\d.]+ ms over direct .* of direct's`),
        );
      }
      assert.match(stdout, /DeployArtifact \(new image\), kubernetes → first task served: /);
      const k = r.executorKubernetes!;
      assert.ok(k, "results.json has the kubernetes-mode executor section");
      assert.equal(k.tasks, 20);
      for (const result of [r.executor!, k]) {
        for (const rows of [result.rows, result.bn254Rows]) {
          assert.deepEqual(rows.map((x) => x.concurrency), [1, 16, 64]);
          for (const row of rows) {
            for (const path of [row.direct, row.executor]) {
              for (const v of [path.p50Ms, path.p99Ms, path.perS]) {
                assert.ok(Number.isFinite(v) && v > 0, JSON.stringify(row));
              }
              assert.ok(path.p50Ms <= path.p99Ms, JSON.stringify(row));
              // The executor's CPU per task, from /proc: a number (0.01 ms steps; /proc counts
              // 10 ms ticks, so a --quick block may read 0); none for the direct path.
              if (path === row.executor) {
                assert.ok(
                  Number.isFinite(path.cpuMsPerCall) && path.cpuMsPerCall! >= 0,
                  JSON.stringify(row),
                );
              } else assert.equal(path.cpuMsPerCall, undefined);
              // Failed calls are counted, and most calls were answered.
              assert.ok(
                Number.isInteger(path.errors) && path.errors < result.tasks / 2,
                JSON.stringify(row),
              );
            }
          }
        }
      }
      // DeployArtifact → first task in kubernetes mode, with its split (ms after the call).
      const d = k.deploy;
      for (const v of Object.values(d)) {
        assert.ok(typeof v === "number" && Number.isFinite(v) && v >= 0, JSON.stringify(d));
      }
      assert.ok(d.performerCreatedAtMs <= d.podReadyAtMs, JSON.stringify(d));
      assert.ok(d.podCreatedAtMs <= d.podReadyAtMs, JSON.stringify(d));
      // Promoted before the call answers (the log's and the bench's clocks agree to a few ms).
      assert.ok(d.promotedAtMs <= d.deployCallMs + 5, JSON.stringify(d));
      assert.ok(d.firstTaskMs > 0, JSON.stringify(d));
      assert.ok(k.memory.rssMiB > 0);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
