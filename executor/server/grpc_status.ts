/**
 * The one place where domain errors become gRPC statuses.
 * @module
 */

import * as grpc from "@grpc/grpc-js";
import { TaskError, type TaskErrorCode } from "../task/errors.ts";

const STATUS: Record<TaskErrorCode, grpc.status> = {
  InvalidArgument: grpc.status.INVALID_ARGUMENT,
  AlreadyExists: grpc.status.ALREADY_EXISTS,
  PermissionDenied: grpc.status.PERMISSION_DENIED,
  NotFound: grpc.status.NOT_FOUND,
  ResourceExhausted: grpc.status.RESOURCE_EXHAUSTED,
  Unavailable: grpc.status.UNAVAILABLE,
  DeadlineExceeded: grpc.status.DEADLINE_EXCEEDED,
  FailedPrecondition: grpc.status.FAILED_PRECONDITION,
  Aborted: grpc.status.ABORTED,
  Unauthenticated: grpc.status.UNAUTHENTICATED,
  Unimplemented: grpc.status.UNIMPLEMENTED,
  Internal: grpc.status.INTERNAL,
};

/** An error as a grpc-js ServiceError with the right status and a readable message. */
export function toServiceError(err: unknown): Partial<grpc.ServiceError> {
  if (err instanceof TaskError) {
    return { code: STATUS[err.code], details: err.message, message: err.message };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { code: grpc.status.INTERNAL, details: message, message };
}

/** The status name of a TaskError code, for metrics and logs. */
export function statusName(err: unknown): string {
  return err instanceof TaskError ? err.code : "Internal";
}

/** A call's deadline in epoch milliseconds, if it has one. */
export function deadlineOf(call: { getDeadline(): grpc.Deadline }): number | undefined {
  const deadline = call.getDeadline();
  const ms = deadline instanceof Date ? deadline.getTime() : Number(deadline);
  return Number.isFinite(ms) && ms > 0 ? ms : undefined;
}
