import assert from "node:assert/strict";
import { checkHealth, healthClient, waitForServing } from "./health_client.ts";
import { HealthServer } from "./health_server.ts";
import { startGrpcServer, stopGrpcServer } from "./server.ts";

Deno.test("waitForServing waits for SERVING, not merely for an answer", async () => {
  const health = new HealthServer({ "": "NOT_SERVING" });
  const started = await startGrpcServer({ host: "127.0.0.1", port: 0, services: [health] });
  try {
    setTimeout(() => health.setStatus("", "SERVING"), 300);
    const ms = await waitForServing(started.address, { waitMs: 5_000 });
    assert.ok(ms >= 250, `resolved after ${ms} ms, before the status changed`);
  } finally {
    await stopGrpcServer(started.server, 1_000);
  }
});

Deno.test("waitForServing notices a server that starts listening late within about one interval", async () => {
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (probe.addr as Deno.NetAddr).port;
  probe.close();
  const health = new HealthServer({ "": "SERVING" });
  let startedAt = 0;
  const late = new Promise<Awaited<ReturnType<typeof startGrpcServer>>>((resolve) =>
    setTimeout(async () => {
      const s = await startGrpcServer({ host: "127.0.0.1", port, services: [health] });
      startedAt = performance.now();
      resolve(s);
    }, 1_500)
  );
  try {
    await waitForServing(`127.0.0.1:${port}`, { waitMs: 10_000, intervalMs: 50 });
    const lag = performance.now() - startedAt;
    // grpc-js's default reconnect back-off alone would add up to a second or more here.
    assert.ok(lag < 500, `noticed ${Math.round(lag)} ms after the server started`);
  } finally {
    await stopGrpcServer((await late).server, 1_000);
  }
});

Deno.test("waitForServing gives up after waitMs, naming the last status", async () => {
  const health = new HealthServer({ "": "NOT_SERVING" });
  const started = await startGrpcServer({ host: "127.0.0.1", port: 0, services: [health] });
  const client = healthClient(started.address);
  try {
    assert.equal(await checkHealth(client), "NOT_SERVING");
    await assert.rejects(
      waitForServing(started.address, { waitMs: 300 }),
      /did not report SERVING within 300 ms \(last: status NOT_SERVING\)/,
    );
  } finally {
    client.close();
    await stopGrpcServer(started.server, 1_000);
  }
});
