/**
 * The V8 flags (and the operator's malloc setting) the binaries run with: baked into their images
 * by `operator/Dockerfile` and `executor/Dockerfile` (`deno compile --v8-flags=…`, `ENV`; checked
 * by `v8_flags_test.ts`), and passed wherever a binary is started here (`deno task compile`,
 * `deno task dev`, the `operator` and `executor` tasks, the executor's test fixture, the
 * benchmark), so that what is measured is what ships.
 *
 * The operator's, measured at 1,000 Performers created at once (operator alone against the local
 * control plane, node simulator status-only; peak RSS, CPU seconds): no flags 207 MiB, 8.5 s;
 * `--max-semi-space-size=1` 171 MiB, 9.6 s; `--optimize-for-size` 154 MiB, 10.9 s; both 154 MiB,
 * 9.6 s. The live heap after creation was 57 MiB (45 MiB of it the code and objects loaded at
 * start), so the default young generation (up to 16 MiB semi-spaces) and V8's generous heap growth
 * were most of the difference. Neither caps the heap: a larger cluster costs memory, not a crash.
 *
 * Measured again once the operator stopped loading `@kubernetes/client-node` (about 60 MiB of it;
 * `shared/kube/rest.ts`), `deno task bench --skip-executor --n 1000` on the shared 2-core machine
 * (load 3–7), RSS as the bench reads it: VmRSS, current, right after every Performer is Ready,
 * which is the issue's "RSS at 1000 Performers". Both flags: 105.6 and 108.6 MiB, CPU 5.6–5.8 s
 * (HTTP/2 to the API server; on HTTP/1.1 117.5–127.0 MiB in 4 runs; with client-node 152.4–159.5
 * MiB, 7.0–10.0 s in 4 runs). `--max-semi-space-size=1` without `--optimize-for-size` (HTTP/1.1):
 * 192.4 MiB, 4.5 s, 1 run. So `--optimize-for-size` is still worth its CPU.
 * @module
 */

/** V8 flags of the operator, as V8 takes them (one comma-separated `--v8-flags` value). */
export const OPERATOR_V8_FLAGS: readonly string[] = [
  "--max-semi-space-size=1",
  "--optimize-for-size",
];

/** The `deno run` / `deno compile` argument that sets `OPERATOR_V8_FLAGS`. */
export const OPERATOR_V8_FLAGS_ARG = `--v8-flags=${OPERATOR_V8_FLAGS.join(",")}`;

/**
 * Environment of the operator's process (`ENV` in `operator/Dockerfile`). glibc's malloc keeps
 * an arena per thread (up to 8 per core) and Deno's runtime threads allocate outside the V8 heap:
 * two arenas cost less resident memory. Same measurement as above, with both V8 flags, two runs
 * each: peak RSS 156 and 154 MiB without, 150 and 143 MiB with `MALLOC_ARENA_MAX=2`, CPU seconds
 * within noise (10.1–11.8 s).
 */
export const OPERATOR_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: "2" };

/**
 * V8 flags of the executor. A young generation of at most 8 MiB semi-spaces instead of V8's 16.
 * A task allocates about 110 KiB (HTTP/2, protobuf, hex and keccak buffers), so with the default
 * the executor scavenged every ~150 tasks, and a scavenge of the larger young generation paused
 * it 2.2–2.5 ms on average (up to 11 ms): the tasks it landed on made the p99. Measured with the
 * docker-mode executor alone on the shared 2-core machine (hello on Podman, 3,000 tasks at 1 in
 * flight after 1,000 warm-up, `--trace-gc`), 5 rounds alternated: default — 26 scavenges, mean
 * pause 2.2–2.5 ms, p50 1.91 ms, p99 5.60–6.34 (mean 5.93), p99.9 mean 11.5; 8 MiB — 82
 * scavenges, mean pause 0.9–1.1 ms (at most 4.9), p50 1.91, p99 4.90–5.69 (mean 5.18), p99.9
 * mean 9.9; 4 MiB — 158 scavenges of 0.6 ms, p99 mean 5.30 but p50 1.99. Then 6 alternated runs
 * each of 2,000 tasks at 1 and at 64 in flight: p99 at 1 in flight 5.73 → 5.21 ms (mean), 64 in
 * flight 1,102 → 1,114 tasks/s (no change).
 *
 * And no Liftoff: V8 compiles WebAssembly with its baseline compiler first and moves hot functions
 * to TurboFan as they run, but libsecp256k1 (`tiny-secp256k1`, the three ECDSA operations of every
 * task) stays measurably slower that way even after 12,000 operations: sign 121–130 µs, recover
 * 275–306 µs with the default tiering, 105–107 and 230–240 µs with `--no-liftoff` (every function
 * compiled by TurboFan up front); `--no-wasm-dynamic-tiering` does not do it. In process
 * (`tests/bench/task_path.ts`, 3,000 tasks, two alternated runs each) `executeSubmission` ran
 * 1,359 and 1,424 → 1,533 and 1,532 ECDSA tasks/s at 64 in flight, p50 at 1 in flight 1.16 and
 * 1.04 → 1.11 and 0.94 ms. BN254 (mcl-wasm) is unchanged (sign 239 µs, verify 3.1–3.2 ms either
 * way). The price is at start: compiling mcl-wasm up front takes ~200 ms more (loading the BN254
 * module 75–100 → 284–315 ms); resident memory is the same (88–91 MiB after loading both).
 * Through gRPC (docker mode, hello on Podman, alternated pairs of 2,000 ECDSA tasks) the
 * executor's CPU per task (its process, /proc) fell 1.09 → 0.96 ms at 64 in flight and 1.99 →
 * 1.83 ms at 1 in flight (means of three pairs); its latency and throughput moved by about the
 * shared machine's drift: over six pairs p50 at 1 in flight 0.07 ms lower and 64 in flight 2 %
 * higher on average, pair by pair between −0.37 and +0.27 ms, −77 and +116 tasks/s.
 */
export const EXECUTOR_V8_FLAGS: readonly string[] = ["--max-semi-space-size=8", "--no-liftoff"];

/** The `deno run` / `deno compile` argument that sets `EXECUTOR_V8_FLAGS`. */
export const EXECUTOR_V8_FLAGS_ARG = `--v8-flags=${EXECUTOR_V8_FLAGS.join(",")}`;
