/**
 * Keeps the HTTP/2 sessions our grpc-js *clients* take part in short, and closes idle server
 * sessions: what keeps Deno 2.9 alive under denoland/deno#36788 where the GOAWAY shield
 * (goaway_shield.ts) cannot stand in front.
 *
 * What aborts the process (measured with Deno 2.9.6 and a Node.js peer, tests/http2_goaway_test.ts,
 * `deno task bench:http2`): once garbage collections have freed finished HTTP/2 streams, a
 * `node:http2` session that *receives* a GOAWAY (the peer's graceful close: a performer or pod
 * stopping, an aggregator closing its channel) makes nghttp2 walk a stream map holding freed
 * memory: `find_stream_on_goaway_func … closed_next == NULL` (exit 134) or a segfault (139). No
 * JavaScript runs in between, so nothing can catch it. Sending a GOAWAY never crashed the sender.
 * - Servers: a session that carried more than about 85 streams aborted in 8–9 of 9 runs when the
 *   client closed it after a GC. Every server of ours is behind the GOAWAY shield
 *   (`startGrpcServer`), so no client GOAWAY reaches it and its sessions need no stream bound: with
 *   the earlier bound of 32 streams a session, a shielded server answered 2,980–3,620 calls/s at
 *   64 in flight over ~2,500 connections and refused 2–22 calls of 6,000 (REFUSED_STREAM during
 *   the two-step close); unbounded 8,100–11,400 calls/s on one connection, none refused, and 0
 *   aborts in the shielded rounds of `deno task bench:http2`. `boundServerSessions` remains for
 *   tests of clients against servers that end sessions gracefully (as grpc-go's
 *   MaxConnectionAge does). Idle sessions are closed by us after {@link SERVER_SESSION_IDLE_MS}.
 * - Clients: a grpc-js client can abort on a server's GOAWAY after as few as two calls. Ours
 *   therefore end their sessions themselves: a fresh channel every {@link CALLS_PER_CHANNEL}
 *   calls, a full channel closed with its last call, idle ones after {@link CLIENT_IDLE_MS}
 *   (`BoundedClient`). The executor's own clients (performer calls, health checks) do not use
 *   `node:http2` at all (shared/grpc/h2/). What remains is a peer that stops on its own while a
 *   grpc-js client of a dev or test tool holds a session.
 * A new connection every 16 calls costs about 1 ms, amortized under 0.1 ms a call, and the
 * successor channel connects before it is needed. (One connection per call was tried and made
 * things worse: more sessions, more GOAWAYs received by the server side.)
 * @module
 */

import * as grpc from "@grpc/grpc-js";
import type * as http2 from "node:http2";

/**
 * Calls per client channel: few, so that our grpc-js clients end their sessions before a server
 * that bounds its sessions would (a grpc-js client under Deno that *receives* a GOAWAY can abort
 * after very few calls).
 */
export const CALLS_PER_CHANNEL = 16;

/**
 * A client channel without calls for this long is closed by us (`BoundedClient`); below the
 * {@link SERVER_SESSION_IDLE_MS} after which our servers close idle sessions, so our side is the
 * one that closes. (grpc-js's own `grpc.client_idle_timeout_ms` is not used: under Deno it cut a
 * 32 s call after about 20 s.)
 */
export const CLIENT_IDLE_MS = 10_000;

/** Longest wait between the two GOAWAYs of a graceful close. */
export const GOAWAY_GRACE_MS = 1_000;

/** Idle server sessions are closed by us after this long (before a peer's GOAWAY can come). */
export const SERVER_SESSION_IDLE_MS = 60_000;

/** Options of every server we start: idle sessions closed by us (grpc-js does it itself). */
export const BOUNDED_SERVER_OPTIONS: grpc.ServerOptions = {
  "grpc.max_connection_idle_ms": SERVER_SESSION_IDLE_MS,
  // Channelz (grpc-js's per-call bookkeeping for a debugging service) is not served here; off, it
  // keeps no per-call counters or traces: ~3 % more calls/s at 64 in flight on a bare server.
  "grpc.enable_channelz": 0,
};

/** What grpc-js keeps per bound port; read to reach the HTTP/2 servers it created. */
interface GrpcServerInternals {
  http2Servers?: Map<http2.Http2Server, unknown>;
}

/**
 * Closes each HTTP/2 session of `server` from our side once it has carried `maxStreams` streams.
 * Call after `bindAsync` resolved (the HTTP/2 servers exist from then on). grpc-js does not
 * expose its HTTP/2 servers, so this reads its `http2Servers` map; a grpc-js that no longer has
 * it fails loudly here rather than leaving the process exposed.
 */
export function boundServerSessions(server: grpc.Server, maxStreams: number): void {
  const servers = (server as unknown as GrpcServerInternals).http2Servers;
  if (!(servers instanceof Map) || servers.size === 0) {
    throw new Error(
      "boundServerSessions: this grpc-js has no http2Servers map (or nothing is bound yet); " +
        "the HTTP/2 session bound (deno#36788) cannot be applied",
    );
  }
  for (const http2Server of servers.keys()) {
    http2Server.on("session", (session: http2.ServerHttp2Session) => {
      let streams = 0;
      session.on("stream", () => {
        if (++streams === maxStreams) closeGracefully(session);
      });
    });
  }
}

/**
 * The two-step GOAWAY of RFC 9113 §6.8: first "no new streams" with the highest stream id, so
 * every stream the client already sent is still served; once a PING round trip shows the client
 * has seen it (or after {@link GOAWAY_GRACE_MS}), `close()` sends the final GOAWAY and lets the
 * open calls finish. Closing at once refused the streams a busy client had in flight
 * (REFUSED_STREAM, which grpc-js retries only once: tasks failed with UNAVAILABLE at 256 in
 * flight in tests/executor_load_test.ts).
 */
function closeGracefully(session: http2.ServerHttp2Session): void {
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    clearTimeout(timer);
    if (!session.closed && !session.destroyed) session.close();
  };
  const timer = setTimeout(close, GOAWAY_GRACE_MS);
  try {
    session.goaway(0, 2 ** 31 - 1);
    session.ping(close);
  } catch {
    close();
  }
}

/** One channel of a `BoundedClient` and the calls it still carries. */
interface Generation<C> {
  client: C;
  started: number;
  active: number;
  retired: boolean;
}

/** A call's hold on a channel: call `done()` once the call has ended, whatever the outcome. */
export interface ChannelLease<C> {
  client: C;
  done(): void;
}

/**
 * A gRPC client that moves to a fresh channel (its own connection) every `maxStreams` calls and
 * closes each old channel once its last call ended — so every session we hold stays short and
 * it is always our side that ends it (see the module comment).
 */
export class BoundedClient<C extends grpc.Client> {
  readonly #create: () => C;
  readonly #maxStreams: number;
  readonly #idleMs: number;
  /** The channel new calls go to; none after an idle close until the next call. */
  #current: Generation<C> | undefined;
  /** Channels not closed yet: the current one and retired ones with calls in flight. */
  readonly #live = new Set<Generation<C>>();
  #next: C | undefined;
  #idleTimer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  constructor(
    create: () => C,
    options: { maxStreams?: number; idleMs?: number } = {},
  ) {
    this.#create = create;
    this.#maxStreams = options.maxStreams ?? CALLS_PER_CHANNEL;
    this.#idleMs = options.idleMs ?? CLIENT_IDLE_MS;
  }

  /** The channel for one call; release it with `done()` when the call ends. */
  lease(): ChannelLease<C> {
    if (this.#closed) throw new Error("BoundedClient: closed");
    clearTimeout(this.#idleTimer);
    if (!this.#current || this.#current.started >= this.#maxStreams) this.#rotate();
    const generation = this.#current!;
    generation.started++;
    generation.active++;
    // Connect the successor while this channel still has calls left, so no call waits for it.
    if (generation.started === Math.ceil(this.#maxStreams / 2) && !this.#next) {
      this.#next = this.#create();
      this.#next.getChannel().getConnectivityState(true);
    }
    let released = false;
    return {
      client: generation.client,
      done: () => {
        if (released) return;
        released = true;
        generation.active--;
        // A full channel closes with its last call, not at the next call: an open session with
        // finished calls is what a peer's GOAWAY must not find.
        if (generation === this.#current && generation.started >= this.#maxStreams) {
          this.#current = undefined;
          this.#retire(generation);
        }
        this.#closeIfDrained(generation);
        this.#armIdleTimer();
      },
    };
  }

  /** Drops every channel now; the next call opens a new one (e.g. after the peer restarted). */
  reset(): void {
    if (this.#current) this.#retire(this.#current);
    this.#current = undefined;
    this.#next?.close();
    this.#next = undefined;
  }

  /** Closes every channel; calls in flight end with CANCELLED or UNAVAILABLE. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#idleTimer);
    for (const generation of this.#live) generation.client.close();
    this.#live.clear();
    this.#current = undefined;
    this.#next?.close();
    this.#next = undefined;
  }

  #armIdleTimer(): void {
    if (this.#closed || [...this.#live].some((g) => g.active > 0)) return;
    clearTimeout(this.#idleTimer);
    const timer = setTimeout(() => this.reset(), this.#idleMs);
    Deno.unrefTimer(timer);
    this.#idleTimer = timer;
  }

  #rotate(): void {
    if (this.#current) this.#retire(this.#current);
    const next = this.#next ?? this.#create();
    this.#next = undefined;
    this.#current = this.#generation(next);
  }

  #retire(generation: Generation<C>): void {
    generation.retired = true;
    this.#closeIfDrained(generation);
  }

  #closeIfDrained(generation: Generation<C>): void {
    if (!generation.retired || generation.active > 0 || !this.#live.has(generation)) return;
    this.#live.delete(generation);
    generation.client.close();
  }

  #generation(client: C): Generation<C> {
    const generation = { client, started: 0, active: 0, retired: false };
    this.#live.add(generation);
    return generation;
  }
}
