import assert from "node:assert/strict";
import { EXECUTOR_V8_FLAGS_ARG, OPERATOR_ENV, OPERATOR_V8_FLAGS_ARG } from "./v8_flags.ts";

const ROOT = new URL("../", import.meta.url).pathname;

const FLAGS = [
  { name: "operator", arg: OPERATOR_V8_FLAGS_ARG },
  { name: "executor", arg: EXECUTOR_V8_FLAGS_ARG },
];

for (const { name, arg } of FLAGS) {
  Deno.test(`${name}/Dockerfile compiles the ${name} with its V8 flags`, async () => {
    const dockerfile = await Deno.readTextFile(`${ROOT}${name}/Dockerfile`);
    const compile = dockerfile.replace(/\\\n\s*/g, " ").split("\n")
      .find((line) => /^RUN .*\bdeno compile\b/.test(line));
    assert.ok(compile, "a RUN instruction runs deno compile");
    const args = compile.trim().split(/\s+/);
    assert.deepEqual(args.filter((a) => a.startsWith("--v8-flags")), [arg]);
  });

  Deno.test(`deno task ${name} runs the ${name} with its V8 flags`, async () => {
    const { tasks } = JSON.parse(await Deno.readTextFile(`${ROOT}deno.json`));
    const args = String(tasks[name]).split(/\s+/);
    assert.deepEqual(args.filter((a) => a.startsWith("--v8-flags")), [arg]);
    assert.ok(
      args.indexOf(arg) < args.indexOf(`${name}/main.ts`),
      "a deno flag, before the script",
    );
  });
}

Deno.test("operator/Dockerfile sets OPERATOR_ENV in the image the binary runs in", async () => {
  const lines = (await Deno.readTextFile(`${ROOT}operator/Dockerfile`)).split("\n");
  const final = lines.slice(lines.findLastIndex((line) => line.startsWith("FROM ")));
  for (const [name, value] of Object.entries(OPERATOR_ENV)) {
    assert.ok(final.includes(`ENV ${name}=${value}`), `ENV ${name}=${value} in the final stage`);
  }
});
