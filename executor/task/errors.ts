/**
 * Failures of the task path, each with the gRPC status an aggregator receives. Mapping to
 * `@grpc/grpc-js` status numbers happens once, in the server adapter.
 * @module
 */

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

/** A task that could not be done, and why, in words for the aggregator's operator. */
export class TaskError extends Error {
  /** The gRPC status to answer with. */
  readonly code: TaskErrorCode;
  /** Whether the task was sent to a performer (and so may have run). */
  readonly reachedPerformer: boolean;

  constructor(
    code: TaskErrorCode,
    message: string,
    options?: ErrorOptions & { reachedPerformer?: boolean },
  ) {
    super(message, options);
    this.name = "TaskError";
    this.code = code;
    this.reachedPerformer = options?.reachedPerformer ?? false;
  }
}
