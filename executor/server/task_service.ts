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

/** Handlers of ExecutorService. */
export function taskServiceHandlers(
  deps: TaskDeps,
  options: { log?: Logger; observe?: TaskObserver } = {},
): grpc.UntypedServiceImplementation {
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
        (result) => {
          answered = true;
          options.observe?.(task.avsAddress, "OK", (performance.now() - started) / 1000);
          options.log?.("info", "task done", { taskId: task.taskId, avs: task.avsAddress });
          callback(null, result);
        },
        (err) => {
          answered = true;
          const status = statusName(err);
          options.observe?.(task.avsAddress, status, (performance.now() - started) / 1000);
          options.log?.("warn", "task failed", {
            taskId: task.taskId,
            avs: task.avsAddress,
            status,
            error: err.message,
          });
          callback(toServiceError(err));
        },
      );
    },
  };
}
