import assert from "node:assert/strict";
import { OPERATOR_V8_FLAGS_ARG } from "./v8_flags.ts";

const ROOT = new URL("../", import.meta.url).pathname;

Deno.test("operator/Dockerfile compiles the operator with OPERATOR_V8_FLAGS", async () => {
  const dockerfile = await Deno.readTextFile(`${ROOT}operator/Dockerfile`);
  const compile = dockerfile.replace(/\\\n\s*/g, " ").split("\n")
    .find((line) => /^RUN .*\bdeno compile\b/.test(line));
  assert.ok(compile, "a RUN instruction runs deno compile");
  const args = compile.trim().split(/\s+/);
  assert.deepEqual(args.filter((a) => a.startsWith("--v8-flags")), [OPERATOR_V8_FLAGS_ARG]);
});
