import * as grpc from "@grpc/grpc-js";
import assert from "node:assert/strict";
import type { HealthClient } from "../proto/gen/grpc/health/v1/Health.ts";
import { checkHealth, healthClient } from "./health_client.ts";
import { HealthServer } from "./health_server.ts";
import { startGrpcServer, stopGrpcServer } from "./server.ts";

/** A real server on loopback serving `health`, and a client connected to it. */
async function serve(health: HealthServer) {
  const started = await startGrpcServer({ host: "127.0.0.1", port: 0, services: [health] });
  const client = healthClient(started.address);
  return {
    client,
    async [Symbol.asyncDispose]() {
      client.close();
      health.endWatches();
      await stopGrpcServer(started.server, 1_000);
    },
  };
}

/** Collects the statuses a Watch stream delivers. */
function watch(client: HealthClient, service: string) {
  const seen: string[] = [];
  const waiters: (() => void)[] = [];
  const stream = client.Watch({ service }, { deadline: Date.now() + 20_000 });
  let ended = false;
  stream.on("data", (m: { status: string }) => {
    seen.push(m.status);
    waiters.splice(0).forEach((w) => w());
  });
  stream.on("end", () => {
    ended = true;
    waiters.splice(0).forEach((w) => w());
  });
  stream.on("error", () => {});
  return {
    seen,
    get ended() {
      return ended;
    },
    /** Resolves once `n` statuses arrived (or fails after 5 s). */
    async until(n: number): Promise<string[]> {
      const deadline = Date.now() + 5_000;
      while (seen.length < n) {
        if (Date.now() > deadline) throw new Error(`Watch got only ${JSON.stringify(seen)}`);
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 100);
        });
      }
      return [...seen];
    },
    cancel: () => stream.cancel(),
  };
}

Deno.test("Check reports SERVING, then NOT_SERVING after setStatus, per service", async () => {
  const health = new HealthServer({ "": "SERVING", "example.Svc": "SERVING" });
  await using h = await serve(health);
  assert.equal(await checkHealth(h.client), "SERVING");
  assert.equal(await checkHealth(h.client, { service: "example.Svc" }), "SERVING");

  health.setStatus("example.Svc", "NOT_SERVING");
  assert.equal(await checkHealth(h.client, { service: "example.Svc" }), "NOT_SERVING");
  assert.equal(await checkHealth(h.client), "SERVING", "the whole server is unaffected");
});

Deno.test("Check of a service never registered fails with NOT_FOUND", async () => {
  const health = new HealthServer({ "": "SERVING" });
  await using h = await serve(health);
  await assert.rejects(checkHealth(h.client, { service: "no.Such" }), (err: grpc.ServiceError) => {
    assert.equal(err.code, grpc.status.NOT_FOUND);
    assert.match(err.details, /no\.Such/);
    return true;
  });
});

Deno.test("Watch sends the current status, then each change once", async () => {
  const health = new HealthServer({ "": "SERVING" });
  await using h = await serve(health);
  const w = watch(h.client, "");
  assert.deepEqual(await w.until(1), ["SERVING"]);

  health.setStatus("", "NOT_SERVING");
  health.setStatus("", "NOT_SERVING"); // not a change: no message
  health.setStatus("", "SERVING");
  assert.deepEqual(await w.until(3), ["SERVING", "NOT_SERVING", "SERVING"]);
  await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(w.seen, ["SERVING", "NOT_SERVING", "SERVING"], "no duplicate message");
  w.cancel();
});

Deno.test("Watch of an unknown service says SERVICE_UNKNOWN and stays open until it is set", async () => {
  const health = new HealthServer({ "": "SERVING" });
  await using h = await serve(health);
  const w = watch(h.client, "later.Svc");
  assert.deepEqual(await w.until(1), ["SERVICE_UNKNOWN"]);
  assert.equal(w.ended, false);

  health.setStatus("later.Svc", "SERVING");
  assert.deepEqual(await w.until(2), ["SERVICE_UNKNOWN", "SERVING"]);
  w.cancel();
});

Deno.test("shutdown() turns every service NOT_SERVING for good and tells watchers", async () => {
  const health = new HealthServer({ "": "SERVING", "example.Svc": "SERVING" });
  await using h = await serve(health);
  const w = watch(h.client, "example.Svc");
  await w.until(1);

  health.shutdown();
  health.setStatus("", "SERVING"); // a late update must not undo the shutdown
  assert.equal(await checkHealth(h.client), "NOT_SERVING");
  assert.equal(await checkHealth(h.client, { service: "example.Svc" }), "NOT_SERVING");
  assert.deepEqual(await w.until(2), ["SERVING", "NOT_SERVING"]);

  health.endWatches();
  const deadline = Date.now() + 5_000;
  while (!w.ended && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.equal(w.ended, true, "endWatches() ends open Watch streams");
});
