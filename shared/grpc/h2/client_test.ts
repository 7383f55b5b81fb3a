/**
 * The h2 gRPC client against grpc-js servers over real sockets: results, status codes, deadlines,
 * cancellation, concurrency, flow control with 4 MiB messages, and servers that stop or die.
 */

import assert from "node:assert/strict";
import * as grpc from "@grpc/grpc-js";
import { GrpcClient, MAX_MESSAGE_BYTES } from "./client.ts";
import { Status } from "./status.ts";
import { encodeFrame, FrameType } from "./frame.ts";
import {
  callTask as task,
  PERFORMER,
  rejectsWith,
  startTestServer,
  type TestServer,
} from "../../../tests/fixture/grpc_test_performer.ts";
import { healthProto } from "../../proto/load.ts";
import { startGrpcServer, stopGrpcServer } from "../server.ts";
import { HealthServer } from "../health_server.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);
const execute = () => PERFORMER().service.ExecuteTask;
const check = () => healthProto().grpc.health.v1.Health.service.Check;

async function withServer(fn: (s: TestServer, c: GrpcClient) => Promise<void>) {
  const server = await startTestServer();
  const client = new GrpcClient(server.address);
  try {
    await fn(server, client);
  } finally {
    client.close();
    server.server.forceShutdown();
  }
}

Deno.test("ExecuteTask and health Check answer through the grpc-js definitions", () =>
  withServer(async (_, client) => {
    const res = await task(client, "echo", enc("hello"));
    assert.equal(dec(res.result), "hello");
    assert.equal(dec(res.taskId), "echo");
    const health = await client.call(check(), { service: "" }, { deadline: Date.now() + 2_000 });
    assert.equal(health.status, "SERVING");
    await rejectsWith(
      client.call(check(), { service: "nope" }, { deadline: Date.now() + 2_000 }),
      Status.NOT_FOUND,
    );
  }));

Deno.test("status codes and messages, UTF-8 included; an unknown method is UNIMPLEMENTED", () =>
  withServer(async (_, client) => {
    await rejectsWith(task(client, "fail:3:bad payload"), Status.INVALID_ARGUMENT, /^bad payload$/);
    const text = "Zustand ungültig — 任务失败 ✓ 100%";
    await rejectsWith(
      task(client, `fail:9:${text}`),
      Status.FAILED_PRECONDITION,
      new RegExp(`^${text}$`),
    );
    await rejectsWith(
      client.unary("/pkg.Nope/Do", new Uint8Array(0), { deadline: Date.now() + 2_000 }),
      Status.UNIMPLEMENTED,
    );
    // The connection is still good after failed calls.
    assert.equal(dec((await task(client, "echo", enc("still"))).result), "still");
    assert.equal(client.connectionsOpened, 1);
  }));

Deno.test("a deadline fails the call with DEADLINE_EXCEEDED on time", () =>
  withServer(async (server, client) => {
    const started = Date.now();
    await rejectsWith(task(client, "sleep:3000", enc(""), 300), Status.DEADLINE_EXCEEDED);
    const took = Date.now() - started;
    assert.ok(took >= 250 && took < 1_500, `took ${took} ms`);
    assert.equal(server.started(), 1);
  }));

Deno.test("the local deadline timer fires against a peer that never answers", async () => {
  // A TCP server that sends its SETTINGS and then nothing: no server-side deadline can end the
  // call, only ours.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const held: Deno.Conn[] = [];
  (async () => {
    for await (const c of listener) {
      held.push(c);
      await c.write(encodeFrame(FrameType.SETTINGS, 0, 0));
    }
  })();
  const client = new GrpcClient(`127.0.0.1:${listener.addr.port}`);
  try {
    const started = Date.now();
    await rejectsWith(task(client, "echo", enc(""), 300), Status.DEADLINE_EXCEEDED);
    assert.ok(Date.now() - started < 1_000);
    // A peer that does not even send SETTINGS: the deadline ends the wait for the connection.
    const silent = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const quiet = new GrpcClient(`127.0.0.1:${silent.addr.port}`);
    const accepted = silent.accept();
    await rejectsWith(task(quiet, "echo", enc(""), 300), Status.DEADLINE_EXCEEDED);
    quiet.close();
    (await accepted).close();
    silent.close();
  } finally {
    client.close();
    listener.close();
    for (const c of held) c.close();
  }
});

Deno.test("an AbortSignal cancels the call with CANCELLED", () =>
  withServer(async (_, client) => {
    const abort = new AbortController();
    const call = client.call(execute(), { taskId: enc("sleep:3000"), payload: enc("") }, {
      deadline: Date.now() + 5_000,
      signal: abort.signal,
    });
    setTimeout(() => abort.abort(), 100);
    const started = Date.now();
    await rejectsWith(call, Status.CANCELLED);
    assert.ok(Date.now() - started < 1_000);
    assert.equal(dec((await task(client, "echo", enc("after"))).result), "after");
  }));

Deno.test("150 concurrent calls share one connection", () =>
  withServer(async (_, client) => {
    const results = await Promise.all(
      Array.from({ length: 150 }, (_, i) => task(client, "sleep:50", enc(`call ${i}`))),
    );
    results.forEach((r, i) => assert.equal(dec(r.result), `call ${i}`));
    assert.equal(client.connectionsOpened, 1);
  }));

Deno.test("4 MiB messages both ways (flow control); larger ones are RESOURCE_EXHAUSTED", () =>
  withServer(async (_, client) => {
    const size = MAX_MESSAGE_BYTES - 64; // room for the task id and field tags
    const payload = new Uint8Array(size).map((_, i) => i % 251);
    const echoed = await task(client, "echo", payload, 20_000);
    assert.equal(echoed.result.length, size);
    assert.deepEqual(new Uint8Array(echoed.result), payload);
    const big = await task(client, `big:${size}`, enc(""), 20_000);
    assert.equal(big.result.length, size);
    await rejectsWith(
      task(client, "echo", new Uint8Array(MAX_MESSAGE_BYTES + 1)),
      Status.RESOURCE_EXHAUSTED,
      /exceeds the maximum/,
    );
    await rejectsWith(
      task(client, `big:${MAX_MESSAGE_BYTES + 1}`),
      Status.RESOURCE_EXHAUSTED,
      /larger than the maximum/,
    );
    // Both directions again, concurrently, on the same connection.
    const [a, b] = await Promise.all([
      task(client, "echo", payload, 20_000),
      task(client, `big:${size}`, enc(""), 20_000),
    ]);
    assert.equal(a.result.length + b.result.length, 2 * size);
    assert.equal(client.connectionsOpened, 1);
  }));

Deno.test("a server stopping gracefully: in-flight calls finish, the next call reconnects", async () => {
  let server = await startTestServer();
  const port = server.port;
  const client = new GrpcClient(server.address);
  try {
    const inFlight = task(client, "sleep:400", enc("in flight"));
    await new Promise((r) => setTimeout(r, 100));
    const stopped = stopGrpcServer(server.server, 5_000);
    assert.equal(dec((await inFlight).result), "in flight");
    assert.equal(await stopped, "graceful");
    await rejectsWith(task(client, "echo"), Status.UNAVAILABLE);
    // Between calls: a new server on the same port; the client dials again.
    server = await startTestServer({ port });
    assert.equal(dec((await task(client, "echo", enc("back"))).result), "back");
    assert.equal(client.connectionsOpened, 3);
    await stopGrpcServer(server.server, 5_000);
    server = await startTestServer({ port });
    assert.equal(dec((await task(client, "echo", enc("again"))).result), "again");
  } finally {
    client.close();
    server.server.forceShutdown();
  }
});

Deno.test("sessions a server ends gracefully (GOAWAY every 32 streams) lose no call", async () => {
  const health = new HealthServer({ "": "SERVING" });
  const started = await startGrpcServer({
    host: "127.0.0.1",
    port: 0,
    services: [{ definition: health.definition, implementation: health.implementation }],
    maxStreamsPerSession: 32,
  });
  const client = new GrpcClient(started.address);
  try {
    for (let i = 0; i < 100; i++) {
      const res = await client.call(check(), { service: "" }, { deadline: Date.now() + 2_000 });
      assert.equal(res.status, "SERVING");
    }
    const burst = await Promise.all(
      Array.from(
        { length: 80 },
        () => client.call(check(), { service: "" }, { deadline: Date.now() + 5_000 }),
      ),
    );
    assert.equal(burst.length, 80);
    assert.ok(client.connectionsOpened >= 4, `${client.connectionsOpened} connections`);
  } finally {
    client.close();
    started.server.forceShutdown();
  }
});

Deno.test("a killed server fails the call UNAVAILABLE; the client recovers when it is back", async () => {
  const spawnServer = (port = 0) => {
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        new URL("../../../tests/fixture/grpc_test_performer_main.ts", import.meta.url).pathname,
        `${port}`,
      ],
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    const port$ = (async () => {
      let out = "";
      for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
        out += chunk;
        const m = /port (\d+)/.exec(out);
        if (m) return Number(m[1]);
      }
      throw new Error("the server exited before printing its port");
    })();
    return { child, port: port$ };
  };
  let proc = spawnServer();
  const port = await proc.port;
  const client = new GrpcClient(`127.0.0.1:${port}`);
  try {
    assert.equal(dec((await task(client, "echo", enc("one"))).result), "one");
    const inFlight = rejectsWith(task(client, "sleep:3000"), Status.UNAVAILABLE, /closed/);
    await new Promise((r) => setTimeout(r, 200));
    proc.child.kill("SIGKILL");
    await proc.child.status;
    await inFlight;
    await rejectsWith(task(client, "echo"), Status.UNAVAILABLE, /Cannot connect/);
    proc = spawnServer(port);
    await proc.port;
    assert.equal(dec((await task(client, "echo", enc("two"))).result), "two");
  } finally {
    client.close();
    try {
      proc.child.kill("SIGKILL");
    } catch { /* exited */ }
    await proc.child.status;
  }
});

Deno.test("grpc-js clients and servers agree: same status for the same failure", async () => {
  // A sanity anchor: grpc-js's own client sees the same code and text we do.
  await withServer(async (server) => {
    const Client = PERFORMER();
    const js = new Client(server.address, grpc.credentials.createInsecure());
    try {
      const err = await new Promise<grpc.ServiceError>((resolve) =>
        js.ExecuteTask({ taskId: enc("fail:7:nein ✓"), payload: enc("") }, (e) => resolve(e!))
      );
      assert.equal(err.code, 7);
      assert.equal(err.details, "nein ✓");
    } finally {
      js.close();
    }
  });
});

Deno.test("reset(): calls in flight finish on the old connection, new ones dial a new one", () =>
  withServer(async (_, client) => {
    const inFlight = task(client, "sleep:300", enc("old"));
    await new Promise((r) => setTimeout(r, 100));
    client.reset();
    assert.equal(dec((await task(client, "echo", enc("new"))).result), "new");
    assert.equal(dec((await inFlight).result), "old");
    assert.equal(client.connectionsOpened, 2);
  }));
