/**
 * `servePerformer`: a performer's whole server. It serves PerformerService and grpc.health.v1,
 * reports SERVING once listening, and on SIGTERM/SIGINT (or the caller's signal) drains:
 * NOT_SERVING first (so the executor stops sending), refuse new tasks, wait for running ones,
 * then stop the server.
 * @module
 */

import type * as grpc from "@grpc/grpc-js";
import { HealthServer } from "../shared/grpc/health_server.ts";
import { startGrpcServer, stopGrpcServer } from "../shared/grpc/server.ts";
import { performerProto } from "../shared/proto/load.ts";
import { hostFromEnv, portFromEnv, readEnv } from "./_env.ts";
import { InFlight } from "./_in_flight.ts";
import { type Logger, type LogSink, makeLogger, stderrSink } from "./_log.ts";
import { performerHandlers, type SyncHandler, type TaskHandler } from "./_service.ts";

/** The fully-qualified name of the performer service, also a grpc.health.v1 service name. */
export const PERFORMER_SERVICE_NAME = "eigenlayer.hourglass.v1.performer.PerformerService";

/** Options of `servePerformer`. */
export interface ServePerformerOptions {
  /** Runs one task (ExecuteTask). */
  handleTask: TaskHandler;
  /** Handles StartSync; without it StartSync answers at once. */
  startSync?: SyncHandler;
  /** Port to listen on; env GRPC_PORT, else 9090. 0 picks a free port. */
  port?: number;
  /** Address to bind; env HOURGLASS_BIND_HOST, else "0.0.0.0". */
  host?: string;
  /** Shuts the performer down when aborted. */
  signal?: AbortSignal;
  /** Also shut down on SIGTERM and SIGINT; true unless `signal` is given. */
  handleSignals?: boolean;
  /** Report SERVING once listening (default); false starts NOT_SERVING until `health` says so. */
  serving?: boolean;
  /** How long shutdown waits for running tasks before aborting them; 25 s by default. */
  drainTimeoutMs?: number;
  /** Name in every log record; "performer" by default. */
  name?: string;
  /** Where log records go; JSON lines on stderr by default. */
  logSink?: LogSink;
  /** grpc-js server options (message size limits, keepalive, …). */
  serverOptions?: grpc.ServerOptions;
}

/** A performer that is listening. */
export interface RunningPerformer {
  /** The bound address, "host:port". */
  address: string;
  /** The bound port (the chosen one when `port` was 0). */
  port: number;
  /** The health service; `setStatus("", "NOT_SERVING")` takes the performer out of rotation. */
  health: HealthServer;
  /** How many tasks are running now. */
  inFlight(): number;
  /** Starts the graceful shutdown (idempotent) and resolves once the server has stopped. */
  shutdown(reason?: string): Promise<void>;
  /** Resolves once the performer has stopped, whatever started the shutdown. */
  finished: Promise<void>;
}

// Past the drain, only health calls and stragglers remain: do not wait long for them.
const STOP_GRACE_MS = 2_000;
// After aborting the remaining tasks, give their handlers a moment to answer.
const ABORT_GRACE_MS = 1_000;

/** Serves a performer until SIGTERM/SIGINT or `signal`; resolves once it is listening. */
export async function servePerformer(options: ServePerformerOptions): Promise<RunningPerformer> {
  const log = makeLogger(options.logSink ?? stderrSink, { performer: options.name ?? "performer" });
  const host = options.host ?? hostFromEnv(readEnv);
  const port = options.port ?? portFromEnv(readEnv);
  const health = new HealthServer();
  const inFlight = new InFlight();
  let draining = false;
  const service = {
    definition: performerProto().eigenlayer.hourglass.v1.performer.PerformerService.service,
    implementation: performerHandlers({
      handleTask: options.handleTask,
      startSync: options.startSync,
      inFlight,
      draining: () => draining,
      serving: () => health.status("") === "SERVING",
      log,
    }),
  };
  const started = await startGrpcServer({
    host,
    port,
    services: [service, health],
    serverOptions: options.serverOptions,
  });
  const initial = options.serving === false ? "NOT_SERVING" : "SERVING";
  health.setStatus("", initial);
  health.setStatus(PERFORMER_SERVICE_NAME, initial);
  log.info("performer listening", { address: started.address, health: initial });

  const finished = Promise.withResolvers<void>();
  let stopping: Promise<void> | undefined;
  const shutdown = (reason = "shutdown requested") => {
    draining = true;
    stopping ??= drainAndStop({ ...started, health, inFlight, log, options }, reason)
      .finally(() => {
        removeTriggers();
        finished.resolve();
      });
    return stopping;
  };
  const removeTriggers = onShutdownTrigger(options, shutdown);
  return {
    address: started.address,
    port: started.port,
    health,
    inFlight: () => inFlight.size,
    shutdown,
    finished: finished.promise,
  };
}

/** The graceful shutdown, once new work is refused: NOT_SERVING, drain, stop the server. */
async function drainAndStop(
  ctx: {
    server: grpc.Server;
    health: HealthServer;
    inFlight: InFlight;
    log: Logger;
    options: ServePerformerOptions;
  },
  reason: string,
): Promise<void> {
  const { health, inFlight, log } = ctx;
  health.shutdown();
  log.info("shutting down: NOT_SERVING, draining tasks", { reason, inFlight: inFlight.size });
  const drainMs = ctx.options.drainTimeoutMs ?? 25_000;
  if (!await inFlight.drained(drainMs)) {
    log.warn("tasks still running after the drain timeout: aborting them", {
      inFlight: inFlight.size,
      drainTimeoutMs: drainMs,
    });
    inFlight.abortAll(new DOMException("The performer is shutting down", "AbortError"));
    await inFlight.drained(ABORT_GRACE_MS);
  }
  // Open Watch streams would hold the connections and make the server wait for them.
  health.endWatches();
  const outcome = await stopGrpcServer(ctx.server, STOP_GRACE_MS);
  log.info("performer stopped", { outcome });
}

/** Calls `trigger` on SIGTERM/SIGINT and when `options.signal` aborts; returns the remover. */
function onShutdownTrigger(
  options: ServePerformerOptions,
  trigger: (reason: string) => void,
): () => void {
  const removers: (() => void)[] = [];
  if (options.signal) {
    const onAbort = () => trigger("signal aborted");
    if (options.signal.aborted) queueMicrotask(onAbort);
    options.signal.addEventListener("abort", onAbort, { once: true });
    removers.push(() => options.signal?.removeEventListener("abort", onAbort));
  }
  if (options.handleSignals ?? options.signal === undefined) {
    let received = 0;
    for (const sig of ["SIGTERM", "SIGINT"] as const) {
      // A second signal means "now": whoever sent it is done waiting for the drain.
      const listener = () => {
        received++;
        if (received > 1) Deno.exit(128 + (sig === "SIGINT" ? 2 : 15));
        trigger(sig);
      };
      Deno.addSignalListener(sig, listener);
      removers.push(() => Deno.removeSignalListener(sig, listener));
    }
  }
  return () => removers.splice(0).forEach((remove) => remove());
}
