/**
 * The error a task handler throws to choose the gRPC status the executor sees. Any other error
 * becomes INTERNAL with its message.
 * @module
 */

import * as grpc from "@grpc/grpc-js";

/** A gRPC status name other than OK, e.g. "INVALID_ARGUMENT". */
export type PerformerErrorCode = Exclude<keyof typeof grpc.status, "OK">;

/** Options of `PerformerError`. */
export interface PerformerErrorOptions extends ErrorOptions {
  /** The gRPC status to answer with; INTERNAL by default. */
  code?: PerformerErrorCode;
}

/** A task failure with a chosen gRPC status: `new PerformerError("Bad payload", { code: "INVALID_ARGUMENT" })`. */
export class PerformerError extends Error {
  /** The gRPC status name the call ends with. */
  readonly code: PerformerErrorCode;

  /** `message` is sent to the caller as the status details. */
  constructor(message: string, options: PerformerErrorOptions = {}) {
    super(message, options);
    this.name = "PerformerError";
    this.code = options.code ?? "INTERNAL";
  }
}

/** The status a task's failure maps to: the one place that decides it. */
export function toStatus(err: unknown): { code: grpc.status; details: string } {
  if (err instanceof PerformerError) return { code: grpc.status[err.code], details: err.message };
  // A handler that gives up because its signal fired rethrows the signal's reason.
  if (err instanceof DOMException && err.name === "TimeoutError") {
    return { code: grpc.status.DEADLINE_EXCEEDED, details: err.message };
  }
  if (err instanceof DOMException && err.name === "AbortError") {
    return { code: grpc.status.CANCELLED, details: err.message };
  }
  if (err instanceof Error) return { code: grpc.status.INTERNAL, details: err.message || err.name };
  return { code: grpc.status.INTERNAL, details: String(err) };
}
