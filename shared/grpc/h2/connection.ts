/**
 * An HTTP/2 client connection (RFC 9113) over a plain `Deno.connect` TCP socket: no node:http2,
 * so no nghttp2 and none of its GOAWAY crash (deno#36788). Prior knowledge h2c only (gRPC
 * plaintext), client streams only, no push, no priorities.
 *
 * Flow control: we advertise large receive windows and hand credit back as data arrives (every
 * message is buffered whole by the gRPC layer, which bounds its size); sending waits for the
 * peer's connection and stream windows. A GOAWAY fails the streams the peer did not process
 * (`unprocessed`), lets the others finish, then closes the socket.
 * @module
 */

import {
  DEFAULT_MAX_FRAME_SIZE,
  encodeFrame,
  ErrorCode,
  Flag,
  type Frame,
  FrameParser,
  FrameType,
  goawayPayload,
  H2ProtocolError,
  MAX_WINDOW,
  parseGoaway,
  parsePeerSettings,
  PREFACE,
  readUint32,
  Setting,
  settingsPayload,
  uint32Payload,
  unpad,
} from "./frame.ts";
import { encodeHeaders, type HeaderField, HpackDecoder } from "./hpack.ts";

/** Our receive window per stream and for the connection: a 4 MiB message fits in one go. */

/** After a failed write, how long the read loop gets to take the peer's last frames. */
const WRITE_FAILURE_GRACE_MS = 1_000;

export const RECEIVE_WINDOW = 8 << 20;
const DEFAULT_WINDOW = 65_535;

/** Why a stream failed. */
export type StreamErrorKind =
  /** The peer reset it (RST_STREAM `code`). */
  | "reset"
  /** The peer never processed it (GOAWAY below its id, REFUSED_STREAM, or never sent). */
  | "unprocessed"
  /** The connection broke (socket error, EOF, protocol error, our close()). */
  | "connection";

/** A stream that did not complete normally. */
export class H2StreamError extends Error {
  /** What happened. */
  readonly kind: StreamErrorKind;
  /** The HTTP/2 error code (RST_STREAM or GOAWAY), when there was one. */
  readonly code?: number;

  /** Creates the error. */
  constructor(kind: StreamErrorKind, message: string, options?: ErrorOptions & { code?: number }) {
    super(message, options);
    this.name = "H2StreamError";
    this.kind = kind;
    this.code = options?.code;
  }
}

/** What a stream's owner is told. Exactly one of onEnd / onError is called, once. */
export interface StreamHandlers {
  /** A complete header block (response headers or trailers); `endStream` on the last. */
  onHeaders(fields: HeaderField[], endStream: boolean): void;
  /** A DATA payload (padding removed). */
  onData(data: Uint8Array): void;
  /** The peer ended the stream after its last headers or data. */
  onEnd(): void;
  /** The stream failed. */
  onError(err: H2StreamError): void;
}

/** Options of {@linkcode H2Connection.connect}. */
export interface ConnectOptions {
  /** Give up connecting after this long (default 5 s). */
  timeoutMs?: number;
  /** Called once when the connection is closed, for whatever reason. */
  onClose?: () => void;
}

/** One client stream. */
export class H2Stream {
  readonly id: number;
  readonly #conn: H2Connection;
  readonly handlers: StreamHandlers;
  sendWindow: number;
  receivedUnacked = 0;
  localEnded = false;
  done = false;

  /** Created by {@linkcode H2Connection.openStream}. */
  constructor(conn: H2Connection, id: number, handlers: StreamHandlers, sendWindow: number) {
    this.#conn = conn;
    this.id = id;
    this.handlers = handlers;
    this.sendWindow = sendWindow;
  }

  /** Sends `data` in DATA frames as the peer's windows allow; ends the stream if `endStream`. */
  sendData(data: Uint8Array, endStream: boolean): Promise<void> {
    return this.#conn.sendData(this, data, endStream);
  }

  /** Resets the stream (RST_STREAM `code`, CANCEL by default); the owner gets no more events. */
  reset(code: number = ErrorCode.CANCEL): void {
    this.#conn.resetStream(this, code);
  }
}

/** An HTTP/2 client connection. */
export class H2Connection {
  readonly #socket: Deno.TcpConn;
  readonly #streams = new Map<number, H2Stream>();
  readonly #parser = new FrameParser(DEFAULT_MAX_FRAME_SIZE);
  readonly #hpack = new HpackDecoder(4096);
  readonly #onClose?: () => void;
  #nextStreamId = 1;
  #sendWindow = DEFAULT_WINDOW;
  #peerInitialWindow = DEFAULT_WINDOW;
  #peerMaxFrameSize = DEFAULT_MAX_FRAME_SIZE;
  #peerMaxStreams = Infinity;
  #receivedUnacked = 0;
  #writing: Promise<void> = Promise.resolve();
  #windowWaiters: Array<() => void> = [];
  #slotWaiters: Array<() => void> = [];
  #headerBlock?: { streamId: number; endStream: boolean; parts: Uint8Array[] };
  #goingAway = false;
  #draining = false;
  /** A write failed: nothing more is written; the read loop or a timer ends the connection. */
  #writeFailed = false;
  readonly #ready = Promise.withResolvers<void>();
  #closed = false;

  private constructor(socket: Deno.TcpConn, onClose?: () => void) {
    this.#socket = socket;
    this.#onClose = onClose;
  }

  /** Opens a TCP connection to `host:port` and starts HTTP/2 on it. */
  static async connect(
    host: string,
    port: number,
    options: ConnectOptions = {},
  ): Promise<H2Connection> {
    const timeoutMs = options.timeoutMs ?? 5_000;
    const signal = AbortSignal.timeout(timeoutMs);
    let socket: Deno.TcpConn;
    try {
      socket = await Deno.connect({ hostname: host, port, signal });
    } catch (cause) {
      const why = signal.aborted ? `no connection within ${timeoutMs} ms` : String(cause);
      throw new H2StreamError("unprocessed", `Cannot connect to ${host}:${port}: ${why}`, {
        cause,
      });
    }
    socket.setNoDelay(true);
    const conn = new H2Connection(socket, options.onClose);
    conn.#start();
    // Ready only once the server's SETTINGS arrived (its connection preface), as grpc-go and
    // grpc-js do: a port forwarder (Podman's, a kube-proxy) accepts TCP before anything serves
    // behind it, and a call on such a connection would only wait for its deadline.
    const timer = setTimeout(() => {
      conn.#teardown(
        new H2StreamError(
          "connection",
          `No HTTP/2 SETTINGS from ${host}:${port} within ${timeoutMs} ms`,
        ),
      );
    }, timeoutMs);
    try {
      await conn.#ready.promise;
    } catch (cause) {
      throw new H2StreamError(
        "unprocessed",
        `Cannot connect to ${host}:${port}: ${(cause as Error).message}`,
        { cause },
      );
    } finally {
      clearTimeout(timer);
    }
    return conn;
  }

  /** True while new streams may be opened here. */
  get usable(): boolean {
    return !this.#closed && !this.#goingAway;
  }

  /** Streams open now. */
  get activeStreams(): number {
    return this.#streams.size;
  }

  #start(): void {
    this.#write(
      PREFACE,
      encodeFrame(
        FrameType.SETTINGS,
        0,
        0,
        settingsPayload([
          [Setting.ENABLE_PUSH, 0],
          [Setting.INITIAL_WINDOW_SIZE, RECEIVE_WINDOW],
          [Setting.MAX_FRAME_SIZE, DEFAULT_MAX_FRAME_SIZE],
        ]),
      ),
      encodeFrame(FrameType.WINDOW_UPDATE, 0, 0, uint32Payload(RECEIVE_WINDOW - DEFAULT_WINDOW)),
    );
    this.#readLoop();
  }

  /**
   * Opens a stream and sends its headers (END_STREAM if `endStream`); waits for a free slot under
   * the peer's MAX_CONCURRENT_STREAMS. Fails "unprocessed" when the connection cannot take it.
   * `body`, when it fits the send windows and one frame, is sent with the headers and ends the
   * stream (`localEnded`); otherwise the caller sends it with `sendData`.
   */
  async openStream(
    headers: HeaderField[],
    handlers: StreamHandlers,
    endStream = false,
    body?: Uint8Array,
  ): Promise<H2Stream> {
    while (this.usable && this.#streams.size >= this.#peerMaxStreams) {
      await new Promise<void>((r) => this.#slotWaiters.push(r));
    }
    if (!this.usable) {
      throw new H2StreamError("unprocessed", "The connection is closing; the call was not sent");
    }
    const id = this.#nextStreamId;
    this.#nextStreamId += 2;
    const stream = new H2Stream(this, id, handlers, this.#peerInitialWindow);
    stream.localEnded = endStream;
    this.#streams.set(id, stream);
    const frames = this.#headerFrames(id, encodeHeaders(headers), endStream);
    // A whole request that fits the windows and one frame goes out with its headers, in one write:
    // one segment for the peer to read instead of two (a unary call's usual case).
    const room = Math.min(this.#sendWindow, stream.sendWindow, this.#peerMaxFrameSize);
    if (body && !endStream && body.length <= room) {
      this.#sendWindow -= body.length;
      stream.sendWindow -= body.length;
      frames.push(encodeFrame(FrameType.DATA, Flag.END_STREAM, id, body));
      stream.localEnded = true;
    }
    this.#write(...frames);
    return stream;
  }

  #headerFrames(id: number, block: Uint8Array, endStream: boolean): Uint8Array[] {
    const frames: Uint8Array[] = [];
    const size = this.#peerMaxFrameSize;
    for (let pos = 0; pos === 0 || pos < block.length; pos += size) {
      const chunk = block.subarray(pos, pos + size);
      const last = pos + size >= block.length;
      const flags = (last ? Flag.END_HEADERS : 0) | (pos === 0 && endStream ? Flag.END_STREAM : 0);
      frames.push(
        encodeFrame(pos === 0 ? FrameType.HEADERS : FrameType.CONTINUATION, flags, id, chunk),
      );
    }
    return frames;
  }

  /** See {@linkcode H2Stream.sendData}. */
  async sendData(stream: H2Stream, data: Uint8Array, endStream: boolean): Promise<void> {
    let pos = 0;
    while (pos < data.length) {
      if (stream.done || this.#closed) return; // reset or answered early: stop sending
      const room = Math.min(this.#sendWindow, stream.sendWindow, this.#peerMaxFrameSize);
      if (room <= 0) {
        await new Promise<void>((r) => this.#windowWaiters.push(r));
        continue;
      }
      const chunk = data.subarray(pos, pos + room);
      pos += chunk.length;
      this.#sendWindow -= chunk.length;
      stream.sendWindow -= chunk.length;
      const flags = endStream && pos === data.length ? Flag.END_STREAM : 0;
      this.#write(encodeFrame(FrameType.DATA, flags, stream.id, chunk));
    }
    if (data.length === 0 && endStream && !stream.done) {
      this.#write(encodeFrame(FrameType.DATA, Flag.END_STREAM, stream.id));
    }
    if (endStream) stream.localEnded = true;
    await this.#writing;
  }

  /** See {@linkcode H2Stream.reset}. */
  resetStream(stream: H2Stream, code: number): void {
    if (stream.done) return;
    this.#finish(stream);
    if (!this.#closed) {
      this.#write(encodeFrame(FrameType.RST_STREAM, 0, stream.id, uint32Payload(code)));
    }
  }

  /**
   * Takes no new streams and closes (GOAWAY) once the open ones have ended, so calls in flight
   * finish; the owner opens a new connection for the next call.
   */
  drain(): void {
    if (this.#closed || this.#draining) return;
    this.#draining = true;
    this.#goingAway = true;
    this.#wake();
    this.#maybeCloseIdle();
  }

  /** Sends GOAWAY and closes the socket; open streams fail ("connection"). */
  close(): void {
    if (this.#closed) return;
    this.#write(encodeFrame(FrameType.GOAWAY, 0, 0, goawayPayload(0, ErrorCode.NO_ERROR)));
    this.#teardown(new H2StreamError("connection", "The connection was closed by this client"));
  }

  #write(...chunks: Uint8Array[]): void {
    if (this.#closed || this.#writeFailed) return;
    const bytes = chunks.length === 1 ? chunks[0] : concat(chunks);
    this.#writing = this.#writing.then(async () => {
      if (this.#socket === undefined) return;
      let pos = 0;
      while (pos < bytes.length) pos += await this.#socket.write(bytes.subarray(pos));
    }).catch((cause) => {
      // The peer may have closed after answering everything (a server's graceful close, e.g.
      // one that ends sessions after N streams): its last frames can still be unread. Let the read loop take
      // them and end the connection at EOF; tear down here only if that does not come soon.
      if (this.#writeFailed) return;
      this.#writeFailed = true;
      const err = new H2StreamError("connection", `Cannot write to the connection: ${cause}`, {
        cause,
      });
      this.#goingAway = true;
      const timer = setTimeout(() => this.#teardown(err), WRITE_FAILURE_GRACE_MS);
      Deno.unrefTimer(timer);
    });
  }

  async #readLoop(): Promise<void> {
    const buffer = new Uint8Array(64 * 1024);
    try {
      for (;;) {
        const n = await this.#socket.read(buffer);
        if (n === null) {
          throw new H2StreamError("connection", "The peer closed the connection");
        }
        for (const frame of this.#parser.push(buffer.subarray(0, n))) this.#onFrame(frame);
        if (this.#closed) return;
      }
    } catch (err) {
      if (this.#closed) return;
      if (err instanceof H2ProtocolError) {
        this.#write(encodeFrame(FrameType.GOAWAY, 0, 0, goawayPayload(0, err.code, err.message)));
      }
      const stream = err instanceof H2StreamError ? err : new H2StreamError(
        "connection",
        err instanceof H2ProtocolError
          ? `HTTP/2 protocol error from the peer: ${err.message}`
          : `Connection lost: ${err}`,
        { cause: err },
      );
      this.#teardown(stream);
    }
  }

  #onFrame(frame: Frame): void {
    if (this.#headerBlock && frame.type !== FrameType.CONTINUATION) {
      throw new H2ProtocolError(ErrorCode.PROTOCOL_ERROR, "Expected CONTINUATION");
    }
    switch (frame.type) {
      case FrameType.DATA:
        return this.#onDataFrame(frame);
      case FrameType.HEADERS:
        this.#headerBlock = {
          streamId: frame.streamId,
          endStream: (frame.flags & Flag.END_STREAM) !== 0,
          parts: [unpad(frame)],
        };
        if (frame.flags & Flag.END_HEADERS) this.#onHeaderBlock();
        return;
      case FrameType.CONTINUATION:
        if (this.#headerBlock?.streamId !== frame.streamId) {
          throw new H2ProtocolError(ErrorCode.PROTOCOL_ERROR, "Unexpected CONTINUATION");
        }
        this.#headerBlock.parts.push(frame.payload);
        if (frame.flags & Flag.END_HEADERS) this.#onHeaderBlock();
        return;
      case FrameType.RST_STREAM:
        return this.#onReset(frame);
      case FrameType.SETTINGS:
        return this.#onSettings(frame);
      case FrameType.PUSH_PROMISE:
        throw new H2ProtocolError(ErrorCode.PROTOCOL_ERROR, "PUSH_PROMISE with push disabled");
      case FrameType.PING:
        if (frame.payload.length !== 8) {
          throw new H2ProtocolError(ErrorCode.FRAME_SIZE_ERROR, "PING not 8 bytes");
        }
        if (!(frame.flags & Flag.ACK)) {
          this.#write(encodeFrame(FrameType.PING, Flag.ACK, 0, frame.payload));
        }
        return;
      case FrameType.GOAWAY:
        return this.#onGoaway(frame);
      case FrameType.WINDOW_UPDATE:
        return this.#onWindowUpdate(frame);
      default:
        return; // PRIORITY and unknown types are ignored (RFC 9113 section 5.5)
    }
  }

  #onDataFrame(frame: Frame): void {
    // Flow control counts the whole payload, padding included, even for a closed stream.
    this.#receivedUnacked += frame.payload.length;
    if (this.#receivedUnacked >= RECEIVE_WINDOW / 2) {
      this.#write(encodeFrame(FrameType.WINDOW_UPDATE, 0, 0, uint32Payload(this.#receivedUnacked)));
      this.#receivedUnacked = 0;
    }
    const stream = this.#streams.get(frame.streamId);
    if (!stream) return;
    const endStream = (frame.flags & Flag.END_STREAM) !== 0;
    stream.receivedUnacked += frame.payload.length;
    if (!endStream && stream.receivedUnacked >= RECEIVE_WINDOW / 2) {
      this.#write(
        encodeFrame(FrameType.WINDOW_UPDATE, 0, stream.id, uint32Payload(stream.receivedUnacked)),
      );
      stream.receivedUnacked = 0;
    }
    const data = unpad(frame);
    if (data.length) stream.handlers.onData(data);
    if (endStream) this.#remoteEnd(stream);
  }

  #onHeaderBlock(): void {
    const { streamId, endStream, parts } = this.#headerBlock!;
    this.#headerBlock = undefined;
    // Decode even for a stream we dropped: the dynamic table must stay in step with the peer.
    let fields: HeaderField[];
    try {
      fields = this.#hpack.decode(concat(parts));
    } catch (err) {
      throw new H2ProtocolError(ErrorCode.COMPRESSION_ERROR, (err as Error).message);
    }
    const stream = this.#streams.get(streamId);
    if (!stream) return;
    stream.handlers.onHeaders(fields, endStream);
    if (endStream) this.#remoteEnd(stream);
  }

  #remoteEnd(stream: H2Stream): void {
    if (stream.done) return;
    // A response that ends before our request did: stop sending (RFC 9113 section 8.1).
    const unfinished = !stream.localEnded;
    this.#finish(stream);
    if (unfinished) {
      this.#write(
        encodeFrame(FrameType.RST_STREAM, 0, stream.id, uint32Payload(ErrorCode.NO_ERROR)),
      );
    }
    stream.handlers.onEnd();
  }

  #onReset(frame: Frame): void {
    const code = readUint32(frame);
    const stream = this.#streams.get(frame.streamId);
    if (!stream || stream.done) return;
    this.#finish(stream);
    const kind = code === ErrorCode.REFUSED_STREAM ? "unprocessed" : "reset";
    stream.handlers.onError(
      new H2StreamError(kind, `The peer reset the stream (HTTP/2 error code ${code})`, { code }),
    );
  }

  #onSettings(frame: Frame): void {
    if (frame.flags & Flag.ACK) return;
    if (frame.streamId !== 0) {
      throw new H2ProtocolError(ErrorCode.PROTOCOL_ERROR, "SETTINGS on a stream");
    }
    const settings = parsePeerSettings(frame.payload);
    if (settings.initialWindowSize !== undefined) {
      const delta = settings.initialWindowSize - this.#peerInitialWindow;
      this.#peerInitialWindow = settings.initialWindowSize;
      for (const stream of this.#streams.values()) stream.sendWindow += delta;
    }
    if (settings.maxFrameSize !== undefined) this.#peerMaxFrameSize = settings.maxFrameSize;
    if (settings.maxConcurrentStreams !== undefined) {
      this.#peerMaxStreams = settings.maxConcurrentStreams;
    }
    this.#write(encodeFrame(FrameType.SETTINGS, Flag.ACK, 0));
    this.#ready.resolve();
    this.#wake();
  }

  #onWindowUpdate(frame: Frame): void {
    const increment = readUint32(frame, MAX_WINDOW);
    if (frame.streamId === 0) {
      if (increment === 0) throw new H2ProtocolError(ErrorCode.PROTOCOL_ERROR, "Zero increment");
      this.#sendWindow += increment;
      if (this.#sendWindow > MAX_WINDOW) {
        throw new H2ProtocolError(ErrorCode.FLOW_CONTROL_ERROR, "Connection window overflow");
      }
    } else {
      const stream = this.#streams.get(frame.streamId);
      if (!stream) return;
      stream.sendWindow += increment;
      if (stream.sendWindow > MAX_WINDOW) {
        this.resetStream(stream, ErrorCode.FLOW_CONTROL_ERROR);
        stream.handlers.onError(new H2StreamError("reset", "Stream window overflow"));
      }
    }
    this.#wake();
  }

  #onGoaway(frame: Frame): void {
    const { lastStreamId, code, debug } = parseGoaway(frame.payload);
    this.#goingAway = true;
    for (const stream of [...this.#streams.values()]) {
      if (stream.id <= lastStreamId) continue;
      this.#finish(stream);
      stream.handlers.onError(
        new H2StreamError(
          "unprocessed",
          `The peer is going away (GOAWAY code ${code}${debug ? ` "${debug}"` : ""}); ` +
            `the call was not processed`,
          { code },
        ),
      );
    }
    this.#wake();
    if (code !== ErrorCode.NO_ERROR && this.#streams.size) {
      // An error GOAWAY: what is left will not complete cleanly; fail it now.
      this.#teardown(
        new H2StreamError("connection", `The peer failed the connection (code ${code})`),
      );
    }
    this.#maybeCloseIdle();
  }

  #finish(stream: H2Stream): void {
    stream.done = true;
    this.#streams.delete(stream.id);
    this.#wake();
    this.#maybeCloseIdle();
  }

  #maybeCloseIdle(): void {
    if (this.#goingAway && this.#streams.size === 0) {
      if (this.#draining) {
        this.#write(encodeFrame(FrameType.GOAWAY, 0, 0, goawayPayload(0, ErrorCode.NO_ERROR)));
      }
      this.#teardown(new H2StreamError("connection", "Closed after the peer's GOAWAY"));
    }
  }

  #wake(): void {
    const waiters = [...this.#windowWaiters, ...this.#slotWaiters];
    this.#windowWaiters = [];
    this.#slotWaiters = [];
    for (const wake of waiters) wake();
  }

  #teardown(err: H2StreamError): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#ready.reject(err);
    this.#ready.promise.catch(() => {}); // nobody waits once connected
    for (const stream of [...this.#streams.values()]) {
      stream.done = true;
      stream.handlers.onError(err);
    }
    this.#streams.clear();
    this.#wake();
    // Close after queued frames (a GOAWAY, a RST_STREAM) are written.
    this.#writing.finally(() => {
      try {
        this.#socket.close();
      } catch { /* already closed */ }
      this.#onClose?.();
    });
  }
}

function concat(chunks: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const c of chunks) length += c.length;
  const out = new Uint8Array(length);
  let pos = 0;
  for (const c of chunks) {
    out.set(c, pos);
    pos += c.length;
  }
  return out;
}
