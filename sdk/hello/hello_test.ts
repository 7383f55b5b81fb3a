/** hello-performer served in-process through the SDK, over real gRPC on loopback. */

import type * as grpc from "@grpc/grpc-js";
import assert from "node:assert/strict";
import { servePerformer } from "../mod.ts";
import { performerTestClient, randomTaskId } from "../testing.ts";
import {
  type HelloConfig,
  helloConfigFromEnv,
  type HelloResult,
  helloTaskHandler,
} from "./hello.ts";

const CONFIG: HelloConfig = {
  version: "v-test",
  delayMs: 0,
  crashOnStart: false,
  health: "SERVING",
};

async function serveHello(config: HelloConfig = CONFIG, exit?: (code: number) => void) {
  const stop = new AbortController();
  const performer = await servePerformer({
    host: "127.0.0.1",
    port: 0,
    signal: stop.signal,
    logSink: () => {},
    handleTask: helloTaskHandler(config, { exit }),
  });
  const client = performerTestClient(performer.address);
  return {
    client,
    async [Symbol.asyncDispose]() {
      client.close();
      stop.abort();
      await performer.finished;
    },
  };
}

const parse = (b: Uint8Array): HelloResult => JSON.parse(new TextDecoder().decode(b));

Deno.test("hello upper-cases the payload and reports its version", async () => {
  await using h = await serveHello();
  const taskId = randomTaskId();
  const reply = await h.client.executeTask(taskId, "hello, wörld");
  assert.deepEqual(parse(reply.result), {
    taskId,
    input: "hello, wörld",
    output: "HELLO, WÖRLD",
    version: "v-test",
  });
});

Deno.test("hello upper-cases the text knob of a JSON payload, keeping the whole payload as input", async () => {
  await using h = await serveHello();
  const payload = JSON.stringify({ text: "abc", sleepMs: 10 });
  const result = parse((await h.client.executeTask(randomTaskId(), payload)).result);
  assert.equal(result.input, payload);
  assert.equal(result.output, "ABC");
});

Deno.test("hello's fail knob fails the task with INTERNAL and the message", async () => {
  await using h = await serveHello();
  await assert.rejects(
    h.client.executeTask(randomTaskId(), JSON.stringify({ fail: "Oracle unreachable" })),
    (err: grpc.ServiceError) => err.code === 13 && err.details === "Oracle unreachable",
  );
});

Deno.test("a knob of the wrong type is INVALID_ARGUMENT naming the field", async () => {
  await using h = await serveHello();
  await assert.rejects(
    h.client.executeTask(randomTaskId(), JSON.stringify({ sleepMs: "soon" })),
    (err: grpc.ServiceError) => err.code === 3 && /"sleepMs"/.test(err.details),
  );
});

Deno.test("sleepMs longer than the deadline gives DEADLINE_EXCEEDED", async () => {
  await using h = await serveHello();
  const t0 = Date.now();
  await assert.rejects(
    h.client.executeTask(randomTaskId(), JSON.stringify({ sleepMs: 5_000 }), 200),
    (err: grpc.ServiceError) => err.code === 4,
  );
  assert.ok(Date.now() - t0 < 2_000);
});

Deno.test("HELLO_DELAY_MS delays every task", async () => {
  await using h = await serveHello({ ...CONFIG, delayMs: 300 });
  const t0 = performance.now();
  await h.client.executeTask(randomTaskId(), "x");
  assert.ok(performance.now() - t0 >= 290, `took ${performance.now() - t0} ms`);
});

Deno.test("the crash knob exits with code 3 in the middle of the task", async () => {
  const exits: number[] = [];
  await using h = await serveHello(CONFIG, (code) => exits.push(code));
  // In-process the injected exit returns, so the task then completes; the process test covers
  // the real exit.
  await h.client.executeTask(randomTaskId(), JSON.stringify({ crash: true }));
  assert.deepEqual(exits, [3]);
});

Deno.test("HELLO_* variables are read, and malformed ones are errors naming them", () => {
  const env = (vars: Record<string, string>) => (name: string) => vars[name];
  assert.deepEqual(helloConfigFromEnv(env({})), {
    version: "dev",
    delayMs: 0,
    crashOnStart: false,
    health: "SERVING",
  });
  assert.deepEqual(
    helloConfigFromEnv(env({
      HELLO_VERSION: "v3",
      HELLO_DELAY_MS: "25",
      HELLO_CRASH_ON_START: "1",
      HELLO_HEALTH: "NOT_SERVING",
    })),
    { version: "v3", delayMs: 25, crashOnStart: true, health: "NOT_SERVING" },
  );
  assert.throws(() => helloConfigFromEnv(env({ HELLO_DELAY_MS: "1s" })), /HELLO_DELAY_MS/);
  assert.throws(() => helloConfigFromEnv(env({ HELLO_HEALTH: "OK" })), /HELLO_HEALTH/);
});
