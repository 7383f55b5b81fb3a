/**
 * `deno task compile`: builds the `operator` and `executor` single binaries into `dist/`.
 *
 * `deno compile` needs a `denort` runtime, which it downloads unless `DENORT_BIN` points at one.
 * Where neither works (as on machines without internet access) this says so and exits 0, so a
 * release machine builds the binaries and CI does not fail for lack of a download.
 * @module
 */

import { EXECUTOR_PERMISSIONS, OPERATOR_PERMISSIONS } from "./permissions.ts";

// The same permission sets the tests start the entry points with.
const TARGETS = [
  { name: "operator", entry: "operator/main.ts", permissions: OPERATOR_PERMISSIONS },
  { name: "executor", entry: "executor/main.ts", permissions: EXECUTOR_PERMISSIONS },
];

for (const { name, entry, permissions } of TARGETS) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["compile", ...permissions, "--include", "proto/", "--output", `dist/${name}`, entry],
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
