/**
 * The h2 gRPC server (server.ts) against our h2 client (GrpcClient), a raw frame-level peer
 * (malformed input, GOAWAY, resets, limits), grpc-js in Deno (calls only: no server GOAWAY to a
 * node:http2 client in Deno, deno#36788) and grpc-js in Node.js (calls, client and server GOAWAY).
 */

import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import * as grpc from "@grpc/grpc-js";
import { GrpcClient } from "./client.ts";
import { GrpcError, Status } from "./status.ts";
import {
  encodeFrame,
  ErrorCode,
  Flag,
  type Frame,
  FrameParser,
  FrameType,
  goawayPayload,
  parseGoaway,
  PREFACE,
  readUint32,
  settingsPayload,
  uint32Payload,
} from "./frame.ts";
import { encodeHeaders, encodeInteger, type HeaderField, HpackDecoder } from "./hpack.ts";
import {
  encodeGrpcMessage,
  H2GrpcServer,
  type H2GrpcServerOptions,
  type H2ServerUnaryCall,
  type H2ServerWritableStream,
  parseTimeout,
  startH2GrpcServer,
} from "./server.ts";
import {
  callTask as task,
  PERFORMER,
  rejectsWith,
} from "../../../tests/fixture/grpc_test_performer.ts";
import { HealthServer } from "../health_server.ts";
import { healthClient } from "../health_client.ts";
import { healthProto } from "../../proto/load.ts";
import { startGoH2Client } from "../../../tests/fixture/go_h2_peer.ts";
import { executorProto } from "../../proto/load.ts";
import { startGrpcServer, stopGrpcServer } from "../server.ts";
import { taskServiceHandlers } from "../../../executor/server/task_service.ts";
import type { TaskDeps } from "../../../executor/task/pipeline.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);
const execute = () => PERFORMER().service.ExecuteTask;
const check = () => healthProto().grpc.health.v1.Health.service.Check;
const MiB = 1024 * 1024;

interface Calls {
  started: number;
  cancelled: string[];
  last?: H2ServerUnaryCall;
  /** What each `write` of the streaming method returned. */
  writes: boolean[];
}

type TaskCall = H2ServerUnaryCall<{ taskId: Buffer; payload: Buffer }>;
type Callback = (err: unknown, value?: unknown, trailer?: grpc.Metadata) => void;

/** A performer-like service: the task id says what to do (as tests/fixture/grpc_test_performer). */
function performer(calls: Calls) {
  return {
    ExecuteTask(call: TaskCall, callback: Callback) {
      calls.started++;
      calls.last = call as H2ServerUnaryCall;
      const command = call.request.taskId.toString();
      const [verb, arg, ...rest] = command.split(":");
      call.on("cancelled", () => calls.cancelled.push(command));
      const answer = (result: Uint8Array) =>
        callback(null, { taskId: call.request.taskId, result });
      if (verb === "sleep") setTimeout(() => answer(call.request.payload), +arg);
      else if (verb === "hang") return;
      else if (verb === "fail") callback({ code: Number(arg), details: rest.join(":") });
      else if (verb === "big") answer(new Uint8Array(+arg).fill(7));
      else if (verb === "throw") throw new Error("secret internals at /srv/x.ts:12");
      else if (verb === "reject") return Promise.reject(new Error("secret async internals"));
      else if (verb === "meta") {
        const md = call.metadata.getMap();
        const info = {
          peer: call.getPeer(),
          deadline: call.getDeadline() instanceof Date,
          custom: md["x-custom"],
          bin: Buffer.isBuffer(md["x-data-bin"]) ? dec(md["x-data-bin"] as Buffer) : null,
        };
        const trailer = new grpc.Metadata();
        trailer.set("x-trailer", "t");
        callback(null, { taskId: call.request.taskId, result: enc(JSON.stringify(info)) }, trailer);
      } else answer(call.request.payload);
    },
  };
}

/** Identity-serialized echo service, for clients without our protos (Node.js). */
const RAW: grpc.ServiceDefinition = {
  Echo: {
    path: "/test.Raw/Echo",
    requestStream: false,
    responseStream: false,
    requestSerialize: (b: Buffer) => b,
    requestDeserialize: (b: Buffer) => b,
    responseSerialize: (b: Buffer) => b,
    responseDeserialize: (b: Buffer) => b,
  },
};
/** A server-streaming method: "count:size" writes `count` messages of `size` bytes (byte i). */
const RAW_STREAM: grpc.ServiceDefinition = {
  Stream: { ...RAW.Echo, path: "/test.Raw/Stream", responseStream: true },
};
const rawStreamImpl = (calls: Calls) => ({
  Stream(call: H2ServerWritableStream<Buffer, Buffer>) {
    const [count, size, hang] = call.request.toString().split(":");
    call.on("cancelled", () => calls.cancelled.push(call.request.toString()));
    for (let i = 0; i < +count; i++) calls.writes.push(call.write(Buffer.alloc(+size, i)));
    if (hang) return;
    const trailer = new grpc.Metadata();
    trailer.set("x-written", count);
    call.end(trailer);
  },
});
const rawImpl = {
  Echo(call: H2ServerUnaryCall<Buffer>, callback: Callback) {
    const text = call.request.toString();
    if (text.startsWith("fail:")) callback({ code: Status.NOT_FOUND, details: "not here ✓" });
    else if (text.startsWith("sleep:")) {
      setTimeout(() => callback(null, call.request), +text.slice(6));
    } else if (text.startsWith("big:")) callback(null, Buffer.alloc(+text.slice(4), 7));
    else callback(null, call.request);
  },
};

interface Started {
  server: H2GrpcServer;
  port: number;
  address: string;
  calls: Calls;
  health: HealthServer;
}

function start(options: H2GrpcServerOptions = {}): Started {
  const calls: Calls = { started: 0, cancelled: [], writes: [] };
  const health = new HealthServer({ "": "SERVING" });
  const { server, port, address } = startH2GrpcServer({
    host: "127.0.0.1",
    port: 0,
    services: [
      { definition: PERFORMER().service, implementation: performer(calls) as never },
      health,
      { definition: RAW, implementation: rawImpl as never },
      { definition: RAW_STREAM, implementation: rawStreamImpl(calls) as never },
    ],
    serverOptions: { maxMessageBytes: 4 * MiB, ...options },
  });
  return { server, port, address, calls, health };
}

async function withServer(
  fn: (s: Started, c: GrpcClient) => Promise<void>,
  options: H2GrpcServerOptions = {},
) {
  const s = start(options);
  const client = new GrpcClient(s.address, { maxMessageBytes: 8 * MiB });
  try {
    await fn(s, client);
  } finally {
    client.close();
    await s.server.close(1_000);
  }
}

const until = async (what: () => boolean, ms = 2_000) => {
  const deadline = Date.now() + ms;
  while (!what()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 5));
  }
};

/** A frame-level HTTP/2 client: sends what it is told, records every frame it receives. */
class RawPeer {
  readonly conn: Deno.TcpConn;
  readonly frames: Frame[] = [];
  readonly #parser = new FrameParser(1 << 24);
  readonly #hpack = new HpackDecoder();
  eof = false;
  readonly done: Promise<void>;

  private constructor(conn: Deno.TcpConn) {
    this.conn = conn;
    this.done = this.#read();
  }

  static async open(port: number, handshake = true): Promise<RawPeer> {
    const peer = new RawPeer(await Deno.connect({ hostname: "127.0.0.1", port }));
    if (handshake) await peer.send(PREFACE, encodeFrame(FrameType.SETTINGS, 0, 0));
    return peer;
  }

  async #read() {
    const buffer = new Uint8Array(65536);
    try {
      for (;;) {
        const n = await this.conn.read(buffer);
        if (n === null) break;
        this.frames.push(...this.#parser.push(buffer.slice(0, n)));
      }
    } catch { /* reset */ }
    this.eof = true;
  }

  async send(...chunks: Uint8Array[]) {
    for (const c of chunks) {
      let pos = 0;
      while (pos < c.length) pos += await this.conn.write(c.subarray(pos));
    }
  }

  request(id: number, path: string, message: Uint8Array, extra: HeaderField[] = [], flag = 0) {
    const headers = encodeHeaders([
      [":method", "POST"],
      [":scheme", "http"],
      [":path", path],
      [":authority", "x"],
      ["content-type", "application/grpc"],
      ["te", "trailers"],
      ...extra,
    ]);
    const body = new Uint8Array(5 + message.length);
    body[0] = flag;
    new DataView(body.buffer).setUint32(1, message.length);
    body.set(message, 5);
    return [
      encodeFrame(FrameType.HEADERS, Flag.END_HEADERS, id, headers),
      encodeFrame(FrameType.DATA, Flag.END_STREAM, id, body),
    ];
  }

  /** The decoded header blocks received on stream `id` (each a map). */
  headers(id: number): Array<Map<string, string>> {
    return this.frames.filter((f) => f.type === FrameType.HEADERS && f.streamId === id)
      .map((f) => new Map(this.#hpack.decode(f.payload)));
  }

  /** The grpc-status on stream `id`'s last HEADERS, when there is one. */
  status(id: number): string | undefined {
    return this.headers(id).at(-1)?.get("grpc-status");
  }

  goaway(): { lastStreamId: number; code: number; debug: string } | undefined {
    const f = this.frames.find((f) => f.type === FrameType.GOAWAY);
    return f && parseGoaway(f.payload);
  }

  reset(id: number): number | undefined {
    const f = this.frames.find((f) => f.type === FrameType.RST_STREAM && f.streamId === id);
    return f && readUint32(f);
  }

  async close() {
    try {
      this.conn.close();
    } catch { /* closed */ }
    await this.done;
  }
}

const taskBytes = (command: string, payload = enc("")) =>
  execute().requestSerialize({ taskId: enc(command), payload });

// ---------------------------------------------------------------------------------------------

Deno.test("unary calls: ExecuteTask and health Check; metadata, peer, deadline, trailers", () =>
  withServer(async (s, client) => {
    const res = await task(client, "echo", enc("hello"));
    assert.equal(dec(res.result), "hello");
    const health = await client.call(check(), { service: "" }, { deadline: Date.now() + 2_000 });
    assert.equal(health.status, "SERVING");
    await rejectsWith(
      client.call(check(), { service: "nope" }, { deadline: Date.now() + 2_000 }),
      Status.NOT_FOUND,
    );
    // Metadata (text and -bin) through a raw peer, which can send any header.
    const peer = await RawPeer.open(s.port);
    await peer.send(...peer.request(1, execute().path, taskBytes("meta"), [
      ["x-custom", "v1"],
      ["x-data-bin", btoa("bytes!")],
      ["grpc-timeout", "5S"],
    ]));
    await until(() => peer.status(1) !== undefined);
    const [headers, trailers] = peer.headers(1);
    assert.equal(headers.get(":status"), "200");
    assert.equal(trailers.get("grpc-status"), "0");
    assert.equal(trailers.get("x-trailer"), "t");
    const data = peer.frames.find((f) => f.type === FrameType.DATA && f.streamId === 1)!;
    const info = JSON.parse(
      dec(execute().responseDeserialize(Buffer.from(data.payload.subarray(5))).result),
    );
    assert.equal(info.custom, "v1");
    assert.equal(info.bin, "bytes!");
    assert.equal(info.deadline, true);
    assert.match(info.peer, /^127\.0\.0\.1:\d+$/);
    // HEADERS, DATA and trailers of the answer arrived together, SETTINGS/ACKs before them.
    await peer.close();
  }));

Deno.test("statuses and messages: UTF-8 percent-encoded, throw is INTERNAL without internals", () =>
  withServer(async (s, client) => {
    await rejectsWith(task(client, "fail:3:bad payload"), Status.INVALID_ARGUMENT, /^bad payload$/);
    const text = "Zustand ungültig — 任务失败 ✓ 100%";
    await rejectsWith(
      task(client, `fail:9:${text}`),
      Status.FAILED_PRECONDITION,
      new RegExp(`^${text}$`),
    );
    const err = await rejectsWith(task(client, "throw"), Status.INTERNAL);
    assert.doesNotMatch(err.details, /secret|srv|\.ts/);
    await rejectsWith(
      client.unary("/pkg.Nope/Do", new Uint8Array(5), { deadline: Date.now() + 2_000 }),
      Status.UNIMPLEMENTED,
    );
    assert.equal(dec((await task(client, "echo", enc("still"))).result), "still");
    assert.equal(client.connectionsOpened, 1);
    assert.equal(s.calls.started, 4);
    assert.equal(encodeGrpcMessage("a%b\n"), "a%25b%0A");
    assert.equal(parseTimeout("100m"), 100);
    assert.equal(parseTimeout("2S"), 2000);
    assert.equal(parseTimeout("123456789S"), undefined);
  }));

Deno.test("4 MiB messages both ways (flow control); larger ones are RESOURCE_EXHAUSTED", () =>
  withServer(async (_, client) => {
    const payload = new Uint8Array(4 * MiB - 64).map((_, i) => i % 251);
    const res = await task(client, "echo", payload, 20_000);
    assert.deepEqual(new Uint8Array(res.result), payload);
    const big = await task(client, `big:${4 * MiB - 64}`, enc(""), 20_000);
    assert.equal(big.result.length, 4 * MiB - 64);
    await rejectsWith(
      task(client, "echo", new Uint8Array(4 * MiB + 10)),
      Status.RESOURCE_EXHAUSTED,
    );
    await rejectsWith(task(client, `big:${4 * MiB + 10}`), Status.RESOURCE_EXHAUSTED);
    // Several large calls at once share the connection window.
    const many = await Promise.all(
      [1, 2, 3].map(() => task(client, "echo", new Uint8Array(3 * MiB).fill(3), 20_000)),
    );
    for (const r of many) assert.equal(r.result.length, 3 * MiB);
    assert.equal(client.connectionsOpened, 1);
  }));

Deno.test("a response waits for the client's windows (a peer with a 100-byte window)", async () => {
  const s = start();
  const peer = await RawPeer.open(s.port, false);
  await peer.send(PREFACE, encodeFrame(FrameType.SETTINGS, 0, 0, settingsPayload([[0x4, 100]])));
  await peer.send(...peer.request(1, execute().path, taskBytes("big:1000")));
  await until(() => peer.frames.some((f) => f.type === FrameType.DATA));
  await new Promise((r) => setTimeout(r, 50));
  const dataBytes = () =>
    peer.frames.filter((f) => f.type === FrameType.DATA).reduce((n, f) => n + f.payload.length, 0);
  assert.equal(dataBytes(), 100);
  assert.equal(peer.status(1), undefined);
  await peer.send(encodeFrame(FrameType.WINDOW_UPDATE, 0, 1, uint32Payload(10_000)));
  await until(() => peer.status(1) === "0");
  assert.ok(dataBytes() > 1000);
  await peer.close();
  assert.equal(await s.server.close(1_000), "graceful");
});

Deno.test("the server's deadline: DEADLINE_EXCEEDED from grpc-timeout, the handler cancelled", async () => {
  const s = start();
  const peer = await RawPeer.open(s.port);
  const started = Date.now();
  await peer.send(
    ...peer.request(1, execute().path, taskBytes("hang"), [["grpc-timeout", "150m"]]),
  );
  await until(() => peer.status(1) !== undefined);
  const took = Date.now() - started;
  assert.equal(peer.status(1), String(Status.DEADLINE_EXCEEDED));
  assert.ok(took >= 140 && took < 1_000, `took ${took} ms`);
  assert.deepEqual(s.calls.cancelled, ["hang"]);
  assert.equal(s.calls.last?.cancelled, true);
  await peer.close();
  assert.equal(await s.server.close(1_000), "graceful");
});

Deno.test("client cancel (RST_STREAM): the handler sees cancelled; the connection goes on", () =>
  withServer(async (s, client) => {
    const abort = new AbortController();
    const call = task(client, "hang");
    const aborted = client.call(execute(), { taskId: enc("hang"), payload: enc("") }, {
      deadline: Date.now() + 5_000,
      signal: abort.signal,
    });
    await until(() => s.calls.started === 2);
    abort.abort();
    await rejectsWith(aborted, Status.CANCELLED);
    await until(() => s.calls.cancelled.length === 1);
    assert.equal(dec((await task(client, "echo", enc("x"))).result), "x");
    call.catch(() => {});
  }));

Deno.test("150 concurrent calls on one connection", () =>
  withServer(async (s, client) => {
    const results = await Promise.all(
      Array.from({ length: 150 }, (_, i) => task(client, "sleep:50", enc(`n${i}`))),
    );
    results.forEach((r, i) => assert.equal(dec(r.result), `n${i}`));
    assert.equal(client.connectionsOpened, 1);
    assert.equal(s.calls.started, 150);
  }));

Deno.test("client GOAWAY mid-calls: the calls finish, then the connection closes", async () => {
  const s = start();
  const peer = await RawPeer.open(s.port);
  for (const id of [1, 3, 5]) {
    await peer.send(...peer.request(id, execute().path, taskBytes("sleep:100", enc(`c${id}`))));
  }
  await peer.send(encodeFrame(FrameType.GOAWAY, 0, 0, goawayPayload(0, ErrorCode.NO_ERROR)));
  await peer.done; // the server closes once the three are answered
  assert.deepEqual([1, 3, 5].map((id) => peer.status(id)), ["0", "0", "0"]);
  // The server itself goes on.
  const client = new GrpcClient(s.address);
  assert.equal(dec((await task(client, "echo", enc("after"))).result), "after");
  client.close();
  assert.equal(await s.server.close(1_000), "graceful");
});

Deno.test("malformed input: GOAWAY with the error code, reported; other connections keep working", async () => {
  const reported: Array<{ peer: string; code: string; reason: string }> = [];
  const s = start({ onConnectionError: (e) => reported.push(e) });
  const client = new GrpcClient(s.address);
  const slow = task(client, "sleep:300", enc("survivor"));
  const cases: Array<[string, (p: RawPeer) => Promise<void>, number]> = [
    [
      "bad preface",
      (p) => p.send(enc("GET / HTTP/1.1\r\nHost: x\r\n\r\n")),
      ErrorCode.PROTOCOL_ERROR,
    ],
    [
      "first frame not SETTINGS",
      (p) => p.send(PREFACE, encodeFrame(FrameType.PING, 0, 0, new Uint8Array(8))),
      ErrorCode.PROTOCOL_ERROR,
    ],
    [
      "DATA on stream 0",
      (p) => p.send(encodeFrame(FrameType.DATA, 0, 0, enc("x"))),
      ErrorCode.PROTOCOL_ERROR,
    ],
    [
      "HEADERS on an even stream",
      (p) => p.send(encodeFrame(FrameType.HEADERS, Flag.END_HEADERS, 2, new Uint8Array(0))),
      ErrorCode.PROTOCOL_ERROR,
    ],
    [
      "frame above MAX_FRAME_SIZE",
      (p) => p.send(encodeFrame(FrameType.DATA, 0, 1, new Uint8Array(20_000))),
      ErrorCode.FRAME_SIZE_ERROR,
    ],
    [
      "bad HPACK",
      (p) =>
        p.send(
          encodeFrame(FrameType.HEADERS, Flag.END_HEADERS, 1, new Uint8Array([0xff, 0xff, 0xff])),
        ),
      ErrorCode.COMPRESSION_ERROR,
    ],
    [
      "PING of 3 bytes",
      (p) => p.send(encodeFrame(FrameType.PING, 0, 0, new Uint8Array(3))),
      ErrorCode.FRAME_SIZE_ERROR,
    ],
    [
      "SETTINGS of 5 bytes",
      (p) => p.send(encodeFrame(FrameType.SETTINGS, 0, 0, new Uint8Array(5))),
      ErrorCode.FRAME_SIZE_ERROR,
    ],
    [
      "window overflow",
      (p) => p.send(encodeFrame(FrameType.WINDOW_UPDATE, 0, 0, uint32Payload(0x7fff_ffff))),
      ErrorCode.FLOW_CONTROL_ERROR,
    ],
    [
      "CONTINUATION without HEADERS",
      (p) => p.send(encodeFrame(FrameType.CONTINUATION, Flag.END_HEADERS, 1, new Uint8Array(0))),
      ErrorCode.PROTOCOL_ERROR,
    ],
    [
      "PUSH_PROMISE",
      (p) => p.send(encodeFrame(FrameType.PUSH_PROMISE, Flag.END_HEADERS, 1, new Uint8Array(4))),
      ErrorCode.PROTOCOL_ERROR,
    ],
    [
      "DATA on an idle stream",
      (p) => p.send(encodeFrame(FrameType.DATA, 0, 7, enc("x"))),
      ErrorCode.PROTOCOL_ERROR,
    ],
  ];
  const codeNames = new Map(Object.entries(ErrorCode).map(([n, c]) => [c as number, n]));
  for (const [name, act, code] of cases) {
    const handshake = name !== "bad preface" && name !== "first frame not SETTINGS";
    const peer = await RawPeer.open(s.port, handshake);
    await act(peer);
    await peer.done;
    assert.equal(peer.goaway()?.code, code, name);
    const event = reported.shift();
    assert.equal(event?.code, codeNames.get(code), `${name}: reported with its code`);
    const local = peer.conn.localAddr as Deno.NetAddr;
    assert.equal(event?.peer, `127.0.0.1:${local.port}`, `${name}: the client's address`);
    assert.ok(event?.reason, name);
  }
  assert.equal(reported.length, 0, "one report per connection closed");
  assert.equal(dec((await slow).result), "survivor");
  assert.equal(dec((await task(client, "echo", enc("ok"))).result), "ok");
  client.close();
  assert.equal(await s.server.close(1_000), "graceful");
});

Deno.test("bad requests: unknown path, compressed flag, non-gRPC content-type, big headers", async () => {
  const s = start();
  const peer = await RawPeer.open(s.port);
  await peer.send(...peer.request(1, "/pkg.Nope/Do", enc("")));
  await peer.send(...peer.request(3, execute().path, taskBytes("echo"), [], 1));
  const plain = encodeHeaders([
    [":method", "POST"],
    [":scheme", "http"],
    [":path", execute().path],
    ["content-type", "text/plain"],
  ]);
  await peer.send(encodeFrame(FrameType.HEADERS, Flag.END_HEADERS | Flag.END_STREAM, 5, plain));
  // 20 KB of metadata: split over HEADERS + CONTINUATION, above the 16 KiB header list limit.
  const [headers, data] = peer.request(7, execute().path, taskBytes("echo"), [[
    "x-big",
    "y".repeat(20_000),
  ]]);
  const block = headers.subarray(9);
  await peer.send(
    encodeFrame(FrameType.HEADERS, 0, 7, block.subarray(0, 10_000)),
    encodeFrame(FrameType.CONTINUATION, Flag.END_HEADERS, 7, block.subarray(10_000)),
    data,
  );
  // Uppercase header name: malformed, a stream error.
  const upper = encodeHeaders([[":method", "POST"], [":scheme", "http"], [":path", "/x"], [
    "X-Up",
    "1",
  ]]);
  await peer.send(encodeFrame(FrameType.HEADERS, Flag.END_HEADERS | Flag.END_STREAM, 9, upper));
  await until(() =>
    [1, 3, 5, 7].every((id) => peer.status(id) !== undefined) && peer.reset(9) !== undefined
  );
  assert.equal(peer.status(1), String(Status.UNIMPLEMENTED));
  assert.equal(peer.status(3), String(Status.UNIMPLEMENTED));
  assert.equal(peer.headers(5)[0].get(":status"), "415");
  assert.equal(peer.status(7), String(Status.RESOURCE_EXHAUSTED));
  assert.equal(peer.reset(9), ErrorCode.PROTOCOL_ERROR);
  // A header block beyond twice the limit (CONTINUATION flood) ends the connection.
  await peer.send(encodeFrame(FrameType.HEADERS, 0, 11, new Uint8Array(16_000)));
  await peer.send(encodeFrame(FrameType.CONTINUATION, 0, 11, new Uint8Array(16_000)));
  await peer.send(encodeFrame(FrameType.CONTINUATION, 0, 11, new Uint8Array(16_000)));
  await peer.done;
  assert.equal(peer.goaway()?.code, 0xb);
  assert.equal(s.calls.started, 0);
  assert.equal(await s.server.close(1_000), "graceful");
});

Deno.test("limits: REFUSED_STREAM beyond the concurrency cap, rapid reset, idle timeout", async () => {
  const s = start({ maxConcurrentStreams: 2, maxResetsPerWindow: 20, idleTimeoutMs: 300 });
  const peer = await RawPeer.open(s.port);
  for (const id of [1, 3, 5]) {
    await peer.send(...peer.request(id, execute().path, taskBytes("sleep:100")));
  }
  await until(() => peer.status(1) === "0" && peer.status(3) === "0");
  assert.equal(peer.reset(5), ErrorCode.REFUSED_STREAM);
  // Rapid reset: open and cancel streams at once.
  for (let id = 7; id < 7 + 2 * 30; id += 2) {
    const [headers] = peer.request(id, execute().path, taskBytes("hang"));
    await peer.send(
      headers,
      encodeFrame(FrameType.RST_STREAM, 0, id, uint32Payload(ErrorCode.CANCEL)),
    );
  }
  await peer.done;
  assert.equal(peer.goaway()?.code, 0xb);
  // Idle: a connection without streams is closed after idleTimeoutMs.
  const idle = await RawPeer.open(s.port);
  const started = Date.now();
  await idle.done;
  assert.ok(Date.now() - started >= 250, "closed too early");
  assert.equal(idle.goaway()?.code, ErrorCode.NO_ERROR);
  assert.equal(await s.server.close(1_000), "graceful");
});

Deno.test("PING and SETTINGS are acknowledged", async () => {
  const s = start();
  const peer = await RawPeer.open(s.port);
  await peer.send(encodeFrame(FrameType.PING, 0, 0, enc("12345678")));
  await until(() => peer.frames.some((f) => f.type === FrameType.PING));
  const ping = peer.frames.find((f) => f.type === FrameType.PING)!;
  assert.equal(ping.flags, Flag.ACK);
  assert.equal(dec(ping.payload), "12345678");
  assert.ok(peer.frames.some((f) => f.type === FrameType.SETTINGS && f.flags === Flag.ACK));
  const settings = peer.frames.find((f) => f.type === FrameType.SETTINGS && f.flags === 0)!;
  assert.equal(settings.payload.length % 6, 0);
  await peer.close();
  assert.equal(await s.server.close(1_000), "graceful");
});

Deno.test("keepalive: a client silent on an open stream is PINGed; no answer closes it (reported, call cancelled); an answer keeps it; no PINGs without streams", async () => {
  const errors: Array<{ peer: string; code: string; reason: string }> = [];
  const s = start({
    keepaliveIntervalMs: 150,
    keepaliveTimeoutMs: 150,
    onConnectionError: (e) => errors.push(e),
  });
  const pings = (peer: RawPeer) =>
    peer.frames.filter((f) => f.type === FrameType.PING && !(f.flags & Flag.ACK));
  // A client that never answers: one PING after the interval, then the connection is gone.
  const silent = await RawPeer.open(s.port);
  const opened = Date.now();
  await silent.send(...silent.request(1, execute().path, taskBytes("hang")));
  await silent.done;
  const closedAfter = Date.now() - opened;
  assert.equal(pings(silent).length, 1);
  assert.equal(pings(silent)[0].payload.length, 8);
  assert.ok(closedAfter >= 250, `closed after ${closedAfter} ms, before interval + timeout`);
  await until(() => s.calls.cancelled.includes("hang"));
  assert.equal(errors.length, 1);
  assert.equal(errors[0].code, "KEEPALIVE_TIMEOUT");
  assert.match(errors[0].reason, /keepalive PING, with 1 open stream/);
  // A client that answers every PING keeps its stream past several intervals; its call ends OK.
  const alive = await RawPeer.open(s.port);
  await alive.send(...alive.request(1, execute().path, taskBytes("sleep:800")));
  let answered = 0;
  while (alive.status(1) === undefined && !alive.eof) {
    for (const ping of pings(alive).slice(answered)) {
      await alive.send(encodeFrame(FrameType.PING, Flag.ACK, 0, ping.payload));
      answered++;
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.equal(alive.status(1), "0");
  assert.ok(answered >= 2, `${answered} PINGs in 800 ms at a 150 ms interval`);
  // Without open streams: no PINGs (the idle timeout owns that case).
  const idle = await RawPeer.open(s.port);
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(pings(idle).length, 0);
  assert.equal(errors.length, 1);
  await alive.close();
  await idle.close();
  assert.equal(await s.server.close(1_000), "graceful");
});

Deno.test("close(): GOAWAY, in-flight calls finish (graceful) or are cancelled (forced)", async () => {
  const s = start();
  const client = new GrpcClient(s.address);
  await task(client, "echo");
  const inFlight = task(client, "sleep:200", enc("done"));
  await until(() => s.calls.started === 2);
  assert.equal(await s.server.close(2_000), "graceful");
  assert.equal(dec((await inFlight).result), "done");
  await rejectsWith(task(client, "echo"), Status.UNAVAILABLE);
  client.close();

  const t = start();
  const c2 = new GrpcClient(t.address);
  const hanging = task(c2, "hang");
  await until(() => t.calls.started === 1);
  const started = Date.now();
  assert.equal(await t.server.close(150), "forced");
  assert.ok(Date.now() - started < 1_000);
  await rejectsWith(hanging, Status.UNAVAILABLE);
  assert.deepEqual(t.calls.cancelled, ["hang"]);
  assert.equal(t.server.connectionCount, 0);
  c2.close();
});

Deno.test("client-streaming methods are refused at registration; a port in use names itself", () => {
  const server = new H2GrpcServer();
  const clientStreaming = { ...RAW.Echo, requestStream: true };
  assert.throws(() => server.addService({ Up: clientStreaming } as never, {}), /streams requests/);
  const taken = start();
  try {
    assert.throws(
      () => startH2GrpcServer({ host: "127.0.0.1", port: taken.port, services: [] }),
      new RegExp(`Cannot bind the gRPC server to 127\\.0\\.0\\.1:${taken.port}: EADDRINUSE`),
    );
  } finally {
    taken.server.close(0);
  }
});

Deno.test("server-streaming, grpc-js client in Deno: messages in order, trailers, health Watch, cancel, deadline", async () => {
  const s = start();
  const Ctor = grpc.makeGenericClientConstructor({ ...RAW, ...RAW_STREAM }, "Raw");
  const client = new Ctor(s.address, grpc.credentials.createInsecure());
  const health = healthClient(s.address);
  const stream = (text: string, ms = 5_000) => {
    const call = client.makeServerStreamRequest(
      RAW_STREAM.Stream.path,
      (b: Buffer) => b,
      (b: Buffer) => b,
      Buffer.from(text),
      new grpc.Metadata(),
      { deadline: Date.now() + ms },
    );
    const messages: Buffer[] = [];
    call.on("data", (m: Buffer) => messages.push(m));
    const trailers = new Promise<{ code: number; written?: unknown; messages: Buffer[] }>(
      (resolve) => {
        call.on(
          "status",
          (st: grpc.StatusObject) =>
            resolve({ code: st.code, written: st.metadata.get("x-written")[0], messages }),
        );
        call.on("error", () => {});
      },
    );
    return { call, messages, trailers };
  };
  try {
    const ok = await stream("5:100000").trailers;
    assert.equal(ok.code, Status.OK);
    assert.equal(ok.written, "5", "the trailers' metadata arrives");
    assert.deepEqual(ok.messages.map((m) => [m.length, m[0], m.at(-1)]), [
      [100000, 0, 0],
      [100000, 1, 1],
      [100000, 2, 2],
      [100000, 3, 3],
      [100000, 4, 4],
    ]);
    assert.ok(s.calls.writes.includes(false), "writes beyond the client's window return false");
    assert.equal((await stream("0:0").trailers).code, Status.OK, "no message, then OK");

    // The standard health Watch: the current status, then each change; the client's cancel
    // reaches the handler.
    const watch = health.Watch({ service: "" });
    const seen: string[] = [];
    watch.on("data", (m: { status: string }) => seen.push(m.status));
    watch.on("error", () => {});
    await until(() => seen.length === 1);
    s.health.setStatus("", "NOT_SERVING");
    s.health.setStatus("", "SERVING");
    await until(() => seen.length === 3);
    assert.deepEqual(seen, ["SERVING", "NOT_SERVING", "SERVING"]);
    const hanging = stream("1:10:hang");
    await until(() => hanging.messages.length === 1);
    hanging.call.cancel();
    assert.equal((await hanging.trailers).code, Status.CANCELLED);
    await until(() => s.calls.cancelled.includes("1:10:hang"));
    const late = stream("1:10:hang", 300);
    assert.equal((await late.trailers).code, Status.DEADLINE_EXCEEDED);
    assert.equal(late.messages.length, 1, "the message before the deadline arrived");
    // endWatches() ends the Watch with OK (the executor's shutdown does so before draining).
    const ended = new Promise<number>((r) => watch.on("status", (st) => r(st.code)));
    s.health.endWatches();
    assert.equal(await ended, Status.OK);
  } finally {
    client.close();
    health.close();
    await until(() => s.server.connectionCount === 0, 5_000);
    assert.equal(await s.server.close(1_000), "graceful");
  }
});

Deno.test("server-streaming waits for the client's windows; a client that stops reading is ended at 1 MiB queued", async () => {
  const s = start();
  const peer = await RawPeer.open(s.port, false);
  await peer.send(PREFACE, encodeFrame(FrameType.SETTINGS, 0, 0, settingsPayload([[0x4, 100]])));
  await peer.send(...peer.request(1, RAW_STREAM.Stream.path, enc("3:50")));
  const dataBytes = (id: number) =>
    peer.frames.filter((f) => f.type === FrameType.DATA && f.streamId === id)
      .reduce((n, f) => n + f.payload.length, 0);
  await until(() => dataBytes(1) === 100);
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(dataBytes(1), 100, "no more than the stream window");
  assert.equal(peer.status(1), undefined, "the trailers wait behind the messages");
  await peer.send(encodeFrame(FrameType.WINDOW_UPDATE, 0, 1, uint32Payload(1000)));
  await until(() => peer.status(1) === "0");
  assert.equal(dataBytes(1), 3 * 55);
  // 40 messages of 64 KiB to a client that reads none: ended before the 17th (1 MiB queued).
  s.calls.writes.length = 0;
  await peer.send(...peer.request(3, RAW_STREAM.Stream.path, enc(`40:${64 * 1024}`)));
  await until(() => peer.status(3) !== undefined);
  assert.equal(peer.status(3), String(Status.RESOURCE_EXHAUSTED));
  assert.match(peer.headers(3).at(-1)!.get("grpc-message")!, /not reading/);
  assert.equal(s.calls.writes.filter((w) => w).length, 0, "every write said: wait");
  assert.ok(s.calls.writes.length === 40 && s.calls.cancelled.includes(`40:${64 * 1024}`));
  assert.ok(dataBytes(3) <= 100, "nothing beyond the window went out");
  await peer.close();
  assert.equal(await s.server.close(1_000), "graceful");
});

Deno.test("grpc-js client in Deno: OK, statuses, deadline, 4 MiB, concurrency", async () => {
  const s = start();
  const Ctor = grpc.makeGenericClientConstructor(RAW, "Raw");
  const client = new Ctor(s.address, grpc.credentials.createInsecure(), {
    "grpc.max_receive_message_length": 8 * MiB,
  });
  const echo = (text: string | Buffer, ms = 5_000) =>
    new Promise<Buffer>((resolve, reject) =>
      client.makeUnaryRequest(
        RAW.Echo.path,
        (b: Buffer) => b,
        (b: Buffer) => b,
        typeof text === "string" ? Buffer.from(text) : text,
        new grpc.Metadata(),
        { deadline: Date.now() + ms },
        (err: grpc.ServiceError | null, res?: Buffer) => err ? reject(err) : resolve(res!),
      )
    );
  try {
    assert.equal((await echo("hello")).toString(), "hello");
    const err = await echo("fail:").catch((e) => e);
    assert.equal(err.code, Status.NOT_FOUND);
    assert.equal(err.details, "not here ✓");
    const late = await echo("sleep:2000", 200).catch((e) => e);
    assert.equal(late.code, Status.DEADLINE_EXCEEDED);
    const big = Buffer.alloc(4 * MiB - 64, 9);
    assert.equal((await echo(big, 20_000)).length, big.length);
    assert.equal((await echo(`big:${4 * MiB - 64}`, 20_000)).length, 4 * MiB - 64);
    const all = await Promise.all(Array.from({ length: 150 }, (_, i) => echo(`n${i}`)));
    all.forEach((r, i) => assert.equal(r.toString(), `n${i}`));
  } finally {
    // The client goes first (its GOAWAY to us is fine); the server then has no connection to
    // send a GOAWAY on (a GOAWAY to node:http2 in Deno can abort the process, deno#36788).
    client.close();
    await until(() => s.server.connectionCount === 0, 5_000);
    assert.equal(await s.server.close(1_000), "graceful");
  }
});

const NODE_CLIENT = `
const grpc = require("@grpc/grpc-js");
const id = (b) => b;
const Raw = grpc.makeGenericClientConstructor({ Echo: { path: "/test.Raw/Echo", requestStream: false,
  responseStream: false, requestSerialize: id, requestDeserialize: id, responseSerialize: id,
  responseDeserialize: id } }, "Raw");
const client = new Raw(process.argv[2], grpc.credentials.createInsecure(),
  { "grpc.max_receive_message_length": 8 << 20 });
const echo = (m, ms = 5000) => new Promise((resolve) => client.Echo(Buffer.isBuffer(m) ? m : Buffer.from(m),
  { deadline: Date.now() + ms }, (err, res) => resolve(err ? { code: err.code, details: err.details } : { ok: res.length, text: res.length < 100 ? res.toString() : "" })));
(async () => {
  const out = {};
  out.ok = await echo("hello");
  out.fail = await echo("fail:");
  out.deadline = await echo("sleep:2000", 200);
  out.big = await echo(Buffer.alloc((4 << 20) - 64, 1), 20000);
  const many = await Promise.all(Array.from({ length: 150 }, (_, i) => echo("n" + i)));
  out.many = many.filter((r, i) => r.text === "n" + i).length;
  // The server closes gracefully while this call is in flight (its GOAWAY reaches grpc-js here).
  process.stdout.write(JSON.stringify(out) + "\\n");
  out.during = await echo("sleep:300");
  process.stdout.write(JSON.stringify({ during: out.during }) + "\\n");
  client.close();
})();
`;

Deno.test("grpc-js client in Node.js: calls, then the server's graceful close mid-call", async () => {
  const s = start();
  const dir = await Deno.makeTempDir();
  const script = `${dir}/client.cjs`;
  await Deno.writeTextFile(script, NODE_CLIENT);
  const child = new Deno.Command("node", {
    args: [script, s.address],
    env: { NODE_PATH: new URL("../../../node_modules", import.meta.url).pathname },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let out = "";
  const reading = (async () => {
    for await (const c of child.stdout.pipeThrough(new TextDecoderStream())) out += c;
  })();
  const errText = new Response(child.stderr).text();
  try {
    await until(() => out.includes("\n"), 30_000);
    const first = JSON.parse(out.split("\n")[0]);
    assert.deepEqual(first.ok, { ok: 5, text: "hello" });
    assert.deepEqual(first.fail, { code: Status.NOT_FOUND, details: "not here ✓" });
    assert.equal(first.deadline.code, Status.DEADLINE_EXCEEDED);
    assert.equal(first.big.ok, 4 * MiB - 64);
    assert.equal(first.many, 150);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(await s.server.close(3_000), "graceful");
    const status = await child.status;
    await reading;
    assert.equal(status.code, 0, await errText);
    const second = JSON.parse(out.split("\n")[1]);
    assert.deepEqual(second.during, { ok: 9, text: "sleep:300" });
  } finally {
    try {
      child.kill();
    } catch { /* exited */ }
    await s.server.close(100);
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("grpc-go client: health Check and Watch, calls, 4 MiB, 150 concurrent, the server's graceful close mid-call", async () => {
  const s = start();
  const go = await startGoH2Client(s.address);
  try {
    await until(() => go.output().includes("\n"), 60_000);
    const first = JSON.parse(go.output().split("\n")[0]);
    assert.equal(first.health, "SERVING");
    assert.deepEqual(first.watch, ["SERVING", "Canceled"], "Watch's first message, then cancel");
    assert.deepEqual(first.ok, { code: 0, size: 5, text: "hello" });
    assert.deepEqual(first.fail, { code: Status.NOT_FOUND, details: "not here ✓" });
    assert.equal(first.deadline.code, Status.DEADLINE_EXCEEDED);
    assert.equal(first.big.size, 4 * MiB - 64);
    assert.equal(first.bigResponse.size, 4 * MiB - 64);
    assert.equal(first.many, 150);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(await s.server.close(3_000), "graceful");
    const status = await go.child.status;
    assert.equal(status.code, 0, go.errors());
    await until(() => go.output().split("\n").length > 2);
    const second = JSON.parse(go.output().split("\n")[1]);
    assert.deepEqual(second.during, { code: 0, size: 9, text: "sleep:300" });
  } finally {
    try {
      go.child.kill();
    } catch { /* exited */ }
    await s.server.close(100);
  }
});

Deno.test("accepted connections have TCP keepalive on (the kernel's keepalive timer runs)", async () => {
  const s = start();
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: s.port });
  try {
    await until(() => s.server.connectionCount === 1);
    // /proc/net/tcp: the server's end of the connection (local port = the server's, state 01
    // ESTABLISHED) has timer 02, keepalive, as `ss -o` shows "timer:(keepalive,…)".
    const hexPort = s.port.toString(16).toUpperCase().padStart(4, "0");
    const rows = (await Deno.readTextFile("/proc/net/tcp")).split("\n").slice(1)
      .map((line) => line.trim().split(/\s+/))
      .filter((f) => f[1]?.endsWith(`:${hexPort}`) && f[3] === "01");
    assert.equal(rows.length, 1, "one established connection on the server's port");
    assert.equal(rows[0][5].split(":")[0], "02", "the keepalive timer is armed");
  } finally {
    conn.close();
    await s.server.close(1_000);
  }
});

Deno.test("slow read: a client that never reads its answers holds ~1 MiB of ours, not all of them; reading again finishes every call; a stalled one is closed", async () => {
  const reported: Array<{ code: string; reason: string }> = [];
  const s = start({ writeStallTimeoutMs: 1_500, onConnectionError: (e) => reported.push(e) });
  const requests = 60;
  const size = 1_000_000;
  const peer = Object.create(RawPeer.prototype) as RawPeer; // only for request()
  const send = async (conn: Deno.TcpConn, frames: Uint8Array[]) => {
    for (const f of frames) {
      for (let pos = 0; pos < f.length;) pos += await conn.write(f.subarray(pos));
    }
  };
  const calls = (from: number, to: number) =>
    Array.from(
      { length: to - from },
      (_, i) => peer.request(1 + 2 * (from + i), execute().path, taskBytes(`big:${size}`)),
    ).flat();
  /** A client with the largest windows that sends requests and reads nothing (yet). */
  const open = async (first: number) => {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: s.port });
    await send(conn, [
      PREFACE,
      encodeFrame(FrameType.SETTINGS, 0, 0, settingsPayload([[0x4, 0x7fff_ffff]])),
      encodeFrame(FrameType.WINDOW_UPDATE, 0, 0, uint32Payload(0x7fff_ffff - 65_535)),
      ...calls(0, first),
    ]);
    return conn;
  };
  const conn = await open(10);
  // The kernel's buffers take a few MB; past them the server's own queue stops at its mark.
  let most = 0;
  const watch = async (ms: number) => {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      most = Math.max(most, ...s.server.connectionUnwrittenBytes);
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  await watch(500);
  assert.equal(s.calls.started, 10);
  // More requests while backlogged: not read (they wait in the kernel, the client's sends stall).
  await send(conn, calls(10, requests));
  await watch(500);
  assert.equal(s.calls.started, 10, "no request read while the client does not read");
  assert.ok(most >= 1 << 20, `the backlog reached the high-water mark (${most})`);
  assert.ok(most < 2 << 20, `queued for a client that does not read: ${most} bytes`);
  // The client reads: every call completes, in full.
  const parser = new FrameParser(1 << 24);
  const hpack = new HpackDecoder();
  const statuses: string[] = [];
  let data = 0;
  const buffer = new Uint8Array(1 << 16);
  while (statuses.length < requests) {
    const n = await conn.read(buffer);
    if (n === null) break;
    for (const f of parser.push(buffer.slice(0, n))) {
      if (f.type === FrameType.DATA) data += f.payload.length;
      if (f.type === FrameType.HEADERS) {
        const status = new Map(hpack.decode(f.payload)).get("grpc-status");
        if (status !== undefined) statuses.push(status);
      }
    }
  }
  assert.equal(statuses.filter((x) => x === "0").length, requests, "every call answered OK");
  assert.ok(data > requests * size, `all the answers' bytes arrived (${data})`);
  assert.equal(reported.length, 0, "a client that reads again is not closed");
  conn.close();
  // One that never reads is closed once it has taken nothing for writeStallTimeoutMs.
  const stalled = await open(10);
  await until(() => reported.length === 1, 5_000);
  assert.equal(reported[0].code, "STALLED");
  assert.match(reported[0].reason, /read none of \d+ queued bytes for 1500 ms/);
  await until(() => s.server.connectionCount === 0, 5_000);
  stalled.close();
  assert.equal(await s.server.close(1_000), "graceful");
});

Deno.test("connection caps: one address holds at most maxConnectionsPerAddress, refusals reported, a closed one frees its place", async () => {
  const reported: Array<{ peer: string; code: string; reason: string }> = [];
  const s = start({ maxConnectionsPerAddress: 2, onConnectionError: (e) => reported.push(e) });
  const client = new GrpcClient(s.address);
  try {
    const [a, b] = [await RawPeer.open(s.port), await RawPeer.open(s.port)];
    await until(() => s.server.connectionCount === 2);
    // A third from the same address: closed at once, before any frame; reported with its peer.
    const third = await RawPeer.open(s.port, false);
    await third.done;
    assert.equal(third.frames.length, 0);
    await until(() => reported.length === 1);
    assert.equal(reported[0].code, "ADDRESS_CONNECTION_LIMIT");
    assert.match(reported[0].peer, /^127\.0\.0\.1:\d+$/);
    assert.match(reported[0].reason, /127\.0\.0\.1 holds 2 connections, the most allowed/);
    assert.equal(s.server.connectionCount, 2, "the two it holds are kept");
    // The address closes one: its next connection is served.
    a.conn.close();
    await until(() => s.server.connectionCount === 1);
    assert.equal(dec((await task(client, "echo", enc("served"))).result), "served");
    b.conn.close();
  } finally {
    client.close();
    await s.server.close(1_000);
  }
  // The server's own cap (any address) is reported too.
  const full = start({ maxConnections: 1, onConnectionError: (e) => reported.push(e) });
  const only = await RawPeer.open(full.port);
  await until(() => full.server.connectionCount === 1);
  const refused = await RawPeer.open(full.port, false);
  await refused.done;
  await until(() => reported.length === 2);
  assert.equal(reported[1].code, "CONNECTION_LIMIT");
  assert.match(reported[1].reason, /the server holds 1 connections, the most allowed/);
  only.conn.close();
  await full.server.close(1_000);
});

Deno.test("hardening: handshake timeout, connection cap, empty-frame flood, HPACK bomb, long deadlines, async rejections", async () => {
  const s = start({ handshakeTimeoutMs: 150, maxConnections: 3, maxControlFramesPerWindow: 50 });
  // A connection that never sends the preface is closed after handshakeTimeoutMs.
  const mute = await RawPeer.open(s.port, false);
  const started = Date.now();
  await mute.done;
  assert.ok(Date.now() - started >= 120, "closed too early");
  assert.equal(mute.goaway()?.code, ErrorCode.PROTOCOL_ERROR);
  // Beyond maxConnections: closed at once, no frames.
  const peers = [
    await RawPeer.open(s.port),
    await RawPeer.open(s.port),
    await RawPeer.open(s.port),
  ];
  await until(() => s.server.connectionCount === 3);
  const extra = await RawPeer.open(s.port, false);
  await extra.done;
  assert.equal(extra.frames.length, 0);
  // Empty DATA frames on an open stream: ENHANCE_YOUR_CALM.
  const [flood] = peers;
  const [headers] = flood.request(1, execute().path, taskBytes("hang"));
  await flood.send(headers);
  for (let i = 0; i < 60; i++) await flood.send(encodeFrame(FrameType.DATA, 0, 1));
  await flood.done;
  assert.equal(flood.goaway()?.code, 0xb);
  assert.deepEqual(s.calls.cancelled, []); // "hang" never started: no END_STREAM came
  // HPACK bomb: one 4000-byte entry in the dynamic table, referenced 3000 times (12 MB decoded).
  const bomb: number[] = [0x40];
  encodeInteger(bomb, 5, 7);
  bomb.push(...enc("x-big"));
  encodeInteger(bomb, 4000, 7);
  bomb.push(...new Uint8Array(4000).fill(0x61));
  for (let i = 0; i < 3000; i++) bomb.push(0x80 | 62);
  const [, p2] = peers;
  const block = encodeHeaders([
    [":method", "POST"],
    [":scheme", "http"],
    [":path", execute().path],
    ["content-type", "application/grpc"],
  ]);
  await p2.send(
    encodeFrame(
      FrameType.HEADERS,
      Flag.END_HEADERS | Flag.END_STREAM,
      1,
      new Uint8Array([...block, ...bomb]),
    ),
  );
  await until(() => p2.status(1) !== undefined);
  assert.equal(p2.status(1), String(Status.RESOURCE_EXHAUSTED));
  // A deadline beyond setTimeout's range does not fire at once; async handler rejections are
  // INTERNAL without their message.
  const [, , p3] = peers;
  await p3.send(
    ...p3.request(1, execute().path, taskBytes("sleep:50"), [["grpc-timeout", "99999999H"]]),
  );
  await p3.send(...p3.request(3, execute().path, taskBytes("reject")));
  await until(() => p3.status(1) !== undefined && p3.status(3) !== undefined);
  assert.equal(p3.status(1), "0");
  assert.equal(p3.status(3), String(Status.INTERNAL));
  assert.doesNotMatch(p3.headers(3)[0].get("grpc-message") ?? "", /secret/);
  for (const p of peers) await p.close();
  await extra.close();
  assert.equal(await s.server.close(1_000), "graceful");
});

Deno.test("the executor's SubmitTask handler plugs in: same answers as through startGrpcServer", async () => {
  const service = executorProto().eigenlayer.hourglass.v1.ExecutorService.service;
  // Deps that no valid task gets past: these submissions fail validation or find no AVS.
  const deps = { operatorAddress: "0x" + "11".repeat(20), avs: new Map() } as unknown as TaskDeps;
  const ours = new H2GrpcServer();
  ours.addService(service, taskServiceHandlers(deps));
  const oursAddress = `127.0.0.1:${ours.listen("127.0.0.1", 0)}`;
  const theirs = await startGrpcServer({
    host: "127.0.0.1",
    port: 0,
    services: [{ definition: service, implementation: taskServiceHandlers(deps) }],
  });
  const submissions = [
    {},
    {
      taskId: "0x" + "ab".repeat(32),
      avsAddress: "0x" + "22".repeat(20),
      operatorAddress: "0x" + "11".repeat(20),
    },
  ];
  const a = new GrpcClient(oursAddress);
  const b = new GrpcClient(theirs.address);
  try {
    for (const submission of submissions) {
      const call = (c: GrpcClient) =>
        c.call(service.SubmitTask as never, submission, { deadline: Date.now() + 5_000 }).then(
          () => "OK",
          (e: GrpcError) => `${e.code} ${e.details}`,
        );
      const [mine, grpcJs] = [await call(a), await call(b)];
      assert.notEqual(mine, "OK");
      assert.equal(mine, grpcJs);
    }
  } finally {
    a.close();
    b.close();
    assert.equal(await ours.close(1_000), "graceful");
    await stopGrpcServer(theirs.server, 1_000);
  }
});

Deno.test("close() in two steps: GOAWAY(2^31-1) + PING; a stream racing it is served", async () => {
  const s = start();
  const peer = await RawPeer.open(s.port);
  await until(() => s.server.connectionCount === 1);
  const closing = s.server.close(2_000);
  await until(() => peer.frames.some((f) => f.type === FrameType.PING));
  assert.equal(peer.goaway()?.lastStreamId, 0x7fff_ffff);
  // A call the client sent before it saw the GOAWAY, then the PING's answer.
  await peer.send(...peer.request(1, execute().path, taskBytes("sleep:50", enc("raced"))));
  const ping = peer.frames.find((f) => f.type === FrameType.PING)!;
  await peer.send(encodeFrame(FrameType.PING, Flag.ACK, 0, ping.payload));
  assert.equal(await closing, "graceful");
  await peer.done;
  assert.equal(peer.status(1), "0");
  const goaways = peer.frames.filter((f) => f.type === FrameType.GOAWAY).map((f) =>
    parseGoaway(f.payload)
  );
  assert.deepEqual(goaways.map((g) => g.lastStreamId), [0x7fff_ffff, 1]);
});

// ---- memory budgets ---------------------------------------------------------------------------

interface Upload {
  id: number;
  body: Uint8Array;
  sent: number;
}

/** The connection credit the server gave `peer` (initial window plus its WINDOW_UPDATEs on 0). */
const granted = (peer: RawPeer) =>
  peer.frames.filter((f) => f.type === FrameType.WINDOW_UPDATE && f.streamId === 0)
    .reduce((n, f) => n + readUint32(f), 65_535);

/** HEADERS for a performer call whose whole request body (prefix included) is returned. */
function openUpload(peer: RawPeer, id: number, payloadBytes: number): Promise<Upload> {
  const [headers, data] = peer.request(
    id,
    execute().path,
    taskBytes("big:1", new Uint8Array(payloadBytes).fill(1)),
  );
  return peer.send(headers).then(() => ({ id, body: data.subarray(9), sent: 0 }));
}

/**
 * Sends the uploads' DATA round-robin in 16 KiB frames within the connection credit the server
 * gave (its stream windows, 1 MiB, are not reached here), each up to `upTo(u)` bytes, END_STREAM
 * with the last byte; skips refused streams. `sample` runs after each frame and each wait. Returns
 * once nothing moved for `quietMs`.
 */
async function upload(
  peer: RawPeer,
  uploads: Upload[],
  upTo: (u: Upload) => number,
  sample: () => void,
  quietMs = 300,
) {
  let quietSince = Date.now();
  for (;;) {
    let moved = false;
    for (const u of uploads) {
      if (peer.reset(u.id) !== undefined) continue;
      const sentAll = uploads.reduce((n, x) => n + x.sent, 0);
      const n = Math.min(16_384, upTo(u) - u.sent, granted(peer) - sentAll);
      if (n <= 0) continue;
      const end = u.sent + n === u.body.length ? Flag.END_STREAM : 0;
      await peer.send(encodeFrame(FrameType.DATA, end, u.id, u.body.subarray(u.sent, u.sent + n)));
      u.sent += n;
      moved = true;
      sample();
    }
    if (moved) {
      quietSince = Date.now();
      continue;
    }
    if (Date.now() - quietSince > quietMs) return;
    await new Promise((r) => setTimeout(r, 10));
    sample();
  }
}

Deno.test("connection budget: partial requests stop at it, the youngest are refused, all complete", async () => {
  const KiB = 1024;
  const budget = 512 * KiB;
  const s = start({ maxMessageBytes: 256 * KiB, maxConnectionBufferedBytes: budget });
  let most = 0;
  const sample = () => most = Math.max(most, s.server.bufferedBytes);
  const peer = await RawPeer.open(s.port);
  // 8 concurrent requests of 200 KiB (1.6 MiB in all), each held back by 1 KiB.
  const uploads: Upload[] = [];
  for (let id = 1; id <= 15; id += 2) uploads.push(await openUpload(peer, id, 200 * KiB));
  await upload(peer, uploads, (u) => u.body.length - KiB, sample);
  assert.ok(most <= budget, `buffered ${most} > budget ${budget}`);
  assert.ok(s.server.bufferedBytes > budget / 2, `only ${s.server.bufferedBytes} buffered`);
  const refused = uploads.filter((u) => peer.reset(u.id) === ErrorCode.REFUSED_STREAM);
  assert.ok(refused.length > 0 && refused.length < uploads.length, `${refused.length} refused`);
  assert.equal(s.calls.started, 0);
  // A second connection is served meanwhile.
  const other = new GrpcClient(s.address);
  assert.equal((await task(other, "big:3", new Uint8Array(200 * KiB))).result.length, 3);
  other.close();
  // The rest sent in full: the older requests complete, the refused ones are retried one by one.
  await upload(peer, uploads, (u) => u.body.length, sample);
  const kept = uploads.filter((u) => !refused.includes(u));
  await until(() => kept.every((u) => peer.status(u.id) === "0"));
  let id = 17;
  for (const _ of refused) {
    const retry = await openUpload(peer, id, 200 * KiB);
    await upload(peer, [...uploads, retry], (u) => u.body.length, sample, 50);
    await until(() => peer.status(retry.id) === "0");
    uploads.push(retry);
    id += 2;
  }
  assert.ok(most <= budget, `buffered ${most} > budget ${budget}`);
  assert.equal(s.server.bufferedBytes, 0);
  assert.equal(s.calls.started, uploads.length - refused.length + 1);
  assert.equal(peer.goaway(), undefined);
  await peer.close();
  assert.equal(await s.server.close(1_000), "graceful");
});

Deno.test("server budget: holds across connections; closing connections hands their room on", async () => {
  const KiB = 1024;
  const budget = 1024 * KiB;
  const s = start({
    maxMessageBytes: 256 * KiB,
    maxConnectionBufferedBytes: 512 * KiB,
    maxServerBufferedBytes: budget,
  });
  let most = 0;
  const sample = () => most = Math.max(most, s.server.bufferedBytes);
  const peers: RawPeer[] = [];
  const uploads: Upload[][] = [];
  for (let i = 0; i < 4; i++) {
    const peer = await RawPeer.open(s.port);
    peers.push(peer);
    uploads.push([await openUpload(peer, 1, 200 * KiB), await openUpload(peer, 3, 200 * KiB)]);
  }
  // Each connection wants 400 KiB (within its budget), 1.6 MiB in all: the server's stops them.
  await Promise.all(
    peers.map((p, i) => upload(p, uploads[i], (u) => u.body.length - KiB, sample)),
  );
  assert.ok(most <= budget, `buffered ${most} > budget ${budget}`);
  assert.ok(s.server.bufferedBytes > budget / 2, `only ${s.server.bufferedBytes} buffered`);
  assert.ok(s.server.connectionBufferedBytes.every((n) => n <= 512 * KiB));
  // Three connections close; the last one's requests complete.
  for (const p of peers.slice(0, 3)) await p.close();
  await until(() => s.server.connectionCount === 1);
  const last = peers[3];
  await upload(last, uploads[3], (u) => u.body.length, sample, 100);
  const open = uploads[3].filter((u) => last.reset(u.id) === undefined);
  assert.ok(open.length > 0);
  await until(() => open.every((u) => last.status(u.id) === "0"));
  assert.ok(most <= budget, `buffered ${most} > budget ${budget}`);
  assert.equal(s.server.bufferedBytes, 0);
  await last.close();
  assert.equal(await s.server.close(1_000), "graceful");
});

Deno.test("budgets below one largest request plus the initial window are refused", () => {
  assert.throws(
    () => new H2GrpcServer({ maxMessageBytes: 1024 * 1024, maxConnectionBufferedBytes: MiB }),
    RangeError,
  );
  assert.throws(
    () => new H2GrpcServer({ maxConnectionBufferedBytes: 32 * MiB, maxServerBufferedBytes: MiB }),
    RangeError,
  );
  new H2GrpcServer({ maxMessageBytes: 64 * MiB }); // the default budget grows with the message
});
