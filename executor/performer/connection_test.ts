/**
 * PerformerConnection over our HTTP/2 client against a real grpc-js performer on a socket: task
 * results, the error each failure maps to, the circuit breaker, health checks and reconnection.
 */

import assert from "node:assert/strict";
import { PerformerConnection } from "./connection.ts";
import { CircuitBreaker } from "./circuit_breaker.ts";
import { TaskError } from "../task/errors.ts";
import { startTestServer } from "../../tests/fixture/grpc_test_performer.ts";
import { stopGrpcServer } from "../../shared/grpc/server.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const soon = (ms = 5_000) => ({ deadline: Date.now() + ms });

async function taskError(promise: Promise<unknown>): Promise<TaskError> {
  const err = await promise.then(() => assert.fail("the task succeeded"), (e) => e);
  assert.ok(err instanceof TaskError, `not a TaskError: ${err}`);
  return err;
}

Deno.test("tasks: the result, and each failure as the TaskError the pipeline expects", async () => {
  const server = await startTestServer();
  const conn = new PerformerConnection(server.address);
  try {
    assert.equal(new TextDecoder().decode(await conn.executeTask("echo", enc("r"), soon())), "r");
    const invalid = await taskError(conn.executeTask("fail:3:bad input ü", enc(""), soon()));
    assert.equal(invalid.code, "InvalidArgument");
    assert.equal(
      invalid.message,
      `The performer at ${server.address} failed the task: bad input ü`,
    );
    assert.ok(invalid.reachedPerformer);
    const late = await taskError(conn.executeTask("sleep:2000", enc(""), soon(200)));
    assert.equal(late.code, "DeadlineExceeded");
    assert.match(late.message, /did not answer before the task's deadline/);
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 100);
    const cancelled = await taskError(
      conn.executeTask("sleep:2000", enc(""), { ...soon(), signal: abort.signal }),
    );
    assert.equal(cancelled.code, "Unavailable");
    assert.equal(conn.breaker.state, "closed");
    assert.equal(await conn.health(), "SERVING");
  } finally {
    conn.close();
    server.server.forceShutdown();
  }
});

Deno.test("a performer that stops: UNAVAILABLE opens the breaker, health recovers after restart", async () => {
  let server = await startTestServer();
  const port = server.port;
  const conn = new PerformerConnection(
    server.address,
    new CircuitBreaker({ failureThreshold: 2, resetTimeoutMs: 200 }),
  );
  try {
    assert.equal(await conn.health(), "SERVING");
    const inFlight = conn.executeTask("sleep:300", enc("x"), soon());
    await new Promise((r) => setTimeout(r, 50));
    await stopGrpcServer(server.server, 5_000); // graceful: GOAWAY, the task finishes
    assert.equal(new TextDecoder().decode(await inFlight), "x");
    for (let i = 0; i < 2; i++) {
      const lost = await taskError(conn.executeTask("echo", enc(""), soon()));
      assert.equal(lost.code, "Unavailable");
      assert.match(lost.message, /^Lost the connection to the performer at 127\.0\.0\.1:\d+/);
    }
    const open = await taskError(conn.executeTask("echo", enc(""), soon()));
    assert.match(open.message, /circuit open/);
    assert.equal(open.reachedPerformer, false);
    for (let i = 0; i < 3; i++) assert.equal(await conn.health(500), "UNREACHABLE");
    server = await startTestServer({ port });
    assert.equal(await conn.health(), "SERVING");
    await new Promise((r) => setTimeout(r, 250)); // half-open: one trial call closes it
    assert.equal(new TextDecoder().decode(await conn.executeTask("echo", enc("y"), soon())), "y");
    assert.equal(conn.breaker.state, "closed");
  } finally {
    conn.close();
    server.server.forceShutdown();
  }
});

Deno.test("close() fails a task in flight as Unavailable", async () => {
  const server = await startTestServer();
  const conn = new PerformerConnection(server.address);
  try {
    const inFlight = taskError(conn.executeTask("sleep:2000", enc(""), soon()));
    await new Promise((r) => setTimeout(r, 100));
    conn.close();
    assert.equal((await inFlight).code, "Unavailable");
  } finally {
    server.server.forceShutdown();
  }
});
