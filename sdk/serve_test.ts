import * as grpc from "@grpc/grpc-js";
import assert from "node:assert/strict";
import { checkHealth, healthClient } from "../shared/grpc/health_client.ts";
import { performerProto } from "../shared/proto/load.ts";
import {
  type LogEntry,
  PERFORMER_SERVICE_NAME,
  PerformerError,
  servePerformer,
  type ServePerformerOptions,
  type Task,
} from "./mod.ts";
import { performerTestClient, randomTaskId } from "./testing.ts";

const text = (b: Uint8Array) => new TextDecoder().decode(b);

/** A performer served in-process on loopback, with its logs captured and a client. */
async function serve(
  options: Partial<ServePerformerOptions> & Pick<ServePerformerOptions, "handleTask">,
) {
  const logs: LogEntry[] = [];
  const stop = new AbortController();
  const performer = await servePerformer({
    host: "127.0.0.1",
    port: 0,
    signal: stop.signal,
    logSink: (e) => logs.push(e),
    ...options,
  });
  const client = performerTestClient(performer.address);
  const health = healthClient(performer.address);
  return {
    performer,
    client,
    health,
    logs,
    stop: (reason?: string) => performer.shutdown(reason),
    async [Symbol.asyncDispose]() {
      client.close();
      health.close();
      stop.abort();
      await performer.finished;
    },
  };
}

function code(err: unknown): string {
  return grpc.status[(err as grpc.ServiceError).code];
}

const waitFor = async (what: string, cond: () => boolean, ms = 5_000) => {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

Deno.test("ExecuteTask passes the decoded task id and payload and echoes the task id bytes", async () => {
  const seen: Task[] = [];
  await using p = await serve({
    handleTask: (task) => {
      seen.push(task);
      return `result for ${text(task.payload)}`;
    },
  });
  const taskId = randomTaskId();
  const reply = await p.client.executeTask(taskId, "ping");
  assert.equal(seen[0].taskId, taskId);
  assert.equal(text(seen[0].payload), "ping");
  assert.equal(reply.taskId.length, 66);
  assert.equal(text(reply.taskId), taskId, "task_id bytes echoed unchanged");
  assert.equal(text(reply.result), "result for ping", "a string result is sent as UTF-8");
});

Deno.test("a Uint8Array result is sent byte for byte", async () => {
  await using p = await serve({ handleTask: () => new Uint8Array([0, 1, 2, 255]) });
  const reply = await p.client.executeTask(randomTaskId(), "x");
  assert.deepEqual([...reply.result], [0, 1, 2, 255]);
});

Deno.test("a PerformerError chooses the status; any other error is INTERNAL with its message", async () => {
  await using p = await serve({
    handleTask: ({ payload }) => {
      const kind = text(payload);
      if (kind === "invalid") {
        throw new PerformerError("Payload is not a number", { code: "INVALID_ARGUMENT" });
      }
      if (kind === "plain") throw new Error("Disk full");
      throw "a string";
    },
  });
  const cases: [string, string, string][] = [
    ["invalid", "INVALID_ARGUMENT", "Payload is not a number"],
    ["plain", "INTERNAL", "Disk full"],
    ["other", "INTERNAL", "a string"],
  ];
  for (const [payload, expectedCode, message] of cases) {
    await assert.rejects(
      p.client.executeTask(randomTaskId(), payload),
      (err: grpc.ServiceError) => {
        assert.equal(code(err), expectedCode, payload);
        assert.equal(err.details, message);
        return true;
      },
    );
  }
});

Deno.test("a call past its deadline fails DEADLINE_EXCEEDED and aborts the handler's signal", async () => {
  let aborted: unknown;
  await using p = await serve({
    handleTask: ({ signal }) =>
      new Promise((_, reject) => {
        signal.addEventListener("abort", () => {
          aborted = signal.reason;
          reject(signal.reason);
        });
      }),
  });
  const t0 = Date.now();
  await assert.rejects(p.client.executeTask(randomTaskId(), "slow", 300), (err) => {
    assert.equal(code(err), "DEADLINE_EXCEEDED");
    return true;
  });
  await waitFor("the handler's signal to abort", () => aborted !== undefined, 2_000);
  assert.ok(Date.now() - t0 < 2_000);
  assert.equal((aborted as DOMException).name, "TimeoutError");
  await waitFor("the task to leave the in-flight set", () => p.performer.inFlight() === 0);
});

Deno.test("a call the client cancels aborts the handler's signal", async () => {
  const started = Promise.withResolvers<void>();
  const aborted = Promise.withResolvers<unknown>();
  await using p = await serve({
    handleTask: ({ signal }) => {
      started.resolve();
      return new Promise((_, reject) =>
        signal.addEventListener("abort", () => {
          aborted.resolve(signal.reason);
          reject(signal.reason);
        })
      );
    },
  });
  const Service = performerProto().eigenlayer.hourglass.v1.performer.PerformerService;
  const raw = new Service(p.performer.address, grpc.credentials.createInsecure());
  try {
    const call = raw.ExecuteTask(
      { taskId: new TextEncoder().encode(randomTaskId()), payload: new Uint8Array() },
      { deadline: Date.now() + 10_000 },
      () => {},
    );
    await started.promise;
    call.cancel();
    const reason = await aborted.promise;
    assert.equal((reason as DOMException).name, "AbortError");
  } finally {
    raw.close();
  }
});

Deno.test("health: SERVING once listening, legacy HealthCheck READY_FOR_TASK; serving:false starts NOT_SERVING", async () => {
  {
    await using p = await serve({ handleTask: () => "" });
    assert.equal(await checkHealth(p.health), "SERVING");
    assert.equal(await checkHealth(p.health, { service: PERFORMER_SERVICE_NAME }), "SERVING");
    assert.equal(await p.client.legacyHealthCheck(), "READY_FOR_TASK");
  }
  {
    await using p = await serve({ handleTask: () => "", serving: false });
    assert.equal(await checkHealth(p.health), "NOT_SERVING");
    await assert.rejects(p.client.legacyHealthCheck(), (err) => code(err) === "UNAVAILABLE");
    p.performer.health.setStatus("", "SERVING");
    assert.equal(await checkHealth(p.health), "SERVING");
  }
});

Deno.test("StartSync reaches startSync with its payload, and answers OK without one", async () => {
  const payloads: string[] = [];
  {
    await using p = await serve({
      handleTask: () => "",
      startSync: ({ payload }) => {
        payloads.push(text(payload));
      },
    });
    await p.client.startSync("block 42");
  }
  assert.deepEqual(payloads, ["block 42"]);
  await using q = await serve({ handleTask: () => "" });
  await q.client.startSync("ignored");
});

Deno.test("shutdown: NOT_SERVING, new tasks refused, the running task finishes, then the port closes", async () => {
  const entered = Promise.withResolvers<void>();
  const release = Promise.withResolvers<void>();
  await using p = await serve({
    handleTask: async ({ payload }) => {
      entered.resolve();
      await release.promise;
      return `done ${text(payload)}`;
    },
  });
  const running = p.client.executeTask(randomTaskId(), "first");
  await entered.promise;
  const stopped = p.stop("test");

  assert.equal(await checkHealth(p.health), "NOT_SERVING");
  await assert.rejects(p.client.executeTask(randomTaskId(), "second"), (err: grpc.ServiceError) => {
    assert.equal(code(err), "UNAVAILABLE");
    assert.match(err.details, /shutting down/);
    return true;
  });
  assert.equal(p.performer.inFlight(), 1);

  release.resolve();
  assert.equal(text((await running).result), "done first", "the in-flight task drained");
  await stopped;
  await assert.rejects(
    checkHealth(p.health, { timeoutMs: 1_000 }),
    (err) => code(err) === "UNAVAILABLE",
  );
  assert.ok(p.logs.some((e) => e.msg === "performer stopped" && e.outcome === "graceful"));
});

Deno.test("shutdown aborts tasks still running after the drain timeout", async () => {
  const entered = Promise.withResolvers<void>();
  await using p = await serve({
    drainTimeoutMs: 200,
    handleTask: ({ signal }) => {
      entered.resolve();
      return new Promise((_, reject) =>
        signal.addEventListener("abort", () => reject(signal.reason))
      );
    },
  });
  const running = p.client.executeTask(randomTaskId(), "stuck", 10_000);
  const failure = running.then(() => undefined, (err: grpc.ServiceError) => err);
  await entered.promise;
  const t0 = Date.now();
  await p.stop();
  assert.ok(Date.now() - t0 < 3_000, `shutdown took ${Date.now() - t0} ms`);
  const err = await failure;
  assert.ok(err, "the stuck task failed");
  assert.equal(code(err), "CANCELLED");
  assert.match(err.details, /shutting down/);
});

Deno.test("logs are JSON records with the task id and outcome, never the payload", async () => {
  const lines: string[] = [];
  const stop = new AbortController();
  const performer = await servePerformer({
    host: "127.0.0.1",
    port: 0,
    signal: stop.signal,
    name: "log-test",
    logSink: (e) => lines.push(JSON.stringify(e)),
    handleTask: ({ payload }) => {
      if (text(payload).includes("boom")) throw new Error("Bad input");
      return "ok";
    },
  });
  const client = performerTestClient(performer.address);
  const taskId = randomTaskId();
  try {
    await client.executeTask(taskId, "secret-api-key-123");
    await client.executeTask(randomTaskId(), "boom secret-api-key-123").catch(() => {});
  } finally {
    client.close();
    stop.abort();
    await performer.finished;
  }
  const records = lines.map((l) => JSON.parse(l));
  const finished = records.find((r) => r.msg === "task finished" && r.taskId === taskId);
  assert.equal(finished?.performer, "log-test");
  assert.equal(finished?.code, "OK");
  assert.equal(typeof finished?.ms, "number");
  assert.ok(records.some((r) => r.msg === "task failed" && r.code === "INTERNAL"));
  assert.ok(!lines.some((l) => l.includes("secret-api-key-123")), "payload never logged");
});
