/**
 * Starting and stopping grpc-js servers the same way everywhere: `bindAsync` (port 0 picks a
 * free port), and a shutdown that lets in-flight calls finish but never hangs. The performer SDK
 * and test servers use these; the executor serves its ports with our own HTTP/2 server instead
 * (h2/server.ts, no node:http2 under it).
 * @module
 */

import * as grpc from "@grpc/grpc-js";
import { BOUNDED_SERVER_OPTIONS, boundServerSessions } from "./bounded_sessions.ts";
import { type GoawayShield, startGoawayShield } from "./goaway_shield.ts";

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
  /**
   * End each HTTP/2 session gracefully after this many streams (two-step GOAWAY), as grpc-go's
   * MaxConnectionAge ends connections; off by default (bounded_sessions.ts says why). For tests
   * of clients against such servers.
   */
  maxStreamsPerSession?: number;
}

/** A server that is bound and serving. */
export interface StartedGrpcServer {
  server: grpc.Server;
  /** The bound port (the chosen one when `port` was 0). */
  port: number;
  /** `host:port` as clients dial it (IPv6 hosts in brackets). */
  address: string;
}

/** The GOAWAY shield in front of each server started here; stopped with it. */
const shields = new WeakMap<grpc.Server, GoawayShield>();

/**
 * Registers `services` and serves them on plaintext `host:port`; resolves once calls are
 * accepted. Clients reach the gRPC server through a GOAWAY shield (goaway_shield.ts): the server
 * itself listens on loopback, and a client's GOAWAY frame never reaches Deno's `node:http2`,
 * where receiving it can abort the process (deno#36788). Idle sessions are closed by us
 * (bounded_sessions.ts). `call.getPeer()` then names the relay: use
 * `clientAddressOf` for the caller's address.
 */
export async function startGrpcServer(options: StartGrpcServerOptions): Promise<StartedGrpcServer> {
  const server = new grpc.Server({ ...BOUNDED_SERVER_OPTIONS, ...options.serverOptions });
  for (const { definition, implementation } of options.services) {
    server.addService(definition, implementation);
  }
  const host = options.host.includes(":") ? `[${options.host}]` : options.host;
  const innerPort = await new Promise<number>((resolve, reject) =>
    server.bindAsync(
      "127.0.0.1:0",
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
  if (options.maxStreamsPerSession) boundServerSessions(server, options.maxStreamsPerSession);
  let shield: GoawayShield;
  try {
    shield = startGoawayShield({
      host: options.host,
      port: options.port,
      target: { hostname: "127.0.0.1", port: innerPort },
    });
  } catch (err) {
    server.forceShutdown();
    throw bindError(host, options.port, err);
  }
  shields.set(server, shield);
  return { server, port: shield.port, address: `${host}:${shield.port}` };
}

/**
 * "Cannot bind the gRPC server to host:port: …" — with the words of grpc-js's own bind error for a
 * port in use (EADDRINUSE …), which operators grep for; `host` as clients dial it.
 */
export function bindError(host: string, port: number, err: unknown): Error {
  const reason = err instanceof Deno.errors.AddrInUse
    ? `EADDRINUSE: ${err.message}`
    : err instanceof Error
    ? err.message
    : String(err);
  return new Error(`Cannot bind the gRPC server to ${host}:${port}: ${reason}`, { cause: err });
}

/** How a server stopped: every call finished, or the grace period ran out. */
export type StopOutcome = "graceful" | "forced";

/**
 * Stops accepting calls, waits up to `graceMs` for in-flight calls to finish (`tryShutdown`),
 * then cancels whatever is left (`forceShutdown`). grpc-js's `tryShutdown` alone can wait
 * forever on a call or stream that never ends (environment.md), hence the timer.
 */
export async function stopGrpcServer(
  server: grpc.Server,
  graceMs: number,
): Promise<StopOutcome> {
  // Stop taking connections at once; relayed ones stay until the server is done with them.
  shields.get(server)?.stopListening();
  const outcome = await shutDown(server, graceMs);
  shields.get(server)?.close();
  return outcome;
}

function shutDown(server: grpc.Server, graceMs: number): Promise<StopOutcome> {
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
