import assert from "node:assert/strict";
import { OPERATOR_PERMISSIONS } from "../dev/permissions.ts";
import { OPERATOR_SETTINGS } from "../shared/config/operator_config.ts";

const MAIN = new URL("./main.ts", import.meta.url).pathname;

/** Runs the operator's entry point with the permissions it ships with. */
async function operator(args: string[], env: Record<string, string> = {}) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", ...OPERATOR_PERMISSIONS, MAIN, ...args],
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code: out.code, stdout: decode(out.stdout), stderr: decode(out.stderr) };
}

Deno.test("bad settings exit 2, every problem listed with its source", async () => {
  const { code, stderr } = await operator(["--concurrency=0", "--log-format=xml"], {
    OPERATOR_KUBE_API_BURST: "0",
  });
  assert.equal(code, 2);
  assert.match(stderr, /^operator: Invalid operator settings:\n/);
  for (const line of ["OPERATOR_KUBE_API_BURST: must be ≥ 1", "--concurrency: must be ≥ 1"]) {
    assert.ok(stderr.includes(`\n  ${line}\n`), line);
  }
  assert.ok(stderr.includes("\n  --log-format: "));
});

Deno.test("an unknown flag exits 2", async () => {
  const { code, stderr } = await operator(["--leader-elect-id=x"]);
  assert.equal(code, 2);
  assert.equal(stderr, "operator: unknown flag --leader-elect-id (see --help)\n");
});

Deno.test("--help lists every flag and exits 0, whatever the other settings", async () => {
  const { code, stdout } = await operator(["--help"], { OPERATOR_CONCURRENCY: "0" });
  assert.equal(code, 0);
  for (const s of OPERATOR_SETTINGS) assert.ok(stdout.includes(`  --${s.flag}`), s.flag);
});
