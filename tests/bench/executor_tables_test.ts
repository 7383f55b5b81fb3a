import assert from "node:assert/strict";
import { type ModeRow, targetLines } from "./executor_tables.ts";

const path = (p50Ms: number, p99Ms: number, perS: number) => ({ p50Ms, p99Ms, perS, errors: 0 });

Deno.test("targetLines: each mode's ECDSA figures against issue 13's targets", () => {
  const rows: ModeRow[] = [
    ["docker", { concurrency: 1, direct: path(0.45, 2.28, 1949), executor: path(1.83, 4.93, 512) }],
    ["docker", { concurrency: 64, direct: path(8, 21, 7000), executor: path(53, 84, 1190) }],
    ["kubernetes", {
      concurrency: 1,
      direct: path(0.46, 1.33, 1969),
      executor: path(2.35, 5.62, 446),
    }],
    ["kubernetes", { concurrency: 64, direct: path(6, 20, 1000), executor: path(9, 30, 600) }],
  ];
  assert.deepEqual(targetLines(rows), [
    "Against issue 13's targets (ECDSA, this run):",
    "",
    "- docker: p50 +1.38 ms over direct (target ≤ +1.6 ms: met), p99 +2.65 ms (target ≤ +3 ms: " +
    "met), 64 in flight 17 % of direct's tasks/s (target ≥ 60 %: not met)",
    "- kubernetes: p50 +1.89 ms over direct (target ≤ +1.6 ms: not met), p99 +4.29 ms (target ≤ " +
    "+3 ms: not met), 64 in flight 60 % of direct's tasks/s (target ≥ 60 %: met)",
  ]);
});

Deno.test("targetLines: a mode without the rows at 1 or 64 in flight leaves those figures out", () => {
  const only16: ModeRow[] = [
    ["docker", { concurrency: 16, direct: path(2, 9, 5000), executor: path(15, 28, 990) }],
  ];
  assert.deepEqual(targetLines(only16), []);
  const only1: ModeRow[] = [
    ["docker", { concurrency: 1, direct: path(0.5, 2, 1900), executor: path(2, 5.5, 450) }],
  ];
  assert.deepEqual(targetLines(only1).slice(2), [
    "- docker: p50 +1.50 ms over direct (target ≤ +1.6 ms: met), p99 +3.50 ms (target ≤ +3 ms: " +
    "not met)",
  ]);
});

Deno.test("targetLines: a difference is judged as printed, to the hundredth", () => {
  // 2.06 - 0.46 is 1.6000000000000003 in floating point.
  const rows: ModeRow[] = [
    ["docker", { concurrency: 1, direct: path(0.46, 2, 1900), executor: path(2.06, 5, 450) }],
  ];
  assert.match(targetLines(rows)[2], /p50 \+1\.60 ms over direct \(target ≤ \+1\.6 ms: met\)/);
});
