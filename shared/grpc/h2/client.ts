/**
 * A unary gRPC client on our own HTTP/2 connection (connection.ts), for plaintext gRPC to
 * performers without node:http2 (deno#36788). One connection per client, opened on first use
 * and again after it closes (GOAWAY, socket error); calls carry a deadline, can be cancelled
 * with an AbortSignal, and fail with a {@linkcode GrpcError} whose numeric code matches
 * grpc-js's `grpc.status`. Messages are serialized by the grpc-js method definitions that
 * shared/proto/load.ts loads, so no protobuf code is written here.
 * @module
 */

import { Buffer } from "node:buffer";
import { H2Connection, type H2Stream, H2StreamError } from "./connection.ts";
import { ErrorCode } from "./frame.ts";
import type { HeaderField } from "./hpack.ts";
import {
  decodeGrpcMessage,
  GrpcError,
  grpcTimeout,
  Status,
  statusFromHttp,
  statusFromStreamError,
} from "./status.ts";

/** The largest message either way, as grpc-js's default (4 MiB). */
export const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

/** The parts of a grpc-js method definition a unary call needs. */
export interface UnaryMethod<Req, Res> {
  path: string;
  requestSerialize(value: Req): Uint8Array;
  responseDeserialize(bytes: Uint8Array): Res;
}

/** Options of one call. */
export interface CallOptions {
  /** Absolute deadline, epoch milliseconds (required: every outgoing call has one). */
  deadline: number;
  /** Aborting cancels the call (RST_STREAM CANCEL, status CANCELLED). */
  signal?: AbortSignal;
}

/** Options of {@linkcode GrpcClient}. */
export interface GrpcClientOptions {
  /** Give up connecting after this long (default 5 s, or less if the deadline is nearer). */
  connectTimeoutMs?: number;
  /** Largest message in either direction (default {@linkcode MAX_MESSAGE_BYTES}). */
  maxMessageBytes?: number;
}

/** A unary gRPC client for one `host:port`. */
export class GrpcClient {
  readonly address: string;
  readonly #host: string;
  readonly #port: number;
  readonly #options: Required<GrpcClientOptions>;
  #connection?: Promise<H2Connection>;
  #closed = false;
  /** Connections opened so far (for tests and logs). */
  connectionsOpened = 0;

  /** Creates a client for `address` ("host:port"); nothing is dialled before the first call. */
  constructor(address: string, options: GrpcClientOptions = {}) {
    const match = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(address);
    if (!match) throw new TypeError(`Address "${address}" is not host:port`);
    this.address = address;
    this.#host = match[1].replace(/^\[|\]$/g, "");
    this.#port = Number(match[2]);
    this.#options = {
      connectTimeoutMs: options.connectTimeoutMs ?? 5_000,
      maxMessageBytes: options.maxMessageBytes ?? MAX_MESSAGE_BYTES,
    };
  }

  /** Calls a unary method described by a grpc-js method definition. */
  async call<Req, Res>(
    method: UnaryMethod<Req, Res>,
    request: Req,
    options: CallOptions,
  ): Promise<Res> {
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(method.requestSerialize(request));
    } catch (cause) {
      throw new GrpcError(Status.INTERNAL, `Cannot serialize the request: ${cause}`, { cause });
    }
    const response = await this.unary(method.path, bytes, options);
    try {
      // grpc-js deserializers are typed for Buffer; a view over the same bytes, no copy.
      return method.responseDeserialize(
        Buffer.from(response.buffer, response.byteOffset, response.length) as never,
      );
    } catch (cause) {
      throw new GrpcError(Status.INTERNAL, `Cannot parse the response: ${cause}`, { cause });
    }
  }

  /** Makes one unary call with serialized bytes; resolves with the response's bytes. */
  async unary(path: string, message: Uint8Array, options: CallOptions): Promise<Uint8Array> {
    if (message.length > this.#options.maxMessageBytes) {
      throw new GrpcError(
        Status.RESOURCE_EXHAUSTED,
        `Request message of ${message.length} bytes exceeds the maximum of ${this.#options.maxMessageBytes}`,
      );
    }
    // A call the server provably did not process (sent after its GOAWAY's last stream, refused,
    // or never sent because the connection was closing) goes once more on a new connection, as
    // grpc-js's transparent retry does: nothing ran, so even a non-idempotent task is safe.
    for (let attempt = 0;; attempt++) {
      try {
        return await this.#attempt(path, message, options);
      } catch (err) {
        if (!(err instanceof GrpcError && err.unprocessed) || attempt >= 1) throw err;
      }
    }
  }

  async #attempt(path: string, message: Uint8Array, options: CallOptions): Promise<Uint8Array> {
    if (options.signal?.aborted) throw new GrpcError(Status.CANCELLED, "Cancelled before start");
    const remaining = options.deadline - Date.now();
    if (remaining <= 0) {
      throw new GrpcError(Status.DEADLINE_EXCEEDED, "Deadline passed before start");
    }
    let conn: H2Connection;
    try {
      conn = await this.#connect(remaining);
    } catch (err) {
      // Connect failures are final: dialling again at once would fail the same way.
      if (err instanceof GrpcError) throw err;
      if (Date.now() >= options.deadline) {
        throw new GrpcError(
          Status.DEADLINE_EXCEEDED,
          `Deadline exceeded while connecting: ${(err as Error).message}`,
          { cause: err },
        );
      }
      throw new GrpcError(Status.UNAVAILABLE, (err as Error).message, { cause: err });
    }
    return await new UnaryCall(conn, this.#options.maxMessageBytes).run(
      this.#headers(path, options.deadline),
      message,
      options,
    );
  }

  #headers(path: string, deadline: number): HeaderField[] {
    return [
      [":method", "POST"],
      [":scheme", "http"],
      [":path", path],
      [":authority", this.address],
      ["content-type", "application/grpc"],
      ["te", "trailers"],
      ["grpc-timeout", grpcTimeout(deadline - Date.now())],
      ["user-agent", "hourglass-deno-h2/1"],
    ];
  }

  async #connect(remainingMs: number): Promise<H2Connection> {
    if (this.#closed) throw new GrpcError(Status.UNAVAILABLE, "The client is closed");
    if (this.#connection) {
      const conn = await this.#connection.catch(() => undefined);
      if (conn?.usable) return conn;
    }
    const timeoutMs = Math.min(this.#options.connectTimeoutMs, remainingMs);
    const opening = H2Connection.connect(this.#host, this.#port, { timeoutMs });
    this.#connection = opening;
    this.connectionsOpened++;
    // A failed dial is not remembered: the next call dials again.
    opening.catch(() => {
      if (this.#connection === opening) this.#connection = undefined;
    });
    const conn = await opening;
    if (this.#closed) conn.close();
    return conn;
  }

  /**
   * Moves new calls to a fresh connection (e.g. after the peer restarted); calls in flight on the
   * old one finish, then it closes.
   */
  reset(): void {
    this.#connection?.then((c) => c.drain(), () => {});
    this.#connection = undefined;
  }

  /** Closes the connection (GOAWAY); calls in flight fail UNAVAILABLE. */
  close(): void {
    this.#closed = true;
    this.#connection?.then((c) => c.close(), () => {});
    this.#connection = undefined;
  }
}

/** The state of one unary call on a stream. */
class UnaryCall {
  readonly #conn: H2Connection;
  readonly #maxBytes: number;
  #stream?: H2Stream;
  #status?: number;
  #contentType?: string;
  #chunks: Uint8Array[] = [];
  #received = 0;
  #trailers?: Map<string, string>;
  #settle!: { resolve: (bytes: Uint8Array) => void; reject: (err: GrpcError) => void };
  #settled = false;

  constructor(conn: H2Connection, maxBytes: number) {
    this.#conn = conn;
    this.#maxBytes = maxBytes;
  }

  run(headers: HeaderField[], message: Uint8Array, options: CallOptions): Promise<Uint8Array> {
    const result = new Promise<Uint8Array>((resolve, reject) => {
      this.#settle = { resolve, reject };
    });
    const timer = setTimeout(
      () => this.#cancel(Status.DEADLINE_EXCEEDED, "Deadline exceeded"),
      Math.max(0, options.deadline - Date.now()),
    );
    const onAbort = () => this.#cancel(Status.CANCELLED, "Cancelled by the caller");
    options.signal?.addEventListener("abort", onAbort, { once: true });
    this.#start(headers, message);
    return result.finally(() => {
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
    });
  }

  async #start(headers: HeaderField[], message: Uint8Array): Promise<void> {
    const framed = new Uint8Array(5 + message.length);
    new DataView(framed.buffer).setUint32(1, message.length);
    framed.set(message, 5);
    try {
      this.#stream = await this.#conn.openStream(
        headers,
        {
          onHeaders: (fields, end) => this.#onHeaders(fields, end),
          onData: (data) => this.#onData(data),
          onEnd: () => this.#onEnd(),
          onError: (err) => this.#fail(statusFromStreamError(err)),
        },
        false,
        framed,
      );
      if (this.#settled) { // cancelled while waiting for a stream slot
        this.#stream.reset(ErrorCode.CANCEL);
        return;
      }
      if (!this.#stream.localEnded) await this.#stream.sendData(framed, true);
    } catch (err) {
      this.#fail(
        err instanceof H2StreamError
          ? statusFromStreamError(err)
          : new GrpcError(Status.INTERNAL, `Cannot send the request: ${err}`, { cause: err }),
      );
    }
  }

  #onHeaders(fields: HeaderField[], endStream: boolean): void {
    const map = new Map(fields);
    if (this.#status === undefined) {
      this.#status = Number(map.get(":status"));
      this.#contentType = map.get("content-type");
    }
    if (endStream) this.#trailers = map; // trailers, or the headers of a trailers-only response
  }

  #onData(data: Uint8Array): void {
    this.#received += data.length;
    if (this.#received > this.#maxBytes + 5) {
      this.#cancel(
        Status.RESOURCE_EXHAUSTED,
        `Response message larger than the maximum of ${this.#maxBytes} bytes`,
      );
      return;
    }
    this.#chunks.push(data);
  }

  #onEnd(): void {
    const trailers = this.#trailers;
    const grpcStatus = trailers?.get("grpc-status");
    if (this.#status !== 200 && grpcStatus === undefined) {
      return this.#fail(
        new GrpcError(statusFromHttp(this.#status ?? 0), `HTTP status ${this.#status}`),
      );
    }
    if (!this.#contentType?.startsWith("application/grpc") && grpcStatus === undefined) {
      return this.#fail(
        new GrpcError(Status.UNKNOWN, `Response content-type "${this.#contentType}" is not gRPC`),
      );
    }
    if (grpcStatus === undefined) {
      return this.#fail(new GrpcError(Status.INTERNAL, "Response ended without grpc-status"));
    }
    const code = Number(grpcStatus);
    if (code !== Status.OK) {
      const details = decodeGrpcMessage(trailers!.get("grpc-message") ?? "");
      return this.#fail(new GrpcError(Number.isInteger(code) ? code : Status.UNKNOWN, details));
    }
    this.#deliver();
  }

  #deliver(): void {
    const body = concat(this.#chunks, this.#received);
    if (body.length < 5) {
      return this.#fail(new GrpcError(Status.UNIMPLEMENTED, "No message in a unary response"));
    }
    const length = new DataView(body.buffer, body.byteOffset, 5).getUint32(1);
    if (body[0] !== 0) {
      return this.#fail(new GrpcError(Status.INTERNAL, "Compressed response; none negotiated"));
    }
    if (length > this.#maxBytes) {
      return this.#fail(
        new GrpcError(Status.RESOURCE_EXHAUSTED, `Response message of ${length} bytes too large`),
      );
    }
    if (body.length !== 5 + length) {
      return this.#fail(
        new GrpcError(Status.INTERNAL, `Response of ${body.length} bytes is not one message`),
      );
    }
    this.#settled = true;
    this.#settle.resolve(body.subarray(5));
  }

  #cancel(code: number, details: string): void {
    if (this.#settled) return;
    this.#stream?.reset(ErrorCode.CANCEL);
    this.#fail(new GrpcError(code, details));
  }

  #fail(err: GrpcError): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#settle.reject(err);
  }
}

function concat(chunks: Uint8Array[], length: number): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(length);
  let pos = 0;
  for (const c of chunks) {
    out.set(c, pos);
    pos += c.length;
  }
  return out;
}
