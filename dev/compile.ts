/**
 * `deno task compile`: builds the `operator` and `executor` single binaries into `dist/`.
 *
 * `deno compile` needs a `denort` runtime, which it downloads unless `DENORT_BIN` points at one.
 * Where neither works (as on machines without internet access) this says so and exits 0, so a
 * release machine builds the binaries and CI does not fail for lack of a download.
 * @module
 */

import { EXECUTOR_PERMISSIONS, OPERATOR_PERMISSIONS } from "./permissions.ts";
import { EXECUTOR_V8_FLAGS_ARG, OPERATOR_V8_FLAGS_ARG } from "./v8_flags.ts";

// The same permission sets the tests start the entry points with, and the V8 flags of the images.
const TARGETS = [
  {
    name: "operator",
    entry: "operator/main.ts",
    flags: [...OPERATOR_PERMISSIONS, OPERATOR_V8_FLAGS_ARG],
  },
  {
    name: "executor",
    entry: "executor/main.ts",
    flags: [...EXECUTOR_PERMISSIONS, EXECUTOR_V8_FLAGS_ARG],
  },
];

for (const { name, entry, flags } of TARGETS) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["compile", ...flags, "--include", "proto/", "--output", `dist/${name}`, entry],
    stdout: "inherit",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  if (out.success) {
    console.log(`built dist/${name}`);
    continue;
  }
  if (
    !Deno.env.get("DENORT_BIN") &&
    /denort|download|dl\.deno\.land|error sending request/i.test(stderr)
  ) {
    console.error(
      `deno compile cannot fetch its runtime here (no internet access); set DENORT_BIN to a denort ` +
        `binary to build dist/${name}. Skipped.\n${stderr.trim().split("\n").slice(-3).join("\n")}`,
    );
    Deno.exit(0);
  }
  console.error(stderr);
  Deno.exit(1);
}
