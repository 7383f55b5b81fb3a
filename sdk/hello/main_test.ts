/** hello-performer as a real child process on its own loopback address. */

import * as grpc from "@grpc/grpc-js";
import assert from "node:assert/strict";
import { checkHealth, checkHealthH2, healthClient } from "../../shared/grpc/health_client.ts";
import { GrpcClient } from "../../shared/grpc/h2/client.ts";
import { performerProto } from "../../shared/proto/load.ts";
import { performerTestClient, randomTaskId } from "../testing.ts";
import type { HelloResult } from "./hello.ts";
import { type HelloProcessOptions, startHelloProcess } from "./_test_util.ts";

/** A loopback address of its own, as a node simulator gives each performer. */
function loopback(): string {
  return `127.0.0.${2 + Math.floor(Math.random() * 250)}`;
}

/** A free port on `host`. */
function freePort(host: string): number {
  const l = Deno.listen({ hostname: host, port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

async function start(options: HelloProcessOptions = {}) {
  const proc = await startHelloProcess({ host: loopback(), ...options });
  const client = performerTestClient(proc.address);
  const health = healthClient(proc.address);
  return {
    proc,
    client,
    health,
    async [Symbol.asyncDispose]() {
      client.close();
      health.close();
      await proc.stop(2_000);
    },
  };
}

const codeName = (err: unknown) => grpc.status[(err as grpc.ServiceError).code];
const parse = (b: Uint8Array): HelloResult => JSON.parse(new TextDecoder().decode(b));
const enc = new TextEncoder();
const EXECUTE_TASK =
  performerProto().eigenlayer.hourglass.v1.performer.PerformerService.service.ExecuteTask;

Deno.test("the process listens on HOURGLASS_BIND_HOST:GRPC_PORT, is SERVING, and answers tasks", async () => {
  const host = loopback();
  const port = freePort(host);
  await using h = await start({ host, port, env: { HELLO_VERSION: "v1.2.3" } });
  assert.equal(h.proc.address, `${host}:${port}`);
  assert.equal(await checkHealth(h.health), "SERVING");

  const taskId = randomTaskId();
  const reply = await h.client.executeTask(taskId, "make me loud");
  assert.equal(new TextDecoder().decode(reply.taskId), taskId, "task id bytes echoed");
  assert.deepEqual(parse(reply.result), {
    taskId,
    input: "make me loud",
    output: "MAKE ME LOUD",
    version: "v1.2.3",
  });
});

Deno.test("the fail knob gives INTERNAL with the message", async () => {
  await using h = await start();
  await assert.rejects(
    h.client.executeTask(randomTaskId(), JSON.stringify({ fail: "Price feed stale" })),
    (err: grpc.ServiceError) => {
      assert.equal(codeName(err), "INTERNAL");
      assert.equal(err.details, "Price feed stale");
      return true;
    },
  );
});

Deno.test("a deadline shorter than sleepMs gives DEADLINE_EXCEEDED and the task is abandoned", async () => {
  await using h = await start();
  const taskId = randomTaskId();
  await assert.rejects(
    h.client.executeTask(taskId, JSON.stringify({ sleepMs: 3_000 }), 300),
    (err) => codeName(err) === "DEADLINE_EXCEEDED",
  );
  const record = await h.proc.waitForLog(
    (r) => r.taskId === taskId && r.msg === "task abandoned",
    2_000,
  );
  assert.equal(record.ended, "deadline", "the sleep was cut short, not run to the end");
});

Deno.test("the crash knob kills the process mid-task: the call fails and the exit code is 3", async () => {
  await using h = await start();
  await assert.rejects(
    h.client.executeTask(randomTaskId(), JSON.stringify({ crash: true })),
    (err) => ["UNAVAILABLE", "INTERNAL"].includes(codeName(err)),
  );
  assert.equal((await h.proc.status).code, 3);
});

Deno.test("SIGTERM drains the in-flight task before the process exits", async () => {
  await using h = await start();
  // Our h2 client, not grpc-js: the draining server's GOAWAY on a connection with a call in
  // flight is what aborts a node:http2 client inside nghttp2 (deno#36788), here the test process.
  const tasks = new GrpcClient(h.proc.address);
  const health = new GrpcClient(h.proc.address);
  try {
    const taskId = randomTaskId();
    const running = tasks.call(EXECUTE_TASK, {
      taskId: enc.encode(taskId),
      payload: enc.encode(JSON.stringify({ text: "drained", sleepMs: 1_500 })),
    }, { deadline: Date.now() + 10_000 });
    await h.proc.waitForLog((r) => r.msg === "task started" && r.taskId === taskId);

    h.proc.kill("SIGTERM");
    await h.proc.waitForLog((r) => r.msg?.startsWith("shutting down") === true);
    assert.equal(await checkHealthH2(health), "NOT_SERVING", "out of rotation while draining");

    const reply = await running;
    assert.equal(parse(reply.result).output, "DRAINED");
  } finally {
    tasks.close();
    health.close();
  }
  const status = await h.proc.status;
  assert.equal(status.code, 0);
  const order = h.proc.records.map((r) => r.msg);
  assert.ok(
    order.indexOf("task finished") < order.indexOf("performer stopped"),
    `task finished before the server stopped: ${order.join(" → ")}`,
  );
});

Deno.test("HELLO_CRASH_ON_START=1 exits with code 1 without listening", async () => {
  const proc = await startHelloProcess({ env: { HELLO_CRASH_ON_START: "1" }, waitReady: false });
  const status = await proc.status;
  assert.equal(status.code, 1);
  assert.ok(!proc.records.some((r) => r.msg === "performer listening"));
});

Deno.test("a GRPC_PORT already in use makes the process exit 1 with a log record saying why", async () => {
  const host = loopback();
  const taken = Deno.listen({ hostname: host, port: 0 });
  try {
    const port = (taken.addr as Deno.NetAddr).port;
    const proc = await startHelloProcess({ host, port, waitReady: false });
    assert.equal((await proc.status).code, 1);
    const record = proc.records.find((r) => r.msg === "cannot start");
    assert.match(
      JSON.stringify(record?.error),
      new RegExp(`${host.replaceAll(".", "\\.")}:${port}`),
    );
    assert.match(JSON.stringify(record?.error), /EADDRINUSE/);
  } finally {
    taken.close();
  }
});

Deno.test("HELLO_HEALTH=NOT_SERVING keeps the performer NOT_SERVING", async () => {
  await using h = await start({ env: { HELLO_HEALTH: "NOT_SERVING" } });
  assert.equal(await checkHealth(h.health), "NOT_SERVING");
});

Deno.test("many performers start side by side on their own loopback addresses, fast", async () => {
  const t0 = performance.now();
  const hosts = ["127.0.3.7", "127.0.3.8", "127.0.3.9", "127.0.3.10"];
  const procs = await Promise.all(
    hosts.map((host) => startHelloProcess({ host, port: freePort(host) })),
  );
  const elapsed = performance.now() - t0;
  try {
    for (const [i, proc] of procs.entries()) {
      assert.ok(proc.address.startsWith(`${hosts[i]}:`));
      const client = performerTestClient(proc.address);
      try {
        const reply = await client.executeTask(randomTaskId(), `p${i}`);
        assert.equal(parse(reply.result).output, `P${i}`);
      } finally {
        client.close();
      }
    }
    assert.ok(elapsed < 10_000, `4 performers took ${Math.round(elapsed)} ms to start`);
  } finally {
    await Promise.all(procs.map((p) => p.stop(2_000)));
  }
});
