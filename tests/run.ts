/**
 * `deno task test [deno test args…]`: starts the local control plane once, runs `deno test`
 * with its kubeconfig, stops it, and ends with the line CI reads: `tests: N passed, N failed`.
 *
 * Deno 2.9's `node:http2` can abort the whole process inside nghttp2 when a gRPC session gets a
 * GOAWAY (denoland/deno#36788: SIGABRT or SIGSEGV, no JavaScript error). `deno test` runs the
 * test files one after another in one process, so such a crash would silently skip every file
 * after it. When the test process dies from a signal, the runner says so, and runs the file
 * that was running and the files not yet run again (at most eight times), and the closing line
 * counts the re-runs (`tests: N passed, N failed, N re-run`). An assertion failure is never
 * retried, and neither is a crash of a product process (it fails the test that started it).
 * @module
 */

import { startLocalCluster } from "../dev/cluster/local_cluster.ts";
import { shutdownSignal } from "../shared/runtime/shutdown_signal.ts";
import { CLUSTER_ENV } from "./fixture/cluster.ts";

const ROOT = new URL("../", import.meta.url).pathname;
/**
 * Re-runs after crashes of the test process (never after assertion failures). Eight: in this
 * session's CI runs the test process's own Service client (tests/operator_upgrade_test.ts) was
 * aborted by deno#36788 0–5 times per run; each re-run is listed and counted in the last line.
 */
const MAX_CRASH_RETRIES = 8;
const log = (line: string) => console.error(`[test] ${line}`);
const started = Date.now();
log("starting the local control plane (the first run builds etcd and kube-apiserver: minutes)");
const cluster = await startLocalCluster({ log });
log(`control plane ready in ${seconds(started)} s`);
// Interrupted: stop the control plane rather than leave it to the next run's reaper.
shutdownSignal().then(async (reason) => {
  log(`interrupted (${reason}): stopping the control plane`);
  await cluster.stop();
  Deno.exit(130);
});

const env = {
  [CLUSTER_ENV.kubeconfig]: cluster.kubeconfigPath,
  [CLUSTER_ENV.auditLog]: cluster.auditLogPath,
  [CLUSTER_ENV.etcd]: cluster.etcdEndpoint,
};
const { flags, paths } = splitArgs(Deno.args);
const totals = { passed: 0, failed: 0, ignored: 0 };
/** Each crash of the test process: the file it was running and how it died. */
const reruns: string[] = [];
let failedRun = false;
try {
  let files = await testFiles(paths);
  for (let attempt = 0; files.length > 0; attempt++) {
    const run = await runDenoTest([...flags, ...files], env);
    totals.passed += run.passed;
    totals.failed += run.failed;
    totals.ignored += run.ignored;
    if (run.failed > 0) failedRun = true;
    if (run.signal === undefined) {
      if (run.code !== 0) failedRun = true;
      break;
    }
    const crashed = run.filesStarted.at(-1);
    const done = new Set(run.filesStarted.slice(0, -1).map(normalize));
    files = files.filter((f) => !done.has(normalize(f)));
    log(
      `the test process died from ${run.signal} while running ${crashed ?? "(start-up)"} ` +
        `(a Deno node:http2 crash, denoland/deno#36788)`,
    );
    if (attempt >= MAX_CRASH_RETRIES) {
      log(`it crashed again; not retrying: ${files.length} file(s) did not complete`);
      totals.failed += 1;
      failedRun = true;
      break;
    }
    reruns.push(`${crashed ?? "(start-up)"} (${run.signal})`);
    log(`running the ${files.length} file(s) that did not complete again`);
  }
} finally {
  await cluster.stop();
}
if (failedRun && totals.failed === 0) totals.failed = 1; // e.g. a type error before any test
log(`finished in ${seconds(started)} s`);
const ignored = totals.ignored > 0 ? `, ${totals.ignored} skipped` : "";
// A crash of the test process is never hidden: every re-run is listed and counted in the
// closing line. (Crashes of product processes — executor, operator, performers — are not
// re-run: they fail the test that started them.)
for (const rerun of reruns) log(`re-run after a crash of the test process: ${rerun}`);
const rerun = reruns.length > 0 ? `, ${reruns.length} re-run` : "";
console.log(`tests: ${totals.passed} passed, ${totals.failed} failed${ignored}${rerun}`);
Deno.exit(failedRun ? 1 : 0);

/** Flags for `deno test` (e.g. `--filter x`) and the paths given, if any. */
function splitArgs(args: string[]): { flags: string[]; paths: string[] } {
  const flags: string[] = [];
  const paths: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i].startsWith("-")) {
      flags.push(args[i]);
      // Flags that take a value as the next argument.
      if (["--filter", "--reporter", "--shuffle"].includes(args[i]) && i + 1 < args.length) {
        flags.push(args[++i]);
      }
    } else paths.push(args[i]);
  }
  return { flags, paths };
}

/** The test files `deno test` would run for these paths (all `*_test.ts` by default), in order. */
async function testFiles(paths: string[]): Promise<string[]> {
  const found: string[] = [];
  const walk = async (path: string) => {
    const abs = path.startsWith("/") ? path : `${ROOT}${path}`;
    const info = await Deno.stat(abs);
    if (info.isFile) return void found.push(abs);
    for await (const entry of Deno.readDir(abs)) {
      if (entry.name === "node_modules" || entry.name.startsWith(".")) continue;
      const child = `${abs.replace(/\/$/, "")}/${entry.name}`;
      if (entry.isDirectory) await walk(child);
      else if (/(^|[_.])test\.(ts|tsx|js|mjs)$/.test(entry.name)) found.push(child);
    }
  };
  for (const path of paths.length > 0 ? paths : ["."]) await walk(path);
  return found.sort();
}

/** An absolute path, whether `deno test` printed it relative to the root or as a URL. */
function normalize(path: string): string {
  return new URL(path, `file://${ROOT}`).pathname;
}

interface RunResult {
  code: number;
  signal?: string;
  passed: number;
  failed: number;
  ignored: number;
  /** Files in the order `deno test` started them. */
  filesStarted: string[];
}

/** Runs deno test, echoing its output and reading its progress and closing summary. */
async function runDenoTest(args: string[], env: Record<string, string>): Promise<RunResult> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["test", "-A", "--unstable-kv", ...args],
    cwd: ROOT,
    env: { ...env, NO_COLOR: "1" },
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const result: RunResult = { code: 0, passed: 0, failed: 0, ignored: 0, filesStarted: [] };
  let summarySeen = false;
  let buffered = "";
  const decoder = new TextDecoder();
  const read = (line: string) => {
    const file = /^running \d+ tests? from (.+)$/.exec(line)?.[1];
    if (file) result.filesStarted.push(file);
    if (/^(ok|FAILED) \| \d+ passed/.test(line)) {
      summarySeen = true;
      result.passed = Number(/(\d+) passed/.exec(line)?.[1] ?? 0);
      result.failed = Number(/(\d+) failed/.exec(line)?.[1] ?? 0);
      result.ignored = Number(/(\d+) ignored/.exec(line)?.[1] ?? 0);
    }
  };
  const passedBefore: number[] = [];
  const failedBefore: { file: number; test: string }[] = [];
  for await (const chunk of child.stdout) {
    await Deno.stdout.write(chunk);
    buffered += decoder.decode(chunk, { stream: true });
    const lines = buffered.split("\n");
    buffered = lines.pop() ?? "";
    for (const line of lines) {
      read(line);
      // Without a summary (a crash), count the finished tests of completed files ourselves.
      if (/^\S.* \.\.\. ok( |$)/.test(line)) passedBefore.push(result.filesStarted.length);
      const failed = /^(\S.*) \.\.\. FAILED( |$)/.exec(line)?.[1];
      if (failed) failedBefore.push({ file: result.filesStarted.length, test: failed });
    }
  }
  read(buffered);
  const status = await child.status;
  result.code = status.code;
  if (!summarySeen && (status.signal || status.code >= 128)) {
    result.signal = status.signal ?? `exit code ${status.code}`;
    // Tests of the crashed file will run again; only those of completed files count.
    const completed = result.filesStarted.length - 1;
    result.passed = passedBefore.filter((fileCount) => fileCount <= completed).length;
    // Failures of completed files count too: their files are not run again, and the crash
    // took the closing ERRORS section with it, so they are named here.
    const failures = failedBefore.filter((f) => f.file <= completed);
    result.failed = failures.length;
    for (const f of failures) {
      console.error(
        `[test] FAILED before the crash: ${f.test} (${result.filesStarted[f.file - 1]})`,
      );
    }
  }
  return result;
}

function seconds(since: number): number {
  return Math.round((Date.now() - since) / 1000);
}
