/**
 * The PerformerService handlers: thin adapters that decode the request, call the AVS's
 * function with an AbortSignal tied to the call's deadline and cancellation, map failures to a
 * status in one place (`toStatus`), and answer exactly once.
 * @module
 */

import * as grpc from "@grpc/grpc-js";
import type { PerformerServiceHandlers } from "../shared/proto/gen/eigenlayer/hourglass/v1/performer/PerformerService.ts";
import { toStatus } from "./_errors.ts";
import type { InFlight } from "./_in_flight.ts";
import type { Logger } from "./_log.ts";
import { decodeTaskId } from "./_task_id.ts";

/** What a task handler receives. */
export interface Task {
  /** The task id, e.g. "0x" + 64 hex digits. */
  taskId: string;
  /** The task's payload, as the aggregator sent it. */
  payload: Uint8Array;
  /** Aborted when the call is cancelled, its deadline passes, or shutdown gives up waiting. */
  signal: AbortSignal;
}

/** Runs one task; returns the result bytes (a string is sent as UTF-8). */
export type TaskHandler = (task: Task) => Promise<Uint8Array | string> | Uint8Array | string;

/** What a StartSync handler receives. */
export interface SyncRequest {
  payload: Uint8Array;
  signal: AbortSignal;
}

/** Handles StartSync; when absent, StartSync answers at once with an empty response. */
export type SyncHandler = (request: SyncRequest) => Promise<void> | void;

/** What the handlers need from the server around them. */
export interface ServiceContext {
  handleTask: TaskHandler;
  startSync?: SyncHandler;
  inFlight: InFlight;
  /** True once shutdown started: new work is refused. */
  draining(): boolean;
  /** True while grpc.health.v1 says SERVING for the whole server. */
  serving(): boolean;
  log: Logger;
}

type UnaryCall = grpc.ServerUnaryCall<unknown, unknown>;

/** The PerformerService implementation over `ctx`. */
export function performerHandlers(ctx: ServiceContext): PerformerServiceHandlers {
  return {
    ExecuteTask(call, callback) {
      const taskId = decodeTaskId(call.request.taskId);
      run(ctx, call, "task", { taskId }, async (signal) => {
        const result = await ctx.handleTask({
          taskId,
          payload: view(call.request.payload),
          signal,
        });
        return { taskId: call.request.taskId, result: bytes(result) };
      }, callback);
    },
    StartSync(call, callback) {
      run(ctx, call, "sync", {}, async (signal) => {
        await ctx.startSync?.({ payload: view(call.request.payload), signal });
        return {};
      }, callback);
    },
    HealthCheck(_call, callback) {
      if (ctx.serving()) callback(null, { status: "READY_FOR_TASK" });
      else callback({ code: grpc.status.UNAVAILABLE, details: "Performer is not serving" });
    },
  };
}

/** Runs `work` for `call` as tracked work and answers the call once. */
function run<T>(
  ctx: ServiceContext,
  call: UnaryCall,
  kind: "task" | "sync",
  fields: Record<string, unknown>,
  work: (signal: AbortSignal) => Promise<T>,
  callback: grpc.sendUnaryData<T>,
): void {
  if (ctx.draining()) {
    ctx.log.warn(`${kind} refused: shutting down`, fields);
    callback({ code: grpc.status.UNAVAILABLE, details: "Performer is shutting down" });
    return;
  }
  const started = performance.now();
  const { controller, settle } = abortWhenCallEnds(call);
  ctx.log.info(`${kind} started`, fields);
  ctx.inFlight.run(controller, () => work(controller.signal)).then(
    (response) => {
      const ended = settle();
      const ms = Math.round(performance.now() - started);
      if (ended) ctx.log.warn(`${kind} finished after its call ended`, { ...fields, ms, ended });
      else ctx.log.info(`${kind} finished`, { ...fields, ms, code: "OK" });
      callback(null, response);
    },
    (err: unknown) => {
      const ended = settle();
      const ms = Math.round(performance.now() - started);
      const status = toStatus(err);
      const code = grpc.status[status.code];
      if (ended) ctx.log.warn(`${kind} abandoned`, { ...fields, ms, ended, error: status.details });
      else ctx.log.error(`${kind} failed`, { ...fields, ms, code, error: status.details });
      callback(status);
    },
  );
}

/**
 * An AbortController aborted when the call ends before we answer it (client cancel, deadline,
 * connection lost). grpc-js also emits "cancelled" after a normal answer, so `settle()` —
 * called right before answering — stops that from aborting anything. It returns why the call
 * had already ended, if it had.
 */
function abortWhenCallEnds(call: UnaryCall) {
  const controller = new AbortController();
  let settled = false;
  let ended: "deadline" | "cancelled" | undefined;
  const onCancelled = () => {
    if (settled || ended) return;
    const deadline = call.getDeadline();
    // grpc-js ends the call on its own deadline timer, a hair before or after our clock says so.
    ended = deadline !== Infinity && Date.now() >= Number(deadline) - 5 ? "deadline" : "cancelled";
    controller.abort(
      ended === "deadline"
        ? new DOMException("The call's deadline passed", "TimeoutError")
        : new DOMException("The caller cancelled the call", "AbortError"),
    );
  };
  call.on("cancelled", onCancelled);
  if (call.cancelled) onCancelled();
  return {
    controller,
    settle(): "deadline" | "cancelled" | undefined {
      settled = true;
      call.off("cancelled", onCancelled);
      return ended;
    },
  };
}

function view(buf: Uint8Array): Uint8Array {
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

function bytes(result: Uint8Array | string): Uint8Array {
  if (typeof result === "string") return new TextEncoder().encode(result);
  if (result instanceof Uint8Array) return result;
  throw new TypeError(`A task handler must return a Uint8Array or a string, got ${typeof result}`);
}
