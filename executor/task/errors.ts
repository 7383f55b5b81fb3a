/**
 * Failures of the task path, each with the gRPC status an aggregator receives. Mapping to
 * `@grpc/grpc-js` status numbers happens once, in the server adapter.
 * @module
 */

import { ReasonError } from "../../shared/errors/reason_error.ts";

/** gRPC status names the task path can end with. */
export type TaskErrorCode =
  | "InvalidArgument"
  | "AlreadyExists"
  | "PermissionDenied"
  | "NotFound"
  | "ResourceExhausted"
  | "Unavailable"
  | "DeadlineExceeded"
  | "FailedPrecondition"
  | "Aborted"
  | "Unauthenticated"
  | "Unimplemented"
  | "Internal";

/**
 * A task that could not be done, and why, in words for the aggregator's operator. Its `reason`
 * is the gRPC status name it is answered with (`code` says the same).
 */
export class TaskError extends ReasonError<TaskErrorCode> {
  /** Whether the task was sent to a performer (and so may have run). */
  readonly reachedPerformer: boolean;

  constructor(
    code: TaskErrorCode,
    message: string,
    options?: ErrorOptions & { reachedPerformer?: boolean },
  ) {
    super(code, message, options);
    this.reachedPerformer = options?.reachedPerformer ?? false;
  }

  /** The gRPC status to answer with (the reason). */
  get code(): TaskErrorCode {
    return this.reason;
  }
}
