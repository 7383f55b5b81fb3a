import assert from "node:assert/strict";
import { measureInterleaved } from "./executor_tasks.ts";

Deno.test("measureInterleaved: B's CPU time per call counts B's blocks only", async () => {
  // A stand-in CPU clock: calls of B cost 2 ms of "CPU", calls of A cost 5 ms. B's figure must
  // come out at 2, whatever A did in between.
  let cpuSeconds = 0;
  const order: string[] = [];
  const [a, b] = await measureInterleaved(
    64,
    1,
    () => {
      cpuSeconds += 0.005;
      order.push("a");
      return Promise.resolve();
    },
    () => {
      cpuSeconds += 0.002;
      order.push("b");
      return Promise.resolve();
    },
    () => Promise.resolve(cpuSeconds),
  );
  assert.equal(b.cpuMsPerCall, 2);
  assert.equal(a.cpuMsPerCall, undefined);
  // 64 calls at 1 in flight: four blocks of 16, alternating.
  assert.deepEqual(
    order.filter((_, i) => i % 16 === 0),
    ["a", "b", "a", "b", "a", "b", "a", "b"],
  );
  assert.equal(a.errors + b.errors, 0);
});
