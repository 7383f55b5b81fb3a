/**
 * Starting and stopping grpc-js servers the same way everywhere: `bindAsync` (port 0 picks a
 * free port), and a shutdown that lets in-flight calls finish but never hangs.
 * @module
 */

import * as grpc from "@grpc/grpc-js";
import { BOUNDED_SERVER_OPTIONS, boundServerSessions } from "./bounded_sessions.ts";

/** A service to register: its definition and its handlers. */
export interface GrpcService {
  definition: grpc.ServiceDefinition;
  // grpc-js types handlers per service; any service's typed handlers fit this shape.
  implementation: grpc.UntypedServiceImplementation;
}

/** Options of `startGrpcServer`. */
export interface StartGrpcServerOptions {
  /** Address to bind, e.g. "0.0.0.0", "127.0.3.7" or "::1". */
  host: string;
  /** Port to bind; 0 picks a free one. */
  port: number;
  /** The services to serve. */
  services: GrpcService[];
  /** grpc-js server options (keepalive, message sizes, …). */
  serverOptions?: grpc.ServerOptions;
}

/** A server that is bound and serving. */
export interface StartedGrpcServer {
  server: grpc.Server;
  /** The bound port (the chosen one when `port` was 0). */
  port: number;
  /** `host:port` as clients dial it (IPv6 hosts in brackets). */
  address: string;
}

/**
 * Registers `services` and binds plaintext `host:port`; resolves once the server accepts calls.
 * Every HTTP/2 session is kept short and idle ones are closed by us (bounded_sessions.ts:
 * deno#36788 aborts a process that receives a GOAWAY on a long session).
 */
export async function startGrpcServer(options: StartGrpcServerOptions): Promise<StartedGrpcServer> {
  const server = new grpc.Server({ ...BOUNDED_SERVER_OPTIONS, ...options.serverOptions });
  for (const { definition, implementation } of options.services) {
    server.addService(definition, implementation);
  }
  const host = options.host.includes(":") ? `[${options.host}]` : options.host;
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(
      `${host}:${options.port}`,
      grpc.ServerCredentials.createInsecure(),
      (err, bound) => err ? reject(err) : resolve(bound),
    )
  ).catch((err: unknown) => {
    server.forceShutdown();
    const reason = err instanceof Error ? err.message : String(err);
    throw new Error(`Cannot bind the gRPC server to ${host}:${options.port}: ${reason}`, {
      cause: err,
    });
  });
  boundServerSessions(server);
  return { server, port, address: `${host}:${port}` };
}

/** How a server stopped: every call finished, or the grace period ran out. */
export type StopOutcome = "graceful" | "forced";

/**
 * Stops accepting calls, waits up to `graceMs` for in-flight calls to finish (`tryShutdown`),
 * then cancels whatever is left (`forceShutdown`). grpc-js's `tryShutdown` alone can wait
 * forever on a call or stream that never ends (environment.md), hence the timer.
 */
export function stopGrpcServer(server: grpc.Server, graceMs: number): Promise<StopOutcome> {
  return new Promise((resolve) => {
    let settled = false;
    const timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      server.forceShutdown();
      resolve("forced");
    }, graceMs);
    server.tryShutdown(() => {
      clearTimeout(timer);
      if (settled) return;
      settled = true;
      resolve("graceful");
    });
  });
}
