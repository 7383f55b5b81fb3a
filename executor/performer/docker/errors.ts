/**
 * The docker runtime's domain error. Callers branch on `reason` (stable, for metrics, logs and
 * deploy outcomes), never on message text; the Engine API's own error is kept as `cause`.
 * Messages never carry environment values (they may be secrets).
 * @module
 */

import { ReasonError } from "../../../shared/errors/reason_error.ts";

import { EngineConnectionError } from "./engine_client.ts";

/** Why a docker runtime operation failed. */
export type DockerRuntimeErrorReason =
  /** The instance spec cannot run in docker mode (e.g. a Kubernetes-only env entry). */
  | "InvalidSpec"
  /** The image is not present and could not be pulled. */
  | "ImagePullFailed"
  /** A container with the same name exists already (the performer id was reused). */
  | "NameConflict"
  /** The engine refused to create the container (e.g. the configured network is missing). */
  | "CreateFailed"
  /** The container was created but would not start, or has no published port afterwards. */
  | "StartFailed"
  /** The container is gone (removed outside the executor): recreate rather than restart. */
  | "NotFound"
  /** The engine answered with an error to another operation. */
  | "EngineError"
  /** The engine did not answer (down, or too slow): worth retrying later. */
  | "EngineUnavailable";

/** A docker runtime operation failed. */
export class DockerRuntimeError extends ReasonError<DockerRuntimeErrorReason> {}

/**
 * Wraps an engine failure: `EngineUnavailable` when the engine did not answer, else `reason`.
 * The message ends with the cause's own message so a log line alone tells the whole story.
 */
export function engineFailure(
  reason: DockerRuntimeErrorReason,
  message: string,
  err: unknown,
): DockerRuntimeError {
  const unavailable = err instanceof EngineConnectionError;
  const detail = err instanceof Error ? err.message : String(err);
  return new DockerRuntimeError(
    unavailable ? "EngineUnavailable" : reason,
    `${message}: ${detail}`,
    {
      cause: err,
    },
  );
}
