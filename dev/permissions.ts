/**
 * The Deno permissions each binary runs with — the same set `deno task compile` bakes into the
 * binaries and the tests start the entry points with, so the tests prove the set is enough.
 *
 * Not `-A`: no subprocesses, no FFI, no writes for the operator.
 * @module
 */

/** The operator: talks to the API server, serves probes and metrics, reads its kubeconfig. */
export const OPERATOR_PERMISSIONS: readonly string[] = [
  "--allow-net",
  "--allow-read",
  "--allow-env",
];

/**
 * The executor: gRPC and HTTP servers, the Docker socket or API server, its config and keystores
 * (read), its store (write: Deno KV), the environment (overrides, valueFromEnv). `--allow-sys=uid`
 * because Node's fs compatibility layer asks for it when the proto files are loaded.
 */
export const EXECUTOR_PERMISSIONS: readonly string[] = [
  "--allow-net",
  "--allow-read",
  "--allow-write",
  "--allow-env",
  "--allow-sys=uid",
  "--unstable-kv",
];
