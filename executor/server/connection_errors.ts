/**
 * What the executor does when its gRPC server closes a connection for the client's protocol
 * error or abuse or an unanswered keepalive PING, or refuses one at a connection cap
 * (shared/grpc/h2/server.ts `onConnectionError`): every one is counted in
 * `hourglass_executor_grpc_connection_errors_total{code}`, and logged at warn level — at most one
 * line per `intervalMs` (default 1 s), the next line saying how many were left out, so a client
 * that opens bad connections in a loop cannot flood the log.
 * @module
 */

import type { ConnectionErrorEvent } from "../../shared/grpc/h2/server.ts";
import type { Logger } from "../../shared/runtime/log.ts";

/** Dependencies of {@linkcode connectionErrorReporter}. */
export interface ConnectionErrorReporterDeps {
  log: Logger;
  /** Counts one closed connection by its HTTP/2 error code name. */
  count(code: string): void;
  /** Milliseconds now (tests pass a fake clock). */
  now?: () => number;
  /** The least time between two log lines (default 1,000 ms). */
  intervalMs?: number;
}

/** The `onConnectionError` callback for the executor's gRPC servers. */
export function connectionErrorReporter(
  deps: ConnectionErrorReporterDeps,
): (event: ConnectionErrorEvent) => void {
  const now = deps.now ?? Date.now;
  const intervalMs = deps.intervalMs ?? 1_000;
  let lastLogged = -Infinity;
  let leftOut = 0;
  return (event) => {
    deps.count(event.code);
    const t = now();
    if (t - lastLogged < intervalMs) {
      leftOut++;
      return;
    }
    lastLogged = t;
    deps.log(
      "warn",
      "gRPC connection closed: a protocol error, an abuse limit, a connection cap or no keepalive answer",
      {
        peer: event.peer,
        code: event.code,
        reason: event.reason,
        ...(leftOut > 0 ? { notLoggedSinceLastLine: leftOut } : {}),
      },
    );
    leftOut = 0;
  };
}
