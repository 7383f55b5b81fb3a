/**
 * `ExecutorService.SubmitTask`: a thin adapter from the gRPC call to `executeSubmission`, with
 * an AbortSignal tied to the call's cancellation and deadline, and errors mapped in one place.
 * @module
 */

import type * as grpc from "@grpc/grpc-js";
import type { Logger } from "../../shared/runtime/log.ts";
import { executeSubmission, type TaskDeps } from "../task/pipeline.ts";
import type { TaskSubmissionMessage } from "../task/validate.ts";
import { deadlineOf, statusName, toServiceError } from "./grpc_status.ts";

/** Observes each finished task (status name, seconds), for metrics. */
export type TaskObserver = (avs: string, status: string, seconds: number) => void;

/** Longest id or address a log line carries; callers may send anything. */
const MAX_LOGGED = 80;

/** Longest error message a log line carries. */
const MAX_LOGGED_ERROR = 500;

function clip(value: unknown, max = MAX_LOGGED): string {
  const text = String(value ?? "");
  return text.length > max ? `${text.slice(0, max)}…(${text.length} chars)` : text;
}

/** Handlers of ExecutorService. */
export function taskServiceHandlers(
  deps: TaskDeps,
  options: { log?: Logger; observe?: TaskObserver } = {},
): grpc.UntypedServiceImplementation {
  // Metric labels come from what this executor serves, never from the caller: any other AVS
  // is counted as "unknown", so malformed or hostile calls cannot grow /metrics.
  const avsLabel = (avs: unknown) => {
    const key = typeof avs === "string" ? avs.toLowerCase() : "";
    return deps.avs.has(key) ? key : "unknown";
  };
  return {
    SubmitTask(
      call: grpc.ServerUnaryCall<TaskSubmissionMessage, unknown>,
      callback: grpc.sendUnaryData<unknown>,
    ) {
      const started = performance.now();
      const abort = new AbortController();
      let answered = false;
      // grpc-js also emits "cancelled" after a normal answer; only an early one aborts the task.
      call.on("cancelled", () => {
        if (!answered) abort.abort(new Error("The caller cancelled the task"));
      });
      const task = call.request;
      executeSubmission(deps, task, { deadline: deadlineOf(call), signal: abort.signal }).then(
        // The answer goes out first; the metric and the log line (a write to stdout) after it.
        (result) => {
          answered = true;
          const seconds = (performance.now() - started) / 1000;
          callback(null, result);
          options.observe?.(avsLabel(task.avsAddress), "OK", seconds);
          options.log?.("info", "task done", { taskId: task.taskId, avs: task.avsAddress });
        },
        (err) => {
          answered = true;
          const seconds = (performance.now() - started) / 1000;
          const status = statusName(err);
          callback(toServiceError(err));
          options.observe?.(avsLabel(task.avsAddress), status, seconds);
          options.log?.("warn", "task failed", {
            taskId: clip(task.taskId),
            avs: clip(task.avsAddress),
            status,
            // A performer's error can carry what the task's payload said (hello echoes it).
            error: clip(err.message, MAX_LOGGED_ERROR),
          });
        },
      );
    },
  };
}
