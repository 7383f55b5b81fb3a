/**
 * The performer SDK: how an AVS team writes a performer for Hourglass.
 *
 * ```ts
 * import { PerformerError, servePerformer } from "./sdk/mod.ts";
 *
 * await servePerformer({
 *   async handleTask({ taskId, payload, signal }) {
 *     if (payload.length === 0) throw new PerformerError("Empty payload", { code: "INVALID_ARGUMENT" });
 *     return await compute(payload, signal); // bytes (or a string, sent as UTF-8)
 *   },
 * });
 * ```
 *
 * It listens on `HOURGLASS_BIND_HOST:GRPC_PORT` (default 0.0.0.0:9090), serves
 * `eigenlayer.hourglass.v1.performer.PerformerService` and `grpc.health.v1.Health`, and drains
 * running tasks on SIGTERM/SIGINT. Logs are JSON lines on stderr.
 * @module
 */

export { PerformerError, type PerformerErrorCode, type PerformerErrorOptions } from "./_errors.ts";
export { DEFAULT_BIND_HOST, DEFAULT_GRPC_PORT } from "./_env.ts";
export { type LogEntry, type Logger, type LogSink, performerLogger } from "./_log.ts";
export {
  PERFORMER_SERVICE_NAME,
  type RunningPerformer,
  servePerformer,
  type ServePerformerOptions,
} from "./_serve.ts";
export type { SyncHandler, SyncRequest, Task, TaskHandler } from "./_service.ts";
export { decodeTaskId } from "./_task_id.ts";
