import assert from "node:assert/strict";
import { parseClusterArgs } from "./main.ts";

Deno.test("deno task cluster: the node simulator is on by default; --node-sim picks its mode", () => {
  assert.deepEqual(parseClusterArgs([]), { keep: false, nodeSim: "process" });
  assert.deepEqual(parseClusterArgs(["--node-sim=status-only"]), {
    keep: false,
    nodeSim: "status-only",
  });
  assert.deepEqual(parseClusterArgs(["--keep", "--node-sim", "none"]), {
    keep: true,
    nodeSim: "none",
  });
  assert.throws(
    () => parseClusterArgs(["--node-sim=kwok"]),
    /--node-sim must be one of process, status-only, none, not "kwok"/,
  );
  assert.throws(() => parseClusterArgs(["--node-sim"]), /--node-sim must be one of/);
  assert.throws(() => parseClusterArgs(["--nodes=3"]), /Unknown flag "--nodes=3"; usage:/);
});
