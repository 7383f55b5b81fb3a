import assert from "node:assert/strict";
import { OPERATOR_ENV, OPERATOR_V8_FLAGS_ARG } from "./v8_flags.ts";

const ROOT = new URL("../", import.meta.url).pathname;

Deno.test("operator/Dockerfile compiles the operator with OPERATOR_V8_FLAGS", async () => {
  const dockerfile = await Deno.readTextFile(`${ROOT}operator/Dockerfile`);
  const compile = dockerfile.replace(/\\\n\s*/g, " ").split("\n")
    .find((line) => /^RUN .*\bdeno compile\b/.test(line));
  assert.ok(compile, "a RUN instruction runs deno compile");
  const args = compile.trim().split(/\s+/);
  assert.deepEqual(args.filter((a) => a.startsWith("--v8-flags")), [OPERATOR_V8_FLAGS_ARG]);
});

Deno.test("operator/Dockerfile sets OPERATOR_ENV in the image the binary runs in", async () => {
  const lines = (await Deno.readTextFile(`${ROOT}operator/Dockerfile`)).split("\n");
  const final = lines.slice(lines.findLastIndex((line) => line.startsWith("FROM ")));
  for (const [name, value] of Object.entries(OPERATOR_ENV)) {
    assert.ok(final.includes(`ENV ${name}=${value}`), `ENV ${name}=${value} in the final stage`);
  }
});
