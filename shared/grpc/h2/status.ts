/**
 * gRPC status codes and the error a call fails with: numeric `code` and `details` like grpc-js's
 * ServiceError, so code that maps grpc-js errors (`err.code === grpc.status.UNAVAILABLE`) works
 * unchanged.
 * @module
 */

import { ErrorCode } from "./frame.ts";
import type { H2StreamError } from "./connection.ts";

/** gRPC status codes (the same numbers as grpc-js's `grpc.status`). */
export const Status = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;

const NAMES = Object.fromEntries(Object.entries(Status).map(([k, v]) => [v, k]));

/** A failed gRPC call. */
export class GrpcError extends Error {
  /** The gRPC status code. */
  readonly code: number;
  /** The status message (the server's grpc-message, or ours for local failures). */
  readonly details: string;
  /** True when the server provably did not process the call (RFC 9113 section 8.7). */
  readonly unprocessed: boolean;

  /** Creates the error; the message is "CODE_NAME: details" like grpc-js's. */
  constructor(
    code: number,
    details: string,
    options?: ErrorOptions & { unprocessed?: boolean },
  ) {
    super(`${code} ${NAMES[code] ?? "UNKNOWN"}: ${details}`, options);
    this.name = "GrpcError";
    this.code = code;
    this.details = details;
    this.unprocessed = options?.unprocessed ?? false;
  }
}

/** The status for a failed HTTP/2 stream (gRPC's PROTOCOL-HTTP2 mapping for RST_STREAM). */
export function statusFromStreamError(err: H2StreamError): GrpcError {
  if (err.kind !== "reset") {
    return new GrpcError(Status.UNAVAILABLE, err.message, {
      cause: err,
      unprocessed: err.kind === "unprocessed",
    });
  }
  const code = err.code === ErrorCode.CANCEL ? Status.CANCELLED : err.code === 0xb // ENHANCE_YOUR_CALM
    ? Status.RESOURCE_EXHAUSTED
    : err.code === 0xc // INADEQUATE_SECURITY
    ? Status.PERMISSION_DENIED
    : Status.INTERNAL;
  return new GrpcError(code, err.message, { cause: err });
}

/** The status for a non-200 HTTP response without grpc-status (gRPC's HTTP-to-gRPC mapping). */
export function statusFromHttp(httpStatus: number): number {
  switch (httpStatus) {
    case 400:
      return Status.INTERNAL;
    case 401:
      return Status.UNAUTHENTICATED;
    case 403:
      return Status.PERMISSION_DENIED;
    case 404:
      return Status.UNIMPLEMENTED;
    case 429:
    case 502:
    case 503:
    case 504:
      return Status.UNAVAILABLE;
    default:
      return Status.UNKNOWN;
  }
}

/** Decodes a grpc-message value: percent-encoded UTF-8 (invalid escapes are kept as they are). */
export function decodeGrpcMessage(value: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < value.length; i++) {
    const hex = value.slice(i + 1, i + 3);
    if (value[i] === "%" && /^[0-9a-fA-F]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(value.charCodeAt(i) & 0xff);
    }
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}

/** The grpc-timeout header for `ms` milliseconds (at most 8 digits, RFC-style units). */
export function grpcTimeout(ms: number): string {
  const whole = Math.max(1, Math.ceil(ms));
  if (whole < 100_000_000) return `${whole}m`;
  const seconds = Math.ceil(whole / 1000);
  if (seconds < 100_000_000) return `${seconds}S`;
  return `${Math.min(99_999_999, Math.ceil(seconds / 3600))}H`;
}
