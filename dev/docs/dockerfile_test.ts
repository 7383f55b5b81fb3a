/**
 * The Dockerfiles spell out their `deno compile` flags (a Dockerfile cannot import them): these
 * tests keep them equal to the permission sets the tests run the binaries with, and check the
 * image shape the docs describe (distroless, numeric non-root user, the binary as entrypoint).
 * @module
 */

import assert from "node:assert/strict";
import { EXECUTOR_PERMISSIONS, OPERATOR_PERMISSIONS } from "../permissions.ts";
import { REPO_ROOT } from "./main.ts";

const IMAGES = [
  { name: "operator", permissions: OPERATOR_PERMISSIONS },
  { name: "executor", permissions: EXECUTOR_PERMISSIONS },
];

/** Instructions of a Dockerfile: comments dropped, `\` continuations joined. */
async function instructions(path: string): Promise<string[]> {
  const source = await Deno.readTextFile(`${REPO_ROOT}${path}`);
  return source.split("\n").filter((line) => !/^\s*#/.test(line)).join("\n")
    .replace(/\\\n/g, " ").split("\n").map((line) => line.trim()).filter((line) => line !== "");
}

/** The arguments of the `deno compile` command in a RUN instruction. */
function compileArgs(lines: string[]): string[] {
  const run = lines.find((line) => /^RUN .*\bdeno compile\b/.test(line));
  assert.ok(run, "a RUN instruction runs deno compile");
  const command = run.slice(run.indexOf("deno compile")).split("&&")[0];
  return command.trim().split(/\s+/).slice(2);
}

for (const { name, permissions } of IMAGES) {
  Deno.test(`${name}/Dockerfile compiles with the permissions of dev/permissions.ts`, async () => {
    const args = compileArgs(await instructions(`${name}/Dockerfile`));
    const flags = args.filter((a) => /^--(allow|deny|unstable)-/.test(a) || a === "-A");
    assert.deepEqual(flags, [...permissions], "keep the Dockerfile and dev/permissions.ts equal");
    assert.equal(args.at(-1), `${name}/main.ts`);
    // The same layout as `deno task compile` (dev/compile.ts): the .proto files inside.
    assert.equal(args[args.indexOf("--include") + 1], "proto/");
    assert.ok(args.includes("--frozen"), "the build uses the committed deno.lock");
  });

  Deno.test(`${name}/Dockerfile runs the binary on distroless as user 65532`, async () => {
    const lines = await instructions(`${name}/Dockerfile`);
    const froms = lines.filter((line) => line.startsWith("FROM "));
    assert.match(froms[0], /^FROM denoland\/deno:\S+ AS build$/);
    assert.equal(froms.at(-1), "FROM gcr.io/distroless/cc-debian12:nonroot");
    const final = lines.slice(lines.lastIndexOf(froms.at(-1)!));
    assert.ok(final.includes("USER 65532:65532"));
    assert.ok(final.includes(`ENTRYPOINT ["/usr/local/bin/${name}"]`));
    assert.ok(final.includes(`COPY --from=build /out/${name} /usr/local/bin/${name}`));
  });
}

Deno.test(".dockerignore keeps what the images build from", async () => {
  const patterns = (await Deno.readTextFile(`${REPO_ROOT}.dockerignore`)).split("\n")
    .map((line) => line.trim()).filter((line) => line !== "" && !line.startsWith("#"));
  const copied = new Set<string>();
  for (const { name } of IMAGES) {
    for (const line of await instructions(`${name}/Dockerfile`)) {
      const copy = /^COPY (?!--from)(.+) \S+$/.exec(line);
      copy?.[1].split(/\s+/).forEach((src) => copied.add(src.replace(/\/$/, "")));
    }
  }
  assert.equal(patterns[0], "*", "an allow-list: everything else stays out");
  for (const source of copied) assert.ok(patterns.includes(`!${source}`), `${source} is sent`);
});
