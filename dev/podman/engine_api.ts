/**
 * A minimal Docker Engine API client over a unix socket (Docker's or Podman's compatible API)
 * for tools and tests: the executor's own client (executor/performer/docker/engine_client.ts)
 * bound to one socket, with the small `request(method, path, body)` shape tests read well.
 * @module
 */

import { createEngineClient } from "../../executor/performer/docker/engine_client.ts";

/** An error answer of the Engine API (`status`, e.g. 404, and the engine's message). */
export { EngineApiError } from "../../executor/performer/docker/engine_client.ts";

/** A Docker Engine API client bound to one socket. */
export interface EngineClient {
  /** The unix socket this client talks to. */
  socketPath: string;
  /** Sends `method path` with an optional JSON body; resolves with the parsed JSON answer. */
  request<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
  /** True when `GET /_ping` answers "OK". */
  ping(): Promise<boolean>;
  /** Releases the client's connections. */
  close(): void;
}

// Tools wait for containers (POST …/wait, stop with a grace): more room than the executor's 30 s.
const TIMEOUT_MS = 120_000;

/** A client for the Engine API served on `socketPath`. */
export function engineClient(socketPath: string): EngineClient {
  const client = createEngineClient({ host: `unix://${socketPath}`, timeoutMs: TIMEOUT_MS });
  return {
    socketPath,
    request: <T>(method: string, path: string, body?: unknown) =>
      client.request<T>(method, path, { body }),
    ping: () => client.ping(),
    close: () => client.close(),
  };
}
