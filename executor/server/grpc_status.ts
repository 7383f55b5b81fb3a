/**
 * The one place where the executor's errors become gRPC statuses, by each error's stable
 * `reason` (never its message): task-path errors (TaskError, whose reason is the status),
 * deploy errors (DeployError, by reason and — for a start that failed — by the runtime error
 * behind it), runtime errors of both modes, and signature errors. Anything else is INTERNAL.
 *
 * Deploy codes follow the Go executor where it has one (a deploy already running:
 * ALREADY_EXISTS; not healthy in time: DEADLINE_EXCEEDED); a performer that cannot run as
 * asked (image, crash loop, scheduling, config) is FAILED_PRECONDITION; an unreachable engine or
 * API server is UNAVAILABLE.
 * @module
 */

import * as grpc from "@grpc/grpc-js";
import { ReasonError } from "../../shared/errors/reason_error.ts";
import { DockerRuntimeError, type DockerRuntimeErrorReason } from "../performer/docker/errors.ts";
import {
  KubernetesRuntimeError,
  type KubernetesRuntimeErrorReason,
} from "../performer/kubernetes/errors.ts";
import { DeployError, type DeployErrorReason } from "../performer/lifecycle.ts";
import { SignatureError } from "../signing/errors.ts";
import { TaskError, type TaskErrorCode } from "../task/errors.ts";

const S = grpc.status;

const TASK: Record<TaskErrorCode, grpc.status> = {
  InvalidArgument: S.INVALID_ARGUMENT,
  AlreadyExists: S.ALREADY_EXISTS,
  PermissionDenied: S.PERMISSION_DENIED,
  NotFound: S.NOT_FOUND,
  ResourceExhausted: S.RESOURCE_EXHAUSTED,
  Unavailable: S.UNAVAILABLE,
  DeadlineExceeded: S.DEADLINE_EXCEEDED,
  FailedPrecondition: S.FAILED_PRECONDITION,
  Aborted: S.ABORTED,
  Unauthenticated: S.UNAUTHENTICATED,
  Unimplemented: S.UNIMPLEMENTED,
  Internal: S.INTERNAL,
};

/** Deploy reasons; StartFailed is refined by the runtime error that caused it. */
const DEPLOY: Record<DeployErrorReason, grpc.status> = {
  DeployInProgress: S.ALREADY_EXISTS,
  NotStaged: S.FAILED_PRECONDITION,
  StartFailed: S.INTERNAL,
  NotHealthy: S.DEADLINE_EXCEEDED,
};

const DOCKER: Record<DockerRuntimeErrorReason, grpc.status> = {
  InvalidSpec: S.FAILED_PRECONDITION,
  ImagePullFailed: S.FAILED_PRECONDITION,
  NameConflict: S.ALREADY_EXISTS,
  CreateFailed: S.FAILED_PRECONDITION,
  StartFailed: S.FAILED_PRECONDITION,
  NotFound: S.NOT_FOUND,
  EngineError: S.INTERNAL,
  EngineUnavailable: S.UNAVAILABLE,
};

const KUBERNETES: Record<KubernetesRuntimeErrorReason, grpc.status> = {
  InvalidSpec: S.FAILED_PRECONDITION,
  ClusterUnreachable: S.UNAVAILABLE,
  CrdMissing: S.FAILED_PRECONDITION,
  Unauthorized: S.INTERNAL,
  Forbidden: S.INTERNAL,
  AlreadyExists: S.ALREADY_EXISTS,
  NotFound: S.NOT_FOUND,
  Deleted: S.ABORTED,
  ImagePullFailed: S.FAILED_PRECONDITION,
  CrashLooping: S.FAILED_PRECONDITION,
  Unschedulable: S.FAILED_PRECONDITION,
  ContainerConfigError: S.FAILED_PRECONDITION,
  NotReady: S.DEADLINE_EXCEEDED,
  Cancelled: S.CANCELLED,
  ApiError: S.INTERNAL,
};

/** The gRPC status for an error (INTERNAL for anything without a mapped reason). */
export function statusFor(err: unknown): grpc.status {
  if (err instanceof TaskError) return TASK[err.reason];
  if (err instanceof DeployError) {
    if (err.reason === "StartFailed" && err.cause instanceof ReasonError) {
      const behind = statusFor(err.cause);
      if (behind !== S.INTERNAL) return behind;
    }
    return DEPLOY[err.reason];
  }
  if (err instanceof DockerRuntimeError) return DOCKER[err.reason];
  if (err instanceof KubernetesRuntimeError) return KUBERNETES[err.reason];
  if (err instanceof SignatureError) return S.PERMISSION_DENIED;
  return S.INTERNAL;
}

/** An error as a grpc-js ServiceError with its status and a readable message. */
export function toServiceError(err: unknown): Partial<grpc.ServiceError> {
  const message = err instanceof Error ? err.message : String(err);
  return { code: statusFor(err), details: message, message };
}

/** The error's reason for metrics and logs: TaskError codes, else the class's reason. */
export function statusName(err: unknown): string {
  if (err instanceof ReasonError) return err.reason;
  return "Internal";
}

/** A call's deadline in epoch milliseconds, if it has one. */
export function deadlineOf(call: { getDeadline(): grpc.Deadline }): number | undefined {
  const deadline = call.getDeadline();
  const ms = deadline instanceof Date ? deadline.getTime() : Number(deadline);
  return Number.isFinite(ms) && ms > 0 ? ms : undefined;
}
