/**
 * The HTTP/2 connection against a scripted peer on a real socket: each test plays the server's
 * side frame by frame (SETTINGS, PING, WINDOW_UPDATE, GOAWAY, RST_STREAM, PUSH_PROMISE…), which
 * the grpc-js and grpc-go tests cannot force.
 */

import assert from "node:assert/strict";
import { H2Connection, H2StreamError, type StreamHandlers } from "./connection.ts";
import {
  encodeFrame,
  ErrorCode,
  Flag,
  type Frame,
  FrameParser,
  FrameType,
  goawayPayload,
  parseGoaway,
  parseSettings,
  PREFACE,
  readUint32,
  Setting,
  settingsPayload,
  uint32Payload,
} from "./frame.ts";
import { encodeHeaders, type HeaderField, HpackDecoder } from "./hpack.ts";
import { GrpcClient } from "./client.ts";
import { Status } from "./status.ts";

/** The server side of one accepted connection, frame by frame. */
class Peer {
  readonly conn: Deno.Conn;
  readonly frames: Frame[] = [];
  readonly hpack = new HpackDecoder();
  #waiters: Array<() => void> = [];
  eof = false;

  constructor(conn: Deno.Conn) {
    this.conn = conn;
    this.#read();
  }

  async #read(): Promise<void> {
    const parser = new FrameParser(1 << 24);
    let preface = new Uint8Array(0);
    try {
      for await (const chunk of this.conn.readable) {
        let bytes = chunk;
        if (preface.length < PREFACE.length) {
          const need = PREFACE.length - preface.length;
          preface = new Uint8Array([...preface, ...bytes.subarray(0, need)]);
          bytes = bytes.subarray(need);
        }
        this.frames.push(...parser.push(bytes));
        this.#wake();
      }
    } catch { /* reset by the client */ }
    this.eof = true;
    this.#wake();
  }

  #wake(): void {
    for (const w of this.#waiters.splice(0)) w();
  }

  /** Waits for (and removes) the first received frame matching `match`. */
  async next(match: (f: Frame) => boolean, ms = 3_000): Promise<Frame> {
    const deadline = Date.now() + ms;
    for (;;) {
      const at = this.frames.findIndex(match);
      if (at >= 0) return this.frames.splice(at, 1)[0];
      if (this.eof) throw new Error("EOF before the expected frame");
      if (Date.now() > deadline) throw new Error("no such frame in time");
      await new Promise<void>((r) => {
        this.#waiters.push(r);
        setTimeout(r, 50);
      });
    }
  }

  type(type: number) {
    return this.next((f) => f.type === type);
  }

  async send(...frames: Uint8Array[]): Promise<void> {
    for (const f of frames) {
      let pos = 0;
      while (pos < f.length) pos += await this.conn.write(f.subarray(pos));
    }
  }

  /** The server's SETTINGS, then the ACK of the client's. */
  async handshake(settings: Array<[number, number]> = []): Promise<Array<[number, number]>> {
    await this.send(encodeFrame(FrameType.SETTINGS, 0, 0, settingsPayload(settings)));
    const theirs = await this.next((f) => f.type === FrameType.SETTINGS && !(f.flags & Flag.ACK));
    await this.send(encodeFrame(FrameType.SETTINGS, Flag.ACK, 0));
    await this.next((f) => f.type === FrameType.SETTINGS && (f.flags & Flag.ACK) !== 0);
    return parseSettings(theirs.payload);
  }

  respond(streamId: number, body: Uint8Array, end = true): Promise<void> {
    const headers: HeaderField[] = [[":status", "200"], ["content-type", "application/grpc"]];
    return this.send(
      encodeFrame(FrameType.HEADERS, Flag.END_HEADERS, streamId, encodeHeaders(headers)),
      encodeFrame(FrameType.DATA, 0, streamId, body),
      ...(end
        ? [encodeFrame(
          FrameType.HEADERS,
          Flag.END_HEADERS | Flag.END_STREAM,
          streamId,
          encodeHeaders([["grpc-status", "0"]]),
        )]
        : []),
    );
  }
}

async function withPeer(fn: (accept: () => Promise<Peer>, port: number) => Promise<void>) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const peers: Peer[] = [];
  const accept = async () => {
    const peer = new Peer(await listener.accept());
    peers.push(peer);
    return peer;
  };
  try {
    await fn(accept, listener.addr.port);
  } finally {
    listener.close();
    for (const p of peers) {
      try {
        p.conn.close();
      } catch { /* closed */ }
    }
  }
}

/** Connects, accepts, and exchanges SETTINGS (the client is ready only after the server's). */
async function open(
  accept: () => Promise<Peer>,
  port: number,
  settings: Array<[number, number]> = [],
): Promise<{ conn: H2Connection; peer: Peer; theirs: Array<[number, number]> }> {
  const connecting = H2Connection.connect("127.0.0.1", port);
  const peer = await accept();
  const [theirs, conn] = await Promise.all([peer.handshake(settings), connecting]);
  return { conn, peer, theirs };
}

/** A stream owner that records what happens. */
function recorder() {
  const events: string[] = [];
  const ended = Promise.withResolvers<H2StreamError | undefined>();
  const handlers: StreamHandlers = {
    onHeaders: (fields, end) => events.push(`headers ${fields.length}${end ? " end" : ""}`),
    onData: (d) => events.push(`data ${d.length}`),
    onEnd: () => ended.resolve(undefined),
    onError: (e) => ended.resolve(e),
  };
  return { events, handlers, ended: ended.promise };
}

const REQUEST: HeaderField[] = [[":method", "POST"], [":path", "/x.Y/Z"]];
const grpcBody = (n: number) => {
  const b = new Uint8Array(5 + n);
  new DataView(b.buffer).setUint32(1, n);
  return b;
};

Deno.test("handshake: our SETTINGS (push off, big window) and connection WINDOW_UPDATE; PING answered; PRIORITY and unknown frames ignored", () =>
  withPeer(async (accept, port) => {
    const { conn, peer, theirs } = await open(accept, port);
    const settings = new Map(theirs);
    assert.equal(settings.get(Setting.ENABLE_PUSH), 0);
    assert.ok(settings.get(Setting.INITIAL_WINDOW_SIZE)! >= 4 << 20);
    const update = await peer.type(FrameType.WINDOW_UPDATE);
    assert.equal(update.streamId, 0);
    assert.ok(readUint32(update) >= 4 << 20);
    await peer.send(
      encodeFrame(FrameType.PRIORITY, 0, 1, new Uint8Array(5)),
      encodeFrame(0xfa, 0, 0, new Uint8Array([1, 2, 3])),
      encodeFrame(FrameType.PING, 0, 0, new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8])),
    );
    const pong = await peer.type(FrameType.PING);
    assert.equal(pong.flags & Flag.ACK, Flag.ACK);
    assert.deepEqual(Array.from(pong.payload), [1, 2, 3, 4, 5, 6, 7, 8]);
    assert.ok(conn.usable);
    conn.close();
    const goaway = await peer.type(FrameType.GOAWAY);
    assert.equal(parseGoaway(goaway.payload).code, ErrorCode.NO_ERROR);
  }));

Deno.test("stream ids 1, 3, 5; headers split into CONTINUATION at the peer's frame size", () =>
  withPeer(async (accept, port) => {
    const { conn, peer } = await open(accept, port);
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await conn.openStream(REQUEST, recorder().handlers)).id);
    assert.deepEqual(ids, [1, 3, 5]);
    const big: HeaderField[] = [...REQUEST, ["x-big", "b".repeat(40_000)]];
    const s = await conn.openStream(big, recorder().handlers, true);
    const head = await peer.next((f) => f.type === FrameType.HEADERS && f.streamId === s.id);
    assert.equal(head.flags & Flag.END_HEADERS, 0);
    assert.equal(head.flags & Flag.END_STREAM, Flag.END_STREAM);
    assert.equal(head.payload.length, 16_384);
    const parts = [head.payload];
    for (;;) {
      const c = await peer.type(FrameType.CONTINUATION);
      parts.push(c.payload);
      if (c.flags & Flag.END_HEADERS) break;
    }
    const block = new Uint8Array(parts.flatMap((p) => [...p]));
    assert.deepEqual(peer.hpack.decode(block), big);
    conn.close();
  }));

Deno.test("send flow control: a request waits for WINDOW_UPDATEs, and for a larger INITIAL_WINDOW_SIZE", () =>
  withPeer(async (accept, port) => {
    const { conn, peer } = await open(accept, port, [[Setting.INITIAL_WINDOW_SIZE, 1000]]);
    const stream = await conn.openStream(REQUEST, recorder().handlers);
    let sent = false;
    const sending = stream.sendData(new Uint8Array(100_000), true).then(() => sent = true);
    let received = 0;
    const drain = async () => {
      await new Promise((r) => setTimeout(r, 100));
      for (const f of peer.frames.splice(0)) {
        if (f.type === FrameType.DATA) received += f.payload.length;
      }
    };
    await drain();
    assert.equal(received, 1000, "the stream window of 1000 bytes");
    assert.equal(sent, false);
    await peer.send(encodeFrame(FrameType.WINDOW_UPDATE, 0, stream.id, uint32Payload(70_000)));
    await drain();
    assert.equal(received, 65_535, "now the connection window (65535) is the limit");
    await peer.send(encodeFrame(FrameType.WINDOW_UPDATE, 0, 0, uint32Payload(100_000)));
    await drain();
    assert.equal(received, 71_000, "the stream window again");
    // A larger INITIAL_WINDOW_SIZE applies to open streams.
    await peer.send(
      encodeFrame(
        FrameType.SETTINGS,
        0,
        0,
        settingsPayload([[Setting.INITIAL_WINDOW_SIZE, 40_000]]),
      ),
    );
    await sending;
    await drain();
    assert.equal(received, 100_000);
    conn.close();
  }));

Deno.test("MAX_CONCURRENT_STREAMS: a third stream waits until one of two ends", () =>
  withPeer(async (accept, port) => {
    const { conn, peer } = await open(accept, port, [[Setting.MAX_CONCURRENT_STREAMS, 2]]);
    const a = recorder();
    await conn.openStream(REQUEST, a.handlers, true);
    await conn.openStream(REQUEST, recorder().handlers, true);
    let third = false;
    const opening = conn.openStream(REQUEST, recorder().handlers, true).then(() => third = true);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(third, false);
    await peer.respond(1, grpcBody(0));
    assert.equal(await a.ended, undefined);
    await opening;
    assert.equal(conn.activeStreams, 2);
    conn.close();
  }));

Deno.test("GOAWAY: streams above last-stream-id fail unprocessed, the others finish, then the socket closes", () =>
  withPeer(async (accept, port) => {
    const { conn, peer } = await open(accept, port);
    const one = recorder();
    const three = recorder();
    await conn.openStream(REQUEST, one.handlers, true);
    await conn.openStream(REQUEST, three.handlers, true);
    await peer.send(encodeFrame(FrameType.GOAWAY, 0, 0, goawayPayload(1, ErrorCode.NO_ERROR)));
    const refused = await three.ended;
    assert.ok(refused instanceof H2StreamError);
    assert.equal(refused.kind, "unprocessed");
    assert.equal(conn.usable, false);
    await assert.rejects(conn.openStream(REQUEST, recorder().handlers), /closing/);
    await peer.respond(1, grpcBody(3));
    assert.equal(await one.ended, undefined);
    assert.deepEqual(one.events, ["headers 2", "data 8", "headers 1 end"]);
    await peer.next(() => false, 2_000).catch(() => {});
    assert.ok(peer.eof, "the client closed the socket once stream 1 ended");
  }));

Deno.test("RST_STREAM fails that stream only; PUSH_PROMISE is a protocol error that fails the rest", () =>
  withPeer(async (accept, port) => {
    const { conn, peer } = await open(accept, port);
    const a = recorder();
    const b = recorder();
    await conn.openStream(REQUEST, a.handlers, true);
    await conn.openStream(REQUEST, b.handlers, true);
    await peer.send(encodeFrame(FrameType.RST_STREAM, 0, 1, uint32Payload(ErrorCode.CANCEL)));
    const reset = await a.ended;
    assert.equal(reset?.kind, "reset");
    assert.equal(reset?.code, ErrorCode.CANCEL);
    assert.equal(conn.activeStreams, 1);
    await peer.send(encodeFrame(FrameType.PUSH_PROMISE, Flag.END_HEADERS, 3, new Uint8Array(4)));
    const failed = await b.ended;
    assert.equal(failed?.kind, "connection");
    assert.match(failed!.message, /PUSH_PROMISE/);
    const goaway = parseGoaway((await peer.type(FrameType.GOAWAY)).payload);
    assert.equal(goaway.code, ErrorCode.PROTOCOL_ERROR);
  }));

Deno.test("receive flow control: WINDOW_UPDATEs come back as data arrives", () =>
  withPeer(async (accept, port) => {
    const { conn, peer } = await open(accept, port);
    await peer.type(FrameType.WINDOW_UPDATE); // the initial connection update
    const r = recorder();
    await conn.openStream(REQUEST, r.handlers, true);
    await peer.send(encodeFrame(
      FrameType.HEADERS,
      Flag.END_HEADERS,
      1,
      encodeHeaders([[":status", "200"]]),
    ));
    // 5 MiB in 16 KiB frames: more than half of the 8 MiB windows, so credit must come back.
    const chunk = new Uint8Array(16_384);
    for (let i = 0; i < 320; i++) await peer.send(encodeFrame(FrameType.DATA, 0, 1, chunk));
    const connUpdate = await peer.next((f) =>
      f.type === FrameType.WINDOW_UPDATE && f.streamId === 0
    );
    const streamUpdate = await peer.next((f) =>
      f.type === FrameType.WINDOW_UPDATE && f.streamId === 1
    );
    assert.ok(readUint32(connUpdate) >= 4 << 20);
    assert.ok(readUint32(streamUpdate) >= 4 << 20);
    conn.close();
  }));

Deno.test("socket EOF fails open streams; the gRPC client reports UNAVAILABLE", () =>
  withPeer(async (accept, port) => {
    const client = new GrpcClient(`127.0.0.1:${port}`);
    const call = client.unary("/x.Y/Z", new Uint8Array(1), { deadline: Date.now() + 5_000 });
    const peer = await accept();
    await peer.handshake();
    await peer.type(FrameType.DATA);
    peer.conn.close();
    await assert.rejects(call, (e: { code: number }) => e.code === Status.UNAVAILABLE);
    client.close();
  }));

Deno.test("a call refused by GOAWAY goes once more on a new connection (nothing ran)", () =>
  withPeer(async (accept, port) => {
    const client = new GrpcClient(`127.0.0.1:${port}`);
    const call = client.unary("/x.Y/Z", new Uint8Array([7]), { deadline: Date.now() + 5_000 });
    const first = await accept();
    await first.handshake();
    await first.type(FrameType.HEADERS);
    await first.send(encodeFrame(FrameType.GOAWAY, 0, 0, goawayPayload(0, ErrorCode.NO_ERROR)));
    const second = await accept();
    await second.handshake();
    const headers = await second.type(FrameType.HEADERS);
    assert.equal(headers.streamId, 1);
    await second.type(FrameType.DATA);
    const reply = grpcBody(2);
    reply.set([4, 2], 5);
    await second.respond(1, reply);
    assert.deepEqual(Array.from(await call), [4, 2]);
    assert.equal(client.connectionsOpened, 2);
    client.close();
  }));

Deno.test("a peer that accepts TCP but sends no SETTINGS is not a connection", () =>
  withPeer(async (accept, port) => {
    const connecting = H2Connection.connect("127.0.0.1", port, { timeoutMs: 300 });
    await accept();
    const err = await connecting.then(() => assert.fail("connected"), (e) => e);
    assert.ok(err instanceof H2StreamError);
    assert.equal(err.kind, "unprocessed");
    assert.match(err.message, /No HTTP\/2 SETTINGS from 127\.0\.0\.1:\d+ within 300 ms/);
  }));

Deno.test("a refused connection fails at once, naming the address", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  listener.close();
  const err = await H2Connection.connect("127.0.0.1", port, { timeoutMs: 1_000 }).then(
    () => assert.fail("connected"),
    (e) => e,
  );
  assert.ok(err instanceof H2StreamError);
  assert.match(err.message, new RegExp(`Cannot connect to 127\\.0\\.0\\.1:${port}`));
});
