/**
 * Where a performer listens, from its environment: `GRPC_PORT` (9090, the port executors and
 * the operator expect) and `HOURGLASS_BIND_HOST` ("0.0.0.0"; a node simulator gives each
 * performer on one machine its own loopback address, such as 127.0.3.7).
 * @module
 */

/** The port performers listen on when nothing says otherwise. */
export const DEFAULT_GRPC_PORT = 9090;
/** The address performers bind when nothing says otherwise. */
export const DEFAULT_BIND_HOST = "0.0.0.0";

/** Reads `GRPC_PORT`; throws naming the variable when it is not a port number. */
export function portFromEnv(env: (name: string) => string | undefined): number {
  const raw = env("GRPC_PORT")?.trim();
  if (!raw) return DEFAULT_GRPC_PORT;
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port > 65535) {
    throw new RangeError(`GRPC_PORT must be a port number from 0 to 65535, got "${raw}"`);
  }
  return port;
}

/** Reads `HOURGLASS_BIND_HOST`. */
export function hostFromEnv(env: (name: string) => string | undefined): string {
  return env("HOURGLASS_BIND_HOST")?.trim() || DEFAULT_BIND_HOST;
}

/** `Deno.env.get`, answering undefined where env access is not permitted. */
export function readEnv(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined;
  }
}
