/**
 * A gRPC server for unary and server-streaming methods on our own HTTP/2 code (frame.ts,
 * hpack.ts) over plain TCP: h2c with prior knowledge, no TLS, no node:http2 (so no nghttp2 and no
 * GOAWAY abort, deno#36788, and no shield in front). It serves grpc-js `ServiceDefinition`s with
 * grpc-js-shaped handlers (unary `impl(call, callback)`, server-streaming `impl(call)` with
 * `call.write`/`call.end`), so existing implementations plug in unchanged. Client-streaming and
 * bidirectional methods are refused when registered (nothing here serves one).
 *
 * Per connection: preface check, SETTINGS exchange, PING and SETTINGS acks, flow control both
 * ways (stream credit goes back as DATA arrives, connection credit within the memory budgets
 * below; responses wait for the peer's windows), client
 * GOAWAY (open calls finish, then the socket closes), protocol errors (GOAWAY with the code),
 * and limits: concurrent streams (REFUSED_STREAM beyond), client resets and pings per window
 * (ENHANCE_YOUR_CALM), header block and header list size, message size, idle time; keepalive
 * PINGs to a silent client while streams are open (closed when it answers none).
 * Frames produced in one turn go out in one socket write.
 *
 * Memory: request bytes buffered (incomplete requests) plus the connection credit the client
 * holds are kept within a per-connection budget and, across connections, a per-server budget;
 * connection credit (WINDOW_UPDATE on stream 0) is withheld at a budget and handed back as bytes
 * are released (request dispatched, stream reset or closed, connection closed). A connection at
 * its budget whose buffered requests are all incomplete refuses its youngest (REFUSED_STREAM, safe
 * to retry) so the older ones can finish.
 * @module
 */

import { Buffer } from "node:buffer";
import { EventEmitter } from "node:events";
import * as grpc from "@grpc/grpc-js";
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
import { Status } from "./status.ts";
import { bindError, type GrpcService, type StopOutcome } from "../server.ts";

/** ENHANCE_YOUR_CALM (RFC 9113 section 7): the peer is abusing the connection. */
const ENHANCE_YOUR_CALM = 0xb;
const DEFAULT_WINDOW = 65_535;
/** The gRPC message prefix: compressed flag and length. */
const PREFIX_BYTES = 5;
/** Our receive window per stream; credit is handed back as DATA arrives. */
const STREAM_WINDOW = 1 << 20;
/** Our receive window for the connection, at most (the budgets may hold it lower). */
const CONNECTION_WINDOW = 8 << 20;

/**
 * A connection the server closed for the client's misbehaviour (a GOAWAY with an error code), or
 * refused at a connection cap.
 */
export interface ConnectionErrorEvent {
  /** "ip:port" of the client. */
  peer: string;
  /**
   * The HTTP/2 error code's name, e.g. "PROTOCOL_ERROR" or "ENHANCE_YOUR_CALM"; "STALLED" for a
   * client that read nothing of what we sent for a minute (closed without a GOAWAY);
   * "ADDRESS_CONNECTION_LIMIT" and "CONNECTION_LIMIT" for a connection closed as it was accepted,
   * its address or the server at `maxConnectionsPerAddress` or `maxConnections`;
   * "KEEPALIVE_TIMEOUT" for a client with open streams that answered no keepalive PING.
   */
  code: string;
  /** What was wrong, in our words (never the client's bytes). */
  reason: string;
}

/** Options of {@linkcode H2GrpcServer}. */
export interface H2GrpcServerOptions {
  /**
   * Told of each connection closed for a protocol error or abuse (bad preface, malformed frames,
   * too many resets, no SETTINGS in time…), for logs and metrics.
   */
  onConnectionError?: (event: ConnectionErrorEvent) => void;
  /** Largest request or response message (default 4 MiB). */
  maxMessageBytes?: number;
  /** SETTINGS_MAX_CONCURRENT_STREAMS; streams beyond are refused (default 1000). */
  maxConcurrentStreams?: number;
  /** SETTINGS_MAX_HEADER_LIST_SIZE (default 16 KiB). */
  maxHeaderListBytes?: number;
  /** Close a connection without open streams after this long (default 5 min). */
  idleTimeoutMs?: number;
  /**
   * While a connection has open streams and its client has sent nothing for this long, PING it
   * (default 2 min). A server-streaming call (a health Watch) on a connection whose client
   * vanished without a FIN would otherwise stay open until the kernel's TCP keepalive gives up,
   * two hours and more by default. grpc-go's server keepalive (Time, Timeout) does the same.
   */
  keepaliveIntervalMs?: number;
  /**
   * Close the connection when nothing at all comes back within this long of such a PING
   * (default 20 s; `code` KEEPALIVE_TIMEOUT, no GOAWAY: nobody is reading it).
   */
  keepaliveTimeoutMs?: number;
  /** Client resets (and refused streams) allowed per `abuseWindowMs` (default 1000). */
  maxResetsPerWindow?: number;
  /** Close a connection without the preface and SETTINGS after this long (default 10 s). */
  handshakeTimeoutMs?: number;
  /**
   * Close a connection whose client has read nothing of a backlog of our answers for this long
   * (default 60 s). While backlogged (1 MiB unwritten) the server reads no more of its requests.
   */
  writeStallTimeoutMs?: number;
  /** Connections beyond this many are closed at once (default 10,000). */
  maxConnections?: number;
  /**
   * Connections one client address may hold; beyond, its new ones are closed at once (default
   * 100). A gRPC client needs one (an aggregator's channel, an `hgctl` call); the cap keeps one
   * client that leaks or hoards connections from taking the server's `maxConnections`. Clients
   * behind one NAT or proxy address share it.
   */
  maxConnectionsPerAddress?: number;
  /**
   * PING, SETTINGS, PRIORITY, unknown-type, empty DATA and empty CONTINUATION frames allowed per
   * `abuseWindowMs` (default 1000).
   */
  maxControlFramesPerWindow?: number;
  /** The window of the two limits above (default 10 s). */
  abuseWindowMs?: number;
  /**
   * Per-connection budget: request bytes buffered (incomplete requests) plus the connection credit
   * the client holds never exceed it; credit is withheld at the budget and handed back as bytes are
   * released. At least `maxMessageBytes` + 5 + 65,535 (one largest request, its gRPC prefix and
   * the connection's initial window), so a single request always completes on an otherwise idle
   * connection (default 16 MiB, or that minimum when larger). A smaller value is a RangeError.
   */
  maxConnectionBufferedBytes?: number;
  /**
   * Per-server budget: the same across all connections (default 256 MiB, at least the
   * per-connection budget). Only each connection's initial 65,535-byte window (RFC 9113, not ours
   * to withhold) can take the total past it. A value below the per-connection budget is a
   * RangeError.
   */
  maxServerBufferedBytes?: number;
}

/** A service error as grpc-js handlers pass it to the callback. */
export interface ServiceErrorLike {
  code?: number;
  details?: string;
  message?: string;
  metadata?: grpc.Metadata;
}

/** The grpc-js-like call object a unary handler gets. */
export class H2ServerUnaryCall<Req = unknown> extends EventEmitter {
  /** The deserialized request. */
  readonly request: Req;
  readonly #headers: Map<string, string>;
  #metadata?: grpc.Metadata;
  /** True once the client reset the stream, the connection ended or the deadline passed. */
  cancelled = false;
  readonly #peer: string;
  readonly #deadline: number;
  readonly #path: string;
  /** Metadata to send with the response headers (`sendMetadata`). */
  initialMetadata?: grpc.Metadata;

  /** Created by the server for each call. */
  constructor(
    request: Req,
    headers: Map<string, string>,
    peer: string,
    deadline: number,
    path: string,
  ) {
    super();
    this.request = request;
    this.#headers = headers;
    this.#peer = peer;
    this.#deadline = deadline;
    this.#path = path;
  }

  /** The request's metadata (binary `-bin` values decoded); built on first use. */
  get metadata(): grpc.Metadata {
    this.#metadata ??= toMetadata(this.#headers);
    return this.#metadata;
  }

  /** The request's :authority. */
  getHost(): string {
    return this.#headers.get(":authority") ?? "";
  }

  /** "ip:port" of the client. */
  getPeer(): string {
    return this.#peer;
  }

  /** The call's deadline (a Date), or Infinity without grpc-timeout, as grpc-js. */
  getDeadline(): grpc.Deadline {
    return Number.isFinite(this.#deadline) ? new Date(this.#deadline) : Infinity;
  }

  /** The method's path, e.g. "/grpc.health.v1.Health/Check". */
  getPath(): string {
    return this.#path;
  }

  /** Metadata to send with the response headers (before the answer). */
  sendMetadata(metadata: grpc.Metadata): void {
    this.initialMetadata = metadata;
  }
}

/**
 * The grpc-js-like call object a server-streaming handler gets: `write` a message at a time,
 * `end` with optional trailing metadata. Messages wait for the client's flow-control windows;
 * a client that stops reading while the handler keeps writing has its call ended with
 * RESOURCE_EXHAUSTED once `maxQueuedBytes` are waiting, rather than growing our memory.
 */
export class H2ServerWritableStream<Req = unknown, Res = unknown> extends H2ServerUnaryCall<Req> {
  /** Set by the server: queues one serialized message, or ends the call with trailers. */
  #sink?: StreamSink;

  /** Created by the server for each call. */
  constructor(
    request: Req,
    headers: Map<string, string>,
    peer: string,
    deadline: number,
    path: string,
    sink: StreamSink,
  ) {
    super(request, headers, peer, deadline, path);
    this.#sink = sink;
  }

  /**
   * Sends one message. Returns false once messages are waiting for the client to read them (as a
   * Node.js stream's `write` does); they are still sent. Ignored after `end` or cancellation.
   */
  write(message: Res): boolean {
    if (this.cancelled || !this.#sink) return false;
    return this.#sink.write(message);
  }

  /** Ends the call with status OK (and `metadata` as trailers); later writes are ignored. */
  end(metadata?: grpc.Metadata): void {
    const sink = this.#sink;
    this.#sink = undefined;
    if (!this.cancelled) sink?.end(metadata);
  }
}

/** Where a server-streaming call's messages go (the connection). */
interface StreamSink {
  write(message: unknown): boolean;
  end(trailer?: grpc.Metadata): void;
}

type ServerStreamingImpl = (call: H2ServerWritableStream) => void;

type UnaryImpl = (
  call: H2ServerUnaryCall,
  callback: (
    err: ServiceErrorLike | null | undefined,
    value?: unknown,
    trailer?: grpc.Metadata,
  ) => void,
) => void;

type Route =
  & {
    deserialize(bytes: Buffer): unknown;
    serialize(value: unknown): Uint8Array;
  }
  & (
    | { streaming: false; impl?: UnaryImpl }
    | { streaming: true; impl?: ServerStreamingImpl }
  );

const utf8 = new TextEncoder();
const RESPONSE_HEADERS = encodeHeaders([[":status", "200"], ["content-type", "application/grpc"]]);
const OK_TRAILERS = encodeHeaders([["grpc-status", "0"]]);
/** Request headers that are transport, not metadata. */
const NOT_METADATA = new Set(["te", "content-type", "grpc-timeout", "grpc-encoding", "connection"]);
const EMPTY = new Uint8Array(0);
/**
 * Bytes queued for a connection's socket but not yet written: at the high-water mark the server
 * stops reading the connection and sending DATA on it, until the client has read the queue down
 * to the low-water mark. A client that sends requests but never reads the answers (slow read)
 * then holds at most about this much of our memory, plus the headers and trailers of what one
 * read (64 KiB) of requests produces.
 */
const OUTPUT_HIGH_WATER = 1 << 20;
const OUTPUT_LOW_WATER = 256 * 1024;
/**
 * A server-streaming call whose client stops reading ends (RESOURCE_EXHAUSTED) when a message
 * would take the bytes waiting for it past this (one message of any allowed size always fits).
 */
const MAX_QUEUED_STREAM_BYTES = 1 << 20;
/** The PING of a graceful shutdown's first step, and how long its answer may take. */
const SHUTDOWN_PING = new TextEncoder().encode("shutdown");
const SHUTDOWN_PING_TIMEOUT_MS = 1_000;

/** The payload of a keepalive PING (see `keepaliveIntervalMs`). */
const KEEPALIVE_PING = new TextEncoder().encode("keepaliv");
/** The longest delay setTimeout takes. */
const MAX_TIMER_MS = 0x7fff_ffff;
/** After close, how long queued frames get to be written before the socket is closed anyway. */
const WRITE_GRACE_MS = 2_000;

/**
 * The server-wide memory budget: `reserved` is the sum over connections of buffered request bytes
 * plus the connection credit their clients hold. Connections denied credit for want of room wait
 * in `starved` and are woken when room comes back.
 */
class ServerBudget {
  readonly limit: number;
  reserved = 0;
  buffered = 0;
  readonly starved = new Set<ServerConnection>();
  #waking = false;

  constructor(limit: number) {
    this.limit = limit;
  }

  /** Room came back: the starved connections get another look (after this turn). */
  released(): void {
    if (this.starved.size === 0 || this.#waking) return;
    this.#waking = true;
    queueMicrotask(() => {
      this.#waking = false;
      for (const conn of [...this.starved]) {
        this.starved.delete(conn);
        conn.replenish();
      }
    });
  }
}

/** Options of {@linkcode startH2GrpcServer}. */
export interface StartH2GrpcServerOptions {
  /** Address to bind, e.g. "0.0.0.0", "127.0.3.7" or "::1". */
  host: string;
  /** Port to bind; 0 picks a free one. */
  port: number;
  /** The services to serve. */
  services: GrpcService[];
  /** Limits (defaults in {@linkcode H2GrpcServerOptions}). */
  serverOptions?: H2GrpcServerOptions;
}

/** A server that is bound and serving. */
export interface StartedH2GrpcServer {
  server: H2GrpcServer;
  /** The bound port (the chosen one when `port` was 0). */
  port: number;
  /** `host:port` as clients dial it (IPv6 hosts in brackets). */
  address: string;
}

/**
 * Registers `services` and serves them on plaintext `host:port`; stop with
 * `server.close(graceMs)`. A port in use fails with "Cannot bind the gRPC server to host:port:
 * EADDRINUSE …", the words grpc-js servers (shared/grpc/server.ts) use too.
 */
export function startH2GrpcServer(options: StartH2GrpcServerOptions): StartedH2GrpcServer {
  const server = new H2GrpcServer(options.serverOptions);
  for (const { definition, implementation } of options.services) {
    server.addService(definition, implementation);
  }
  const host = options.host.includes(":") ? `[${options.host}]` : options.host;
  let port: number;
  try {
    port = server.listen(options.host, options.port);
  } catch (err) {
    throw bindError(host, options.port, err);
  }
  return { server, port, address: `${host}:${port}` };
}

/** Tells `onConnectionError` of a closed or refused connection; a listener's failure is its own. */
function reportConnection(
  options: Required<H2GrpcServerOptions>,
  event: ConnectionErrorEvent,
): void {
  try {
    options.onConnectionError(event);
  } catch { /* not the connection's or the server's failure */ }
}

/** "ip:port" of a client, IPv6 in brackets. */
function peerOf(addr: Deno.NetAddr): string {
  return addr.hostname.includes(":")
    ? `[${addr.hostname}]:${addr.port}`
    : `${addr.hostname}:${addr.port}`;
}

/** A gRPC server for unary and server-streaming methods; `addService` then `listen`. */
export class H2GrpcServer {
  readonly #routes = new Map<string, Route>();
  readonly #options: Required<H2GrpcServerOptions>;
  readonly #budget: ServerBudget;
  readonly #connections = new Set<ServerConnection>();
  /** Open connections per client address (the hostname, without the port). */
  readonly #perAddress = new Map<string, number>();
  #listener?: Deno.TcpListener;
  #closing = false;

  /** Creates a server (nothing listens yet). */
  constructor(options: H2GrpcServerOptions = {}) {
    const maxMessageBytes = options.maxMessageBytes ?? 4 * 1024 * 1024;
    // One largest request must fit beside the initial window, or it could never complete.
    const minConnectionBudget = maxMessageBytes + PREFIX_BYTES + DEFAULT_WINDOW;
    const connectionBudget = options.maxConnectionBufferedBytes ??
      Math.max(16 * 1024 * 1024, minConnectionBudget);
    if (connectionBudget < minConnectionBudget) {
      throw new RangeError(
        `maxConnectionBufferedBytes must be at least maxMessageBytes + 5 + 65535 (${minConnectionBudget})`,
      );
    }
    const serverBudget = options.maxServerBufferedBytes ??
      Math.max(256 * 1024 * 1024, connectionBudget);
    if (serverBudget < connectionBudget) {
      throw new RangeError("maxServerBufferedBytes must be at least maxConnectionBufferedBytes");
    }
    this.#budget = new ServerBudget(serverBudget);
    this.#options = {
      maxMessageBytes,
      maxConnectionBufferedBytes: connectionBudget,
      maxServerBufferedBytes: serverBudget,
      maxConcurrentStreams: options.maxConcurrentStreams ?? 1000,
      maxHeaderListBytes: options.maxHeaderListBytes ?? 16 * 1024,
      idleTimeoutMs: options.idleTimeoutMs ?? 5 * 60_000,
      keepaliveIntervalMs: options.keepaliveIntervalMs ?? 2 * 60_000,
      keepaliveTimeoutMs: options.keepaliveTimeoutMs ?? 20_000,
      maxResetsPerWindow: options.maxResetsPerWindow ?? 1000,
      maxControlFramesPerWindow: options.maxControlFramesPerWindow ?? 1000,
      handshakeTimeoutMs: options.handshakeTimeoutMs ?? 10_000,
      writeStallTimeoutMs: options.writeStallTimeoutMs ?? 60_000,
      maxConnections: options.maxConnections ?? 10_000,
      maxConnectionsPerAddress: options.maxConnectionsPerAddress ?? 100,
      abuseWindowMs: options.abuseWindowMs ?? 10_000,
      onConnectionError: options.onConnectionError ?? (() => {}),
    };
  }

  /** Registers a service; refuses client-streaming and bidirectional methods. */
  addService(
    definition: grpc.ServiceDefinition,
    implementation: grpc.UntypedServiceImplementation,
  ): void {
    for (const method of Object.values(definition)) {
      if (method.requestStream) {
        throw new Error(
          `${method.path} streams requests; this server serves unary and server-streaming methods`,
        );
      }
    }
    for (const [name, method] of Object.entries(definition)) {
      if (this.#routes.has(method.path)) throw new Error(`${method.path} is already registered`);
      const impl: unknown = implementation[name] ??
        (method.originalName ? implementation[method.originalName] : undefined);
      const handler = typeof impl === "function" ? impl : undefined;
      const codec = {
        deserialize: method.requestDeserialize as (bytes: Buffer) => unknown,
        serialize: method.responseSerialize as (value: unknown) => Uint8Array,
      };
      this.#routes.set(
        method.path,
        method.responseStream
          ? { ...codec, streaming: true, impl: handler as ServerStreamingImpl | undefined }
          : { ...codec, streaming: false, impl: handler as UnaryImpl | undefined },
      );
    }
  }

  /** Listens on plaintext `host:port` (0 picks a free port); returns the bound port. */
  listen(host: string, port: number): number {
    const listener = Deno.listen({ hostname: host, port, transport: "tcp" });
    this.#listener = listener;
    this.#accept(listener);
    return (listener.addr as Deno.NetAddr).port;
  }

  /** Connections open now (for tests). */
  get connectionCount(): number {
    return this.#connections.size;
  }

  /** Request bytes buffered now across connections (incomplete requests; for tests). */
  get bufferedBytes(): number {
    return this.#budget.buffered;
  }

  /** Request bytes buffered now on each connection (for tests). */
  get connectionBufferedBytes(): number[] {
    return [...this.#connections].map((c) => c.bufferedBytes);
  }

  /** Bytes queued for each connection's socket and not yet written (for tests). */
  get connectionUnwrittenBytes(): number[] {
    return [...this.#connections].map((c) => c.unwrittenBytes);
  }

  async #accept(listener: Deno.TcpListener): Promise<void> {
    try {
      for await (const socket of listener) {
        if (this.#closing) {
          socket.close();
          continue;
        }
        const addr = socket.remoteAddr as Deno.NetAddr;
        const held = this.#perAddress.get(addr.hostname) ?? 0;
        const refusal = this.#refusal(addr.hostname, held);
        if (refusal) {
          socket.close();
          reportConnection(this.#options, { peer: peerOf(addr), ...refusal });
          continue;
        }
        this.#perAddress.set(addr.hostname, held + 1);
        socket.setNoDelay(true);
        // The kernel's keepalive probes end connections whose client vanished without a FIN;
        // while streams are open, the server's own PINGs find such a client sooner
        // (keepaliveIntervalMs).
        socket.setKeepAlive(true);
        const conn = new ServerConnection(
          socket,
          this.#routes,
          this.#options,
          this.#budget,
          () => {
            this.#connections.delete(conn);
            const left = (this.#perAddress.get(addr.hostname) ?? 1) - 1;
            if (left > 0) this.#perAddress.set(addr.hostname, left);
            else this.#perAddress.delete(addr.hostname);
          },
        );
        this.#connections.add(conn);
        conn.start();
      }
    } catch {
      // The listener was closed.
    }
  }

  /** Why a new connection from `hostname`, which holds `held`, is refused; undefined: it is not. */
  #refusal(hostname: string, held: number): { code: string; reason: string } | undefined {
    const { maxConnections, maxConnectionsPerAddress } = this.#options;
    if (this.#connections.size >= maxConnections) {
      return {
        code: "CONNECTION_LIMIT",
        reason: `the server holds ${maxConnections} connections, the most allowed; refused`,
      };
    }
    if (held >= maxConnectionsPerAddress) {
      return {
        code: "ADDRESS_CONNECTION_LIMIT",
        reason: `${hostname} holds ${held} connections, the most allowed; refused`,
      };
    }
    return undefined;
  }

  /**
   * Stops listening, sends GOAWAY to every connection (two steps: 2^31-1 and a PING, then the
   * last stream id once the PING is answered or after 1 s), waits up to `graceMs`
   * for calls in flight, then closes whatever is left ("forced": their handlers see cancelled).
   */
  async close(graceMs: number): Promise<StopOutcome> {
    this.#closing = true;
    try {
      this.#listener?.close();
    } catch { /* already closed */ }
    const conns = [...this.#connections];
    const done = Promise.all(conns.map((c) => c.shutdown()));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const outcome = await Promise.race([
      done.then(() => "graceful" as const),
      new Promise<"forced">((r) => timer = setTimeout(() => r("forced"), graceMs)),
    ]);
    clearTimeout(timer);
    if (outcome === "forced") {
      for (const c of conns) c.destroy();
      await done;
    }
    return outcome;
  }
}

/** What is left to send of a response: messages waiting for flow-control credit, trailers. */
interface PendingResponse {
  /** Framed messages (gRPC prefix included), the first one sent up to `pos`. */
  queue: Uint8Array[];
  pos: number;
  /** Bytes in `queue` not yet sent. */
  queued: number;
  /** Set once the call ended: sent after the last message. */
  trailers?: Uint8Array;
}

class ServerStream {
  readonly id: number;
  sendWindow: number;
  received = 0;
  receivedUnacked = 0;
  chunks: Uint8Array[] = [];
  /** Bytes of `chunks` counted against the budgets. */
  buffered = 0;
  remoteEnded = false;
  /** We sent END_STREAM (or a reset): nothing more goes out. */
  localEnded = false;
  /** Too big or refused: the rest of the request is dropped. */
  discarding = false;
  headers?: Map<string, string>;
  path = "";
  deadline = Infinity;
  timer?: ReturnType<typeof setTimeout>;
  call?: H2ServerUnaryCall | H2ServerWritableStream;
  headersSent = false;
  pending?: PendingResponse;

  constructor(id: number, sendWindow: number) {
    this.id = id;
    this.sendWindow = sendWindow;
  }
}

class ServerConnection {
  readonly #socket: Deno.TcpConn;
  readonly #routes: Map<string, Route>;
  readonly #options: Required<H2GrpcServerOptions>;
  readonly #budget: ServerBudget;
  readonly #onClose: () => void;
  readonly #streams = new Map<number, ServerStream>();
  readonly #parser = new FrameParser(DEFAULT_MAX_FRAME_SIZE);
  readonly #hpack = new HpackDecoder(4096);
  readonly #peer: string;
  #lastStreamId = 0;
  #sendWindow = DEFAULT_WINDOW;
  #peerInitialWindow = DEFAULT_WINDOW;
  #peerMaxFrameSize = DEFAULT_MAX_FRAME_SIZE;
  /** The connection credit the client holds (its initial window is RFC 9113's, not ours). */
  #receiveWindow = DEFAULT_WINDOW;
  /** Request bytes buffered on this connection's streams. */
  #buffered = 0;
  #replenishing = false;
  #headerBlock?: { streamId: number; endStream: boolean; parts: Uint8Array[]; size: number };
  #sawSettings = false;
  /** We sent GOAWAY (shutdown): no new streams. */
  #goawaySent = false;
  /** The client sent GOAWAY: finish the open streams, then close. */
  #peerGoingAway = false;
  #closed = false;
  #out: Uint8Array[] = [];
  #flushScheduled = false;
  #writing: Promise<void> = Promise.resolve();
  /** Bytes queued for the socket and not yet written (see OUTPUT_HIGH_WATER). */
  #unwritten = 0;
  /** Resolved when the unwritten bytes fall to OUTPUT_LOW_WATER (the read loop waits on it). */
  #drained?: PromiseWithResolvers<void>;
  /** When the socket last took bytes (writeStallTimeoutMs counts from it). */
  #lastWrite = Date.now();
  #stallTimer?: ReturnType<typeof setTimeout>;
  #idleTimer?: ReturnType<typeof setTimeout>;
  /** When the client's bytes last arrived (performance.now(); keepalive counts from it). */
  #lastRead = performance.now();
  #keepaliveTimer?: ReturnType<typeof setTimeout>;
  /** When the unanswered keepalive PING went out, while one is out. */
  #keepalivePingAt?: number;
  #handshakeTimer?: ReturnType<typeof setTimeout>;
  #shutdownTimer?: ReturnType<typeof setTimeout>;
  #resets = 0;
  #controlFrames = 0;
  #abuseWindowStart = Date.now();
  readonly #closedPromise = Promise.withResolvers<void>();

  constructor(
    socket: Deno.TcpConn,
    routes: Map<string, Route>,
    options: Required<H2GrpcServerOptions>,
    budget: ServerBudget,
    onClose: () => void,
  ) {
    this.#socket = socket;
    this.#routes = routes;
    this.#options = options;
    this.#budget = budget;
    budget.reserved += DEFAULT_WINDOW;
    this.#onClose = onClose;
    this.#peer = peerOf(socket.remoteAddr as Deno.NetAddr);
  }

  start(): void {
    this.#queue(
      encodeFrame(
        FrameType.SETTINGS,
        0,
        0,
        settingsPayload([
          [Setting.MAX_CONCURRENT_STREAMS, this.#options.maxConcurrentStreams],
          [Setting.INITIAL_WINDOW_SIZE, STREAM_WINDOW],
          [Setting.MAX_HEADER_LIST_SIZE, this.#options.maxHeaderListBytes],
          [Setting.ENABLE_PUSH, 0],
        ]),
      ),
    );
    this.replenish();
    this.#armIdle();
    this.#keepaliveTimer = setTimeout(
      () => this.#checkKeepalive(),
      this.#options.keepaliveIntervalMs,
    );
    this.#handshakeTimer = setTimeout(() => {
      if (!this.#sawSettings) this.#fatal(ErrorCode.PROTOCOL_ERROR, "No SETTINGS in time");
    }, this.#options.handshakeTimeoutMs);
    this.#readLoop();
  }

  /** GOAWAY with the last stream id; resolves once the open streams are done and it closed. */
  shutdown(): Promise<void> {
    if (!this.#closed && !this.#goawaySent && !this.#shutdownTimer) {
      // Two steps, as grpc-go and nghttp2 do: GOAWAY(2^31-1) and a PING; once the PING comes
      // back, every stream the client opened before it saw the GOAWAY has arrived, and the
      // final GOAWAY names the true last one. Streams racing the first GOAWAY are served.
      this.#queue(
        encodeFrame(FrameType.GOAWAY, 0, 0, goawayPayload(MAX_WINDOW, ErrorCode.NO_ERROR)),
        encodeFrame(FrameType.PING, 0, 0, SHUTDOWN_PING),
      );
      this.#shutdownTimer = setTimeout(() => this.#finalGoaway(), SHUTDOWN_PING_TIMEOUT_MS);
    }
    return this.#closedPromise.promise;
  }

  #finalGoaway(): void {
    clearTimeout(this.#shutdownTimer);
    if (this.#closed || this.#goawaySent) return;
    this.#goawaySent = true;
    this.#queue(
      encodeFrame(FrameType.GOAWAY, 0, 0, goawayPayload(this.#lastStreamId, ErrorCode.NO_ERROR)),
    );
    this.#maybeCloseIdle();
  }

  /** Closes at once; open calls are cancelled. */
  destroy(): void {
    this.#teardown();
  }

  /** Response and control bytes queued for the socket, not yet written (for tests). */
  get unwrittenBytes(): number {
    return this.#unwritten;
  }

  /** Request bytes buffered on this connection. */
  get bufferedBytes(): number {
    return this.#buffered;
  }

  // ---- memory budget ----

  /**
   * Hands connection credit back up to CONNECTION_WINDOW, as far as both budgets allow: buffered
   * bytes plus the client's credit stay within the connection's budget, and the sum of that over
   * connections within the server's. The per-connection budget is at least one largest request
   * plus the initial window (checked in the server's constructor), so one request always completes
   * on an otherwise idle connection. When every buffered request is incomplete and the client has
   * too little credit to finish any, the youngest is refused (REFUSED_STREAM) until one can;
   * so too when the server has no room. Then the connection waits in `starved` until bytes are
   * released elsewhere; a connection down to one incomplete request waits with it, and its stream
   * ends by deadline or reset as any stalled stream if no room comes back.
   */
  replenish(): void {
    if (this.#closed || this.#replenishing) return;
    this.#replenishing = true;
    try {
      this.#replenishNow();
    } finally {
      this.#replenishing = false;
    }
  }

  #replenishNow(): void {
    const budget = this.#budget;
    for (;;) {
      const connRoom = this.#options.maxConnectionBufferedBytes - this.#buffered;
      const wanted = Math.min(CONNECTION_WINDOW, connRoom);
      const serverRoom = this.#receiveWindow + budget.limit - budget.reserved;
      const target = Math.min(wanted, serverRoom);
      if (serverRoom < wanted) budget.starved.add(this);
      else budget.starved.delete(this);
      const grant = target - this.#receiveWindow;
      // Batched: once the client used a quarter of a full window (or half of a smaller one).
      if (grant > 0 && grant >= Math.min(CONNECTION_WINDOW / 4, Math.ceil(target / 2))) {
        this.#queue(encodeFrame(FrameType.WINDOW_UPDATE, 0, 0, uint32Payload(grant)));
        this.#receiveWindow += grant;
        budget.reserved += grant;
        return;
      }
      if (grant > 0 || !this.#shedYoungest()) return;
    }
  }

  /**
   * At a budget: refuses the youngest of two or more incomplete buffered requests
   * when the client's credit cannot finish any of them. True when one was refused.
   */
  #shedYoungest(): boolean {
    if (this.#receiveWindow >= DEFAULT_MAX_FRAME_SIZE) return false;
    let youngest: ServerStream | undefined;
    let count = 0;
    for (const stream of this.#streams.values()) {
      if (stream.buffered === 0 || stream.remoteEnded) continue;
      count++;
      const remaining = this.#remaining(stream);
      if (remaining !== undefined && remaining <= this.#receiveWindow) return false;
      if (!youngest || stream.id > youngest.id) youngest = stream;
    }
    if (count < 2 || !youngest) return false;
    this.#queue(
      encodeFrame(FrameType.RST_STREAM, 0, youngest.id, uint32Payload(ErrorCode.REFUSED_STREAM)),
    );
    youngest.localEnded = true;
    youngest.remoteEnded = true;
    this.#cancel(youngest);
    this.#finish(youngest);
    return true;
  }

  /** Bytes a stream's request still needs, once its gRPC prefix arrived. */
  #remaining(stream: ServerStream): number | undefined {
    if (stream.received < PREFIX_BYTES) return undefined;
    let length = 0;
    let i = 0;
    for (const chunk of stream.chunks) {
      for (let j = 0; j < chunk.length && i < PREFIX_BYTES; j++, i++) {
        if (i > 0) length = length * 256 + chunk[j];
      }
      if (i === PREFIX_BYTES) break;
    }
    return PREFIX_BYTES + length - stream.received;
  }

  /** Releases a stream's buffered bytes from both budgets. */
  #drop(stream: ServerStream): void {
    stream.chunks = [];
    if (stream.buffered === 0) return;
    this.#buffered -= stream.buffered;
    this.#budget.buffered -= stream.buffered;
    this.#budget.reserved -= stream.buffered;
    stream.buffered = 0;
    this.#budget.released();
    this.replenish();
  }

  // ---- output ----

  #queue(...frames: Uint8Array[]): void {
    if (this.#closed) return;
    for (const f of frames) {
      this.#out.push(f);
      this.#unwritten += f.length;
    }
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      queueMicrotask(() => this.#flush());
    }
  }

  #flush(): void {
    this.#flushScheduled = false;
    if (this.#out.length === 0 || this.#closed) return;
    const bytes = this.#out.length === 1 ? this.#out[0] : concat(this.#out);
    this.#out = [];
    this.#writing = this.#writing.then(async () => {
      let pos = 0;
      while (pos < bytes.length) {
        const n = await this.#socket.write(bytes.subarray(pos));
        pos += n;
        this.#unwritten -= n;
        this.#lastWrite = Date.now();
      }
      if (this.#unwritten <= OUTPUT_LOW_WATER) this.#onDrained();
    }).catch(() => this.#teardown());
  }

  /** The client reads again: reading resumes, and responses held back by the backlog go on. */
  #onDrained(): void {
    const drained = this.#drained;
    if (!drained) return;
    this.#drained = undefined;
    clearTimeout(this.#stallTimer);
    this.#stallTimer = undefined;
    drained.resolve();
    this.#pumpAll();
  }

  /** Reading and sending wait for the client to read our backlog; not forever. */
  #holdForBacklog(): Promise<void> {
    this.#drained ??= Promise.withResolvers<void>();
    this.#stallTimer ??= setTimeout(
      () => this.#checkStall(),
      this.#options.writeStallTimeoutMs,
    );
    return this.#drained.promise;
  }

  #checkStall(): void {
    this.#stallTimer = undefined;
    if (this.#closed || !this.#drained) return;
    const limit = this.#options.writeStallTimeoutMs;
    const idle = Date.now() - this.#lastWrite;
    if (idle < limit) {
      this.#stallTimer = setTimeout(() => this.#checkStall(), limit - idle);
      return;
    }
    // Nothing it could read: no GOAWAY, the connection just ends.
    this.#report(
      "STALLED",
      `The client read none of ${this.#unwritten} queued bytes for ${limit} ms`,
    );
    this.#teardown();
  }

  /**
   * Runs every `keepaliveIntervalMs` (sooner while a PING is out): PINGs a client that has open
   * streams and sent nothing for the interval, and closes the connection when nothing came back
   * within `keepaliveTimeoutMs` of the PING. Any frame counts as an answer, as in grpc-go. A
   * backlogged connection is left to the write-stall check (we are not reading it then).
   */
  #checkKeepalive(): void {
    this.#keepaliveTimer = undefined;
    if (this.#closed) return;
    const { keepaliveIntervalMs: interval, keepaliveTimeoutMs: timeout } = this.#options;
    const now = performance.now();
    if (this.#keepalivePingAt !== undefined) {
      if (this.#lastRead < this.#keepalivePingAt) {
        this.#report(
          "KEEPALIVE_TIMEOUT",
          `The client sent nothing for ${timeout} ms after a keepalive PING, with ` +
            `${this.#streams.size} open stream(s)`,
        );
        this.#teardown();
        return;
      }
      this.#keepalivePingAt = undefined;
    }
    const quiet = now - this.#lastRead;
    let next = interval;
    if (this.#streams.size > 0 && !this.#backlogged) {
      if (quiet >= interval) {
        this.#keepalivePingAt = now;
        this.#queue(encodeFrame(FrameType.PING, 0, 0, KEEPALIVE_PING));
        this.#flush();
        next = timeout;
      } else next = interval - quiet;
    }
    this.#keepaliveTimer = setTimeout(() => this.#checkKeepalive(), next);
  }

  /** True while the client is not reading what we send (see OUTPUT_HIGH_WATER). */
  get #backlogged(): boolean {
    return this.#unwritten >= OUTPUT_HIGH_WATER;
  }

  // ---- input ----

  async #readLoop(): Promise<void> {
    const buffer = new Uint8Array(64 * 1024);
    let preface = 0;
    try {
      for (;;) {
        if (this.#backlogged) {
          // The client does not read our answers: stop reading its requests until it does, so
          // its own sends stall (TCP) instead of our memory growing with answers it never takes.
          await this.#holdForBacklog();
          if (this.#closed) break;
        }
        const n = await this.#socket.read(buffer);
        if (n === null || this.#closed) break;
        this.#lastRead = performance.now();
        let chunk = buffer.subarray(0, n);
        if (preface < PREFACE.length) {
          const take = Math.min(PREFACE.length - preface, chunk.length);
          for (let i = 0; i < take; i++) {
            if (chunk[i] !== PREFACE[preface + i]) {
              throw new H2ProtocolError(ErrorCode.PROTOCOL_ERROR, "Bad connection preface");
            }
          }
          preface += take;
          chunk = chunk.subarray(take);
          if (chunk.length === 0) continue;
        }
        for (const frame of this.#parser.push(chunk)) {
          this.#onFrame(frame);
          if (this.#closed) return;
        }
        this.replenish();
        this.#flush(); // one write for everything this read produced
      }
    } catch (err) {
      if (this.#closed) return;
      if (err instanceof H2ProtocolError) {
        this.#fatal(err.code, err.message);
        return;
      }
    }
    this.#teardown();
  }

  /** Tells `onConnectionError` why this connection is being closed. */
  #report(code: string, reason: string): void {
    reportConnection(this.#options, { peer: this.#peer, code, reason });
  }

  /** A connection error: GOAWAY with `code`, then close. */
  #fatal(code: number, message: string): void {
    if (this.#closed) return;
    this.#report(errorCodeName(code), message);
    this.#goawaySent = true;
    this.#queue(
      encodeFrame(FrameType.GOAWAY, 0, 0, goawayPayload(this.#lastStreamId, code, message)),
    );
    this.#flush();
    this.#teardown();
  }

  #countAbuse(kind: "reset" | "control"): void {
    const now = Date.now();
    if (now - this.#abuseWindowStart > this.#options.abuseWindowMs) {
      this.#abuseWindowStart = now;
      this.#resets = 0;
      this.#controlFrames = 0;
    }
    if (kind === "reset" && ++this.#resets > this.#options.maxResetsPerWindow) {
      throw new H2ProtocolError(ENHANCE_YOUR_CALM, "Too many stream resets");
    }
    if (kind === "control" && ++this.#controlFrames > this.#options.maxControlFramesPerWindow) {
      throw new H2ProtocolError(ENHANCE_YOUR_CALM, "Too many control frames");
    }
  }

  #onFrame(frame: Frame): void {
    if (!this.#sawSettings) {
      if (frame.type !== FrameType.SETTINGS || frame.flags & Flag.ACK) {
        throw new H2ProtocolError(ErrorCode.PROTOCOL_ERROR, "The first frame must be SETTINGS");
      }
      this.#sawSettings = true;
      clearTimeout(this.#handshakeTimer);
    }
    if (this.#headerBlock && frame.type !== FrameType.CONTINUATION) {
      throw new H2ProtocolError(ErrorCode.PROTOCOL_ERROR, "Expected CONTINUATION");
    }
    switch (frame.type) {
      case FrameType.DATA:
        return this.#onData(frame);
      case FrameType.HEADERS: {
        if (frame.streamId === 0 || frame.streamId % 2 === 0) {
          throw new H2ProtocolError(ErrorCode.PROTOCOL_ERROR, "HEADERS on an invalid stream id");
        }
        const block = unpad(frame);
        this.#headerBlock = {
          streamId: frame.streamId,
          endStream: (frame.flags & Flag.END_STREAM) !== 0,
          parts: [block],
          size: block.length,
        };
        if (frame.flags & Flag.END_HEADERS) this.#onHeaderBlock();
        else this.#checkBlockSize();
        return;
      }
      case FrameType.CONTINUATION:
        if (!this.#headerBlock || this.#headerBlock.streamId !== frame.streamId) {
          throw new H2ProtocolError(ErrorCode.PROTOCOL_ERROR, "Unexpected CONTINUATION");
        }
        this.#headerBlock.parts.push(frame.payload);
        this.#headerBlock.size += frame.payload.length;
        if (frame.payload.length === 0) this.#countAbuse("control");
        this.#checkBlockSize();
        if (frame.flags & Flag.END_HEADERS) this.#onHeaderBlock();
        return;
      case FrameType.PRIORITY:
        this.#countAbuse("control");
        if (frame.streamId === 0) {
          throw new H2ProtocolError(ErrorCode.PROTOCOL_ERROR, "PRIORITY on stream 0");
        }
        if (frame.payload.length !== 5) {
          throw new H2ProtocolError(ErrorCode.FRAME_SIZE_ERROR, "PRIORITY not 5 bytes");
        }
        return;
      case FrameType.RST_STREAM:
        return this.#onReset(frame);
      case FrameType.SETTINGS:
        return this.#onSettings(frame);
      case FrameType.PUSH_PROMISE:
        throw new H2ProtocolError(ErrorCode.PROTOCOL_ERROR, "PUSH_PROMISE from a client");
      case FrameType.PING:
        if (frame.streamId !== 0) {
          throw new H2ProtocolError(ErrorCode.PROTOCOL_ERROR, "PING on a stream");
        }
        if (frame.payload.length !== 8) {
          throw new H2ProtocolError(ErrorCode.FRAME_SIZE_ERROR, "PING not 8 bytes");
        }
        if (!(frame.flags & Flag.ACK)) {
          this.#countAbuse("control");
          this.#queue(encodeFrame(FrameType.PING, Flag.ACK, 0, frame.payload));
        } else if (this.#shutdownTimer && equalBytes(frame.payload, SHUTDOWN_PING)) {
          this.#finalGoaway();
        }
        return;
      case FrameType.GOAWAY:
        if (frame.streamId !== 0) {
          throw new H2ProtocolError(ErrorCode.PROTOCOL_ERROR, "GOAWAY on a stream");
        }
        parseGoaway(frame.payload);
        this.#peerGoingAway = true;
        this.#maybeCloseIdle();
        return;
      case FrameType.WINDOW_UPDATE:
        return this.#onWindowUpdate(frame);
      default:
        this.#countAbuse("control");
        return; // unknown frame types are ignored (RFC 9113 section 5.5)
    }
  }

  #checkBlockSize(): void {
    // A header block may not grow without bound across CONTINUATION frames (CVE-2024-27316).
    if (this.#headerBlock!.size > this.#options.maxHeaderListBytes * 2) {
      throw new H2ProtocolError(ENHANCE_YOUR_CALM, "Header block too large");
    }
  }

  #onHeaderBlock(): void {
    const { streamId, endStream, parts } = this.#headerBlock!;
    this.#headerBlock = undefined;
    let fields: HeaderField[];
    try {
      fields = this.#hpack.decode(parts.length === 1 ? parts[0] : concat(parts));
    } catch (err) {
      throw new H2ProtocolError(ErrorCode.COMPRESSION_ERROR, (err as Error).message);
    }
    const existing = this.#streams.get(streamId);
    if (existing) {
      // Trailers from the client: only legal as the end of the request.
      if (existing.remoteEnded || !endStream) {
        throw new H2ProtocolError(ErrorCode.PROTOCOL_ERROR, "HEADERS on a stream mid-request");
      }
      this.#onRemoteEnd(existing);
      return;
    }
    if (streamId <= this.#lastStreamId) {
      throw new H2ProtocolError(ErrorCode.STREAM_CLOSED, "HEADERS on a closed stream");
    }
    this.#lastStreamId = streamId;
    // After our GOAWAY the stream is above its last id: ignored, the client retries elsewhere.
    if (this.#goawaySent) return;
    this.#armIdle();
    if (this.#streams.size >= this.#options.maxConcurrentStreams) {
      this.#countAbuse("reset");
      this.#queue(encodeFrame(
        FrameType.RST_STREAM,
        0,
        streamId,
        uint32Payload(ErrorCode.REFUSED_STREAM),
      ));
      return;
    }
    const stream = new ServerStream(streamId, this.#peerInitialWindow);
    this.#streams.set(streamId, stream);
    // The decoded size first: indexed fields can make a small block decode to a large list.
    let listSize = 0;
    for (const [n, v] of fields) listSize += n.length + v.length + 32;
    if (listSize > this.#options.maxHeaderListBytes) {
      stream.discarding = true;
      this.#respondError(stream, Status.RESOURCE_EXHAUSTED, "Header list too large");
      if (endStream) this.#onRemoteEnd(stream);
      return;
    }
    const checked = this.#checkRequestHeaders(fields);
    if (typeof checked === "string") {
      // Malformed request (RFC 9113 section 8.1.1): a stream error.
      this.#resetStream(stream, ErrorCode.PROTOCOL_ERROR);
      return;
    }
    stream.headers = checked;
    stream.path = checked.get(":path") ?? "";
    const timeout = checked.get("grpc-timeout");
    if (timeout !== undefined) {
      const ms = parseTimeout(timeout);
      if (ms === undefined) {
        stream.discarding = true;
        this.#respondError(stream, Status.INTERNAL, "Malformed grpc-timeout");
        if (endStream) this.#onRemoteEnd(stream);
        return;
      }
      stream.deadline = Date.now() + ms;
      // setTimeout fires at once above 2^31-1 ms (24.8 days): such deadlines get no timer.
      if (ms <= MAX_TIMER_MS) stream.timer = setTimeout(() => this.#onDeadline(stream), ms);
    }
    if (!checked.get("content-type")?.startsWith("application/grpc")) {
      stream.discarding = true;
      this.#respondError(stream, Status.INTERNAL, "Content-type is not application/grpc", "415");
    } else if (checked.get(":method") !== "POST") {
      stream.discarding = true;
      this.#respondError(stream, Status.INTERNAL, "Method must be POST", "405");
    } else if (checked.has("grpc-encoding") && checked.get("grpc-encoding") !== "identity") {
      stream.discarding = true;
      this.#respondError(
        stream,
        Status.UNIMPLEMENTED,
        `Compression "${checked.get("grpc-encoding")}" is not supported`,
      );
    }
    if (endStream) this.#onRemoteEnd(stream);
  }

  /** The header map, or why the request is malformed. */
  #checkRequestHeaders(fields: HeaderField[]): Map<string, string> | string {
    const map = new Map<string, string>();
    let regular = false;
    for (const [name, value] of fields) {
      if (name.startsWith(":")) {
        if (regular) return "pseudo-header after a regular one";
        if (map.has(name)) return `duplicate ${name}`;
        if (![":method", ":path", ":scheme", ":authority"].includes(name)) {
          return `unknown pseudo-header ${name}`;
        }
      } else {
        regular = true;
        if (name !== name.toLowerCase()) return "uppercase header name";
        if (name === "connection" || name === "keep-alive" || name === "transfer-encoding") {
          return `connection-specific header ${name}`;
        }
        if (name === "te" && value !== "trailers") return "te other than trailers";
      }
      const prior = map.get(name);
      map.set(name, prior === undefined ? value : `${prior}, ${value}`);
    }
    if (!map.has(":method") || !map.has(":path") || !map.has(":scheme")) {
      return "missing pseudo-headers";
    }
    return map;
  }

  #onData(frame: Frame): void {
    if (frame.streamId === 0) throw new H2ProtocolError(ErrorCode.PROTOCOL_ERROR, "DATA on 0");
    const length = frame.payload.length;
    // Empty DATA frames cost us work and the client nothing (CVE-2019-9518).
    if (length === 0 && !(frame.flags & Flag.END_STREAM)) this.#countAbuse("control");
    if (length > this.#receiveWindow) {
      throw new H2ProtocolError(ErrorCode.FLOW_CONTROL_ERROR, "Connection window exceeded");
    }
    this.#receiveWindow -= length;
    // The credit used is no longer reserved; what gets buffered below is, until released. The
    // credit goes back in replenish() (after each read and each release), within the budgets.
    this.#budget.reserved -= length;
    const stream = this.#streams.get(frame.streamId);
    if (!stream) {
      if (frame.streamId > this.#lastStreamId) {
        throw new H2ProtocolError(ErrorCode.PROTOCOL_ERROR, "DATA on an idle stream");
      }
      if (length) this.#budget.released();
      return; // a stream we reset or finished: dropped
    }
    if (stream.remoteEnded) {
      this.#budget.released();
      this.#resetStream(stream, ErrorCode.STREAM_CLOSED);
      return;
    }
    stream.receivedUnacked += length;
    if (stream.receivedUnacked > STREAM_WINDOW) {
      this.#budget.released();
      this.#resetStream(stream, ErrorCode.FLOW_CONTROL_ERROR);
      return;
    }
    const endStream = (frame.flags & Flag.END_STREAM) !== 0;
    if (!endStream && stream.receivedUnacked >= STREAM_WINDOW / 2) {
      this.#queue(
        encodeFrame(FrameType.WINDOW_UPDATE, 0, stream.id, uint32Payload(stream.receivedUnacked)),
      );
      stream.receivedUnacked = 0;
    }
    const data = unpad(frame);
    let stored = 0;
    if (!stream.discarding && data.length) {
      stream.received += data.length;
      if (stream.received > this.#options.maxMessageBytes + PREFIX_BYTES) {
        stream.discarding = true;
        this.#drop(stream);
        this.#respondError(
          stream,
          Status.RESOURCE_EXHAUSTED,
          `Request message larger than the maximum of ${this.#options.maxMessageBytes} bytes`,
        );
      } else {
        stream.chunks.push(data);
        stored = data.length;
        stream.buffered += data.length;
        this.#buffered += data.length;
        this.#budget.buffered += data.length;
        this.#budget.reserved += data.length;
      }
    }
    // Bytes dropped (padding, a discarded request) leave room for starved connections.
    if (stored < length) this.#budget.released();
    if (endStream) this.#onRemoteEnd(stream);
  }

  #onRemoteEnd(stream: ServerStream): void {
    stream.remoteEnded = true;
    if (stream.localEnded) {
      this.#finish(stream);
      return;
    }
    if (stream.discarding) return;
    this.#dispatch(stream);
  }

  #dispatch(stream: ServerStream): void {
    const route = this.#routes.get(stream.path);
    if (!route || !route.impl) {
      return this.#respondError(stream, Status.UNIMPLEMENTED, `Method ${stream.path} not found`);
    }
    const body = concat(stream.chunks, stream.received);
    this.#drop(stream); // handed to the handler: no longer ours to budget
    if (body.length < 5) {
      return this.#respondError(stream, Status.INTERNAL, "No request message");
    }
    if (body[0] !== 0) {
      return this.#respondError(
        stream,
        Status.UNIMPLEMENTED,
        "Compressed messages are not supported (identity only)",
      );
    }
    const length = ((body[1] << 24) | (body[2] << 16) | (body[3] << 8) | body[4]) >>> 0;
    if (length > this.#options.maxMessageBytes) {
      return this.#respondError(stream, Status.RESOURCE_EXHAUSTED, "Request message too large");
    }
    if (body.length !== 5 + length) {
      return this.#respondError(
        stream,
        Status.UNIMPLEMENTED,
        "A unary request must carry exactly one message",
      );
    }
    let request: unknown;
    try {
      request = route.deserialize(Buffer.from(body.buffer, body.byteOffset + 5, length));
    } catch {
      return this.#respondError(stream, Status.INTERNAL, "Cannot parse the request message");
    }
    if (route.streaming) return this.#dispatchServerStreaming(stream, route, route.impl!, request);
    const impl = route.impl!;
    const call = new H2ServerUnaryCall(
      request,
      stream.headers!,
      this.#peer,
      stream.deadline,
      stream.path,
    );
    stream.call = call;
    let answered = false;
    const callback = (
      err: ServiceErrorLike | null | undefined,
      value?: unknown,
      trailer?: grpc.Metadata,
    ) => {
      if (answered) return;
      answered = true;
      if (stream.localEnded || this.#closed) return;
      if (err) return this.#respondServiceError(stream, err);
      const bytes = this.#serialize(stream, route, value);
      if (!bytes) return;
      this.#clearTimer(stream);
      this.#sendMessage(stream, bytes);
      this.#sendTrailers(stream, trailer);
    };
    this.#runHandler(stream, () => impl(call, callback), () => {
      if (answered) return false;
      answered = true;
      return true;
    });
  }

  #dispatchServerStreaming(
    stream: ServerStream,
    route: Route,
    impl: ServerStreamingImpl,
    request: unknown,
  ): void {
    let ended = false;
    const call = new H2ServerWritableStream(
      request,
      stream.headers!,
      this.#peer,
      stream.deadline,
      stream.path,
      {
        write: (value) => {
          if (ended || stream.localEnded || this.#closed) return false;
          const bytes = this.#serialize(stream, route, value);
          if (!bytes) {
            this.#cancel(stream); // the call failed: the handler stops writing to it
            return false;
          }
          const queued = stream.pending?.queued ?? 0;
          if (queued > 0 && queued + bytes.length > MAX_QUEUED_STREAM_BYTES) {
            // The client stopped reading: end the call rather than hold its messages.
            this.#cancel(stream);
            this.#respondError(
              stream,
              Status.RESOURCE_EXHAUSTED,
              "The client is not reading the stream's messages",
            );
            return false;
          }
          this.#sendMessage(stream, bytes);
          return (stream.pending?.queued ?? 0) === 0;
        },
        end: (trailer) => {
          if (ended || stream.localEnded || this.#closed) return;
          ended = true;
          this.#clearTimer(stream);
          this.#sendTrailers(stream, trailer);
        },
      },
    );
    stream.call = call;
    this.#runHandler(stream, () => impl(call), () => {
      if (ended) return false;
      ended = true;
      return true;
    });
  }

  /**
   * Runs a handler; if it throws or its promise rejects before answering (`claim` says whether
   * it had not), the call fails INTERNAL — never with the handler's message or stack, which may
   * carry internals.
   */
  #runHandler(stream: ServerStream, run: () => unknown, claim: () => boolean): void {
    const fail = () => {
      if (claim() && !stream.localEnded && !this.#closed) {
        this.#respondError(stream, Status.INTERNAL, "The handler failed");
      }
    };
    try {
      const returned = run();
      if (returned instanceof Promise) returned.catch(fail);
    } catch {
      fail();
    }
  }

  #respondServiceError(stream: ServerStream, err: ServiceErrorLike): void {
    const code = typeof err.code === "number" && err.code >= 0 && err.code <= 16
      ? err.code
      : Status.UNKNOWN;
    this.#respondError(stream, code, err.details ?? err.message ?? "", undefined, err.metadata);
  }

  /** A response message's bytes, or undefined once the call failed for want of them. */
  #serialize(stream: ServerStream, route: Route, value: unknown): Uint8Array | undefined {
    let bytes: Uint8Array;
    try {
      bytes = route.serialize(value);
    } catch {
      this.#respondError(stream, Status.INTERNAL, "Cannot serialize the response");
      return undefined;
    }
    if (bytes.length > this.#options.maxMessageBytes) {
      this.#respondError(stream, Status.RESOURCE_EXHAUSTED, "Response message too large");
      return undefined;
    }
    return bytes;
  }

  #headersBlock(stream: ServerStream): Uint8Array {
    const extra = stream.call?.initialMetadata;
    if (!extra) return RESPONSE_HEADERS;
    return encodeHeaders([
      [":status", "200"],
      ["content-type", "application/grpc"],
      ...metadataFields(extra),
    ]);
  }

  /** Queues one message (headers first if not yet sent) and sends what the windows allow. */
  #sendMessage(stream: ServerStream, message: Uint8Array): void {
    const data = new Uint8Array(5 + message.length);
    data[1] = message.length >>> 24;
    data[2] = (message.length >>> 16) & 0xff;
    data[3] = (message.length >>> 8) & 0xff;
    data[4] = message.length & 0xff;
    data.set(message, 5);
    this.#sendHeadersOnce(stream);
    const pending = stream.pending ??= { queue: [], pos: 0, queued: 0 };
    pending.queue.push(data);
    pending.queued += data.length;
    this.#pump(stream);
  }

  /** Ends the call with status OK once its queued messages went out. */
  #sendTrailers(stream: ServerStream, trailer?: grpc.Metadata): void {
    const trailers = trailer && trailer.getMap && Object.keys(trailer.getMap()).length
      ? encodeHeaders([["grpc-status", "0"], ...metadataFields(trailer)])
      : OK_TRAILERS;
    this.#sendHeadersOnce(stream);
    const pending = stream.pending ??= { queue: [], pos: 0, queued: 0 };
    pending.trailers = trailers;
    this.#pump(stream);
  }

  #sendHeadersOnce(stream: ServerStream): void {
    if (stream.headersSent) return;
    this.#sendHeaderBlock(stream.id, this.#headersBlock(stream), false);
    stream.headersSent = true;
  }

  /** Sends what the windows allow of the queued messages; the trailers once all of them went. */
  #pump(stream: ServerStream): void {
    const pending = stream.pending;
    if (!pending || stream.localEnded) return;
    while (pending.queue.length > 0) {
      const data = pending.queue[0];
      while (pending.pos < data.length) {
        const room = Math.min(this.#sendWindow, stream.sendWindow, this.#peerMaxFrameSize);
        if (room <= 0) return; // resumed by WINDOW_UPDATE or SETTINGS
        if (this.#backlogged) {
          void this.#holdForBacklog();
          return; // resumed once the client has read what is queued (#onDrained)
        }
        const chunk = data.subarray(pending.pos, pending.pos + room);
        pending.pos += chunk.length;
        pending.queued -= chunk.length;
        this.#sendWindow -= chunk.length;
        stream.sendWindow -= chunk.length;
        this.#queue(encodeFrame(FrameType.DATA, 0, stream.id, chunk));
      }
      pending.queue.shift();
      pending.pos = 0;
    }
    if (!pending.trailers) return; // a stream that is still writing
    stream.pending = undefined;
    this.#sendHeaderBlock(stream.id, pending.trailers, true);
    this.#localEnd(stream);
  }

  /** Trailers-only error response (or trailers after headers already sent). */
  #respondError(
    stream: ServerStream,
    code: number,
    details: string,
    httpStatus = "200",
    metadata?: grpc.Metadata,
  ): void {
    if (stream.localEnded) return;
    this.#clearTimer(stream);
    stream.pending = undefined;
    const fields: HeaderField[] = stream.headersSent ? [] : [
      [":status", httpStatus],
      ["content-type", "application/grpc"],
    ];
    fields.push(["grpc-status", String(code)]);
    if (details) fields.push(["grpc-message", encodeGrpcMessage(details)]);
    if (metadata) fields.push(...metadataFields(metadata));
    this.#sendHeaderBlock(stream.id, encodeHeaders(fields), true);
    this.#localEnd(stream);
  }

  #sendHeaderBlock(id: number, block: Uint8Array, endStream: boolean): void {
    const size = this.#peerMaxFrameSize;
    for (let pos = 0; pos === 0 || pos < block.length; pos += size) {
      const last = pos + size >= block.length;
      const flags = (last ? Flag.END_HEADERS : 0) | (pos === 0 && endStream ? Flag.END_STREAM : 0);
      this.#queue(encodeFrame(
        pos === 0 ? FrameType.HEADERS : FrameType.CONTINUATION,
        flags,
        id,
        block.subarray(pos, pos + size),
      ));
    }
  }

  #localEnd(stream: ServerStream): void {
    stream.localEnded = true;
    if (!stream.remoteEnded) {
      // Answered before the request ended (an error): tell the client to stop sending.
      this.#queue(
        encodeFrame(FrameType.RST_STREAM, 0, stream.id, uint32Payload(ErrorCode.NO_ERROR)),
      );
      stream.remoteEnded = true; // reset: the rest of the request is dropped
      stream.discarding = true;
    }
    this.#finish(stream);
  }

  #onDeadline(stream: ServerStream): void {
    stream.timer = undefined;
    if (stream.localEnded) return;
    this.#cancel(stream);
    this.#respondError(stream, Status.DEADLINE_EXCEEDED, "Deadline exceeded");
    this.#flush();
  }

  #resetStream(stream: ServerStream, code: number): void {
    if (!stream.localEnded) {
      this.#queue(encodeFrame(FrameType.RST_STREAM, 0, stream.id, uint32Payload(code)));
    }
    stream.localEnded = true;
    stream.remoteEnded = true;
    this.#cancel(stream);
    this.#finish(stream);
  }

  #cancel(stream: ServerStream): void {
    this.#clearTimer(stream);
    stream.pending = undefined;
    const call = stream.call;
    if (call && !call.cancelled) {
      call.cancelled = true;
      try {
        call.emit("cancelled");
      } catch { /* a listener's failure is not ours */ }
    }
  }

  #clearTimer(stream: ServerStream): void {
    if (stream.timer !== undefined) {
      clearTimeout(stream.timer);
      stream.timer = undefined;
    }
  }

  #finish(stream: ServerStream): void {
    // A stream we answered stays known until the client ended its side (its DATA is dropped).
    if (!(stream.remoteEnded && stream.localEnded)) return;
    this.#clearTimer(stream);
    this.#streams.delete(stream.id);
    this.#drop(stream);
    if (this.#streams.size === 0) this.#armIdle();
    this.#maybeCloseIdle();
  }

  #onReset(frame: Frame): void {
    if (frame.streamId === 0) throw new H2ProtocolError(ErrorCode.PROTOCOL_ERROR, "RST on 0");
    readUint32(frame);
    if (frame.streamId > this.#lastStreamId) {
      throw new H2ProtocolError(ErrorCode.PROTOCOL_ERROR, "RST_STREAM on an idle stream");
    }
    this.#countAbuse("reset");
    const stream = this.#streams.get(frame.streamId);
    if (!stream) return;
    stream.localEnded = true; // nothing more may be sent on it
    stream.remoteEnded = true;
    this.#cancel(stream);
    this.#finish(stream);
  }

  #onSettings(frame: Frame): void {
    if (frame.streamId !== 0) {
      throw new H2ProtocolError(ErrorCode.PROTOCOL_ERROR, "SETTINGS on a stream");
    }
    if (frame.flags & Flag.ACK) {
      if (frame.payload.length) {
        throw new H2ProtocolError(ErrorCode.FRAME_SIZE_ERROR, "SETTINGS ACK with a payload");
      }
      return;
    }
    this.#countAbuse("control");
    const settings = parsePeerSettings(frame.payload);
    if (settings.initialWindowSize !== undefined) {
      const delta = settings.initialWindowSize - this.#peerInitialWindow;
      this.#peerInitialWindow = settings.initialWindowSize;
      for (const stream of this.#streams.values()) stream.sendWindow += delta;
    }
    if (settings.maxFrameSize !== undefined) this.#peerMaxFrameSize = settings.maxFrameSize;
    this.#queue(encodeFrame(FrameType.SETTINGS, Flag.ACK, 0));
    this.#pumpAll();
  }

  #onWindowUpdate(frame: Frame): void {
    const increment = readUint32(frame, MAX_WINDOW);
    if (frame.streamId === 0) {
      if (increment === 0) throw new H2ProtocolError(ErrorCode.PROTOCOL_ERROR, "Zero increment");
      this.#sendWindow += increment;
      if (this.#sendWindow > MAX_WINDOW) {
        throw new H2ProtocolError(ErrorCode.FLOW_CONTROL_ERROR, "Connection window overflow");
      }
      this.#pumpAll();
      return;
    }
    const stream = this.#streams.get(frame.streamId);
    if (!stream) return;
    if (increment === 0) return this.#resetStream(stream, ErrorCode.PROTOCOL_ERROR);
    stream.sendWindow += increment;
    if (stream.sendWindow > MAX_WINDOW) {
      return this.#resetStream(stream, ErrorCode.FLOW_CONTROL_ERROR);
    }
    this.#pump(stream);
  }

  #pumpAll(): void {
    for (const stream of this.#streams.values()) {
      if (stream.pending) this.#pump(stream);
      if (this.#sendWindow <= 0) return;
    }
  }

  // ---- lifetime ----

  #armIdle(): void {
    if (this.#idleTimer !== undefined) clearTimeout(this.#idleTimer);
    this.#idleTimer = undefined;
    if (this.#closed || this.#streams.size > 0) return;
    this.#idleTimer = setTimeout(() => {
      this.#idleTimer = undefined;
      if (this.#streams.size > 0) return;
      this.#queue(
        encodeFrame(FrameType.GOAWAY, 0, 0, goawayPayload(this.#lastStreamId, ErrorCode.NO_ERROR)),
      );
      this.#flush();
      this.#teardown();
    }, this.#options.idleTimeoutMs);
  }

  #maybeCloseIdle(): void {
    if ((this.#goawaySent || this.#peerGoingAway) && this.#streams.size === 0) {
      this.#flush();
      this.#teardown();
    }
  }

  #teardown(): void {
    if (this.#closed) return;
    this.#flush();
    this.#closed = true;
    this.#drained?.resolve();
    clearTimeout(this.#stallTimer);
    if (this.#idleTimer !== undefined) clearTimeout(this.#idleTimer);
    clearTimeout(this.#keepaliveTimer);
    clearTimeout(this.#handshakeTimer);
    clearTimeout(this.#shutdownTimer);
    for (const stream of [...this.#streams.values()]) {
      stream.localEnded = true;
      this.#cancel(stream);
      this.#drop(stream);
    }
    this.#streams.clear();
    // Everything this connection reserved goes back to the server's budget.
    this.#budget.starved.delete(this);
    this.#budget.reserved -= this.#receiveWindow;
    this.#receiveWindow = 0;
    this.#budget.released();
    // Close after the frames already queued (a GOAWAY, the last answers) are written.
    let timer: ReturnType<typeof setTimeout> | undefined;
    Promise.race([
      this.#writing,
      new Promise<void>((r) => timer = setTimeout(r, WRITE_GRACE_MS)),
    ]).finally(() => {
      clearTimeout(timer);
      try {
        this.#socket.close();
      } catch { /* already closed */ }
      this.#onClose();
      this.#closedPromise.resolve();
    });
  }
}

const ERROR_CODE_NAMES = new Map<number, string>([
  ...Object.entries(ErrorCode).map(([name, code]) => [code, name] as [number, string]),
  [ENHANCE_YOUR_CALM, "ENHANCE_YOUR_CALM"],
]);

function errorCodeName(code: number): string {
  return ERROR_CODE_NAMES.get(code) ?? `0x${code.toString(16)}`;
}

/** Parses grpc-timeout ("100m", "5S"…) into milliseconds; undefined when malformed. */
export function parseTimeout(value: string): number | undefined {
  const match = /^(\d{1,8})([HMSmun])$/.exec(value);
  if (!match) return undefined;
  const n = Number(match[1]);
  const unit = { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 1e-3, n: 1e-6 }[match[2]]!;
  return n * unit;
}

/** Percent-encodes a grpc-message value (gRPC over HTTP/2: bytes outside 0x20–0x7e and "%"). */
export function encodeGrpcMessage(text: string): string {
  const bytes = utf8.encode(text.length > 4096 ? `${text.slice(0, 4096)}…` : text);
  let out = "";
  for (const b of bytes) {
    out += b >= 0x20 && b <= 0x7e && b !== 0x25
      ? String.fromCharCode(b)
      : `%${b.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

function toMetadata(headers: Map<string, string>): grpc.Metadata {
  const metadata = new grpc.Metadata();
  for (const [name, value] of headers) {
    if (name.startsWith(":") || NOT_METADATA.has(name)) continue;
    try {
      if (name.endsWith("-bin")) {
        for (const part of value.split(",")) metadata.add(name, Buffer.from(part.trim(), "base64"));
      } else {
        metadata.add(name, value);
      }
    } catch { /* a key grpc-js refuses is dropped */ }
  }
  return metadata;
}

function metadataFields(metadata: grpc.Metadata): HeaderField[] {
  const fields: HeaderField[] = [];
  for (const [name, values] of Object.entries(metadata.toHttp2Headers())) {
    if (name.startsWith(":") || name.startsWith("grpc-") || NOT_METADATA.has(name)) continue;
    for (const v of Array.isArray(values) ? values : [values]) {
      fields.push([name, String(v)]);
    }
  }
  return fields;
}

function concat(chunks: Uint8Array[], length?: number): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  if (chunks.length === 0) return EMPTY;
  length ??= chunks.reduce((n, c) => n + c.length, 0);
  const out = new Uint8Array(length);
  let pos = 0;
  for (const c of chunks) {
    out.set(c, pos);
    pos += c.length;
  }
  return out;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
