import assert from "node:assert/strict";
import * as grpc from "@grpc/grpc-js";
import type * as http2 from "node:http2";
import { BoundedClient, CALLS_PER_CHANNEL } from "./bounded_sessions.ts";
import { checkHealth, healthClient } from "./health_client.ts";
import { HealthServer } from "./health_server.ts";
import { startGrpcServer, stopGrpcServer } from "./server.ts";

/** A health server that counts the HTTP/2 sessions it accepts and how many ended. */
async function countingServer(maxStreamsPerSession?: number) {
  const health = new HealthServer({ "": "SERVING" });
  const started = await startGrpcServer({
    host: "127.0.0.1",
    port: 0,
    services: [{ definition: health.definition, implementation: health.implementation }],
    maxStreamsPerSession,
  });
  const counts = { sessions: 0, open: 0, closed: 0 };
  const servers = (started.server as unknown as { http2Servers: Map<http2.Http2Server, unknown> })
    .http2Servers;
  for (const h2 of servers.keys()) {
    h2.on("session", (session: http2.ServerHttp2Session) => {
      counts.sessions++;
      counts.open++;
      session.on("close", () => {
        counts.open--;
        counts.closed++;
      });
    });
  }
  return { ...started, counts };
}

const settle = () => new Promise((r) => setTimeout(r, 300));

Deno.test("BoundedClient moves to a new connection every CALLS_PER_CHANNEL calls and closes the old ones itself", async () => {
  const server = await countingServer();
  const client = new BoundedClient(() => healthClient(server.address));
  try {
    const calls = CALLS_PER_CHANNEL * 3 + 1;
    for (let i = 0; i < calls; i++) {
      const lease = client.lease();
      try {
        assert.equal(await checkHealth(lease.client), "SERVING");
      } finally {
        lease.done();
      }
    }
    await settle();
    // Four channels carried the calls (the fifth is the successor connected ahead of need).
    assert.ok(
      server.counts.sessions >= 4 && server.counts.sessions <= 5,
      `${server.counts.sessions}`,
    );
    // The three full channels were closed by the client (the server, behind its GOAWAY shield,
    // sees their connections end).
    assert.ok(server.counts.closed >= 3, `${server.counts.closed} sessions closed`);
    assert.ok(server.counts.open <= 2, `${server.counts.open} sessions still open`);
  } finally {
    client.close();
    await stopGrpcServer(server.server, 1_000);
  }
});

Deno.test("BoundedClient keeps a retired channel open until its last call ended", async () => {
  const server = await countingServer();
  const client = new BoundedClient(() => healthClient(server.address), { maxStreams: 2 });
  try {
    const first = client.lease();
    const second = client.lease();
    const third = client.lease(); // moves on: the first channel is retired with two calls held
    assert.notEqual(third.client, first.client);
    const state = () => first.client.getChannel().getConnectivityState(false);
    first.done();
    assert.notEqual(state(), grpc.connectivityState.SHUTDOWN);
    assert.equal(await checkHealth(second.client), "SERVING");
    second.done();
    assert.equal(state(), grpc.connectivityState.SHUTDOWN);
    third.done();
  } finally {
    client.close();
    await stopGrpcServer(server.server, 1_000);
  }
});

Deno.test("BoundedClient closes an idle channel itself and opens a new one on the next call", async () => {
  const server = await countingServer();
  const client = new BoundedClient(() => healthClient(server.address), { idleMs: 200 });
  try {
    const call = async () => {
      const lease = client.lease();
      try {
        assert.equal(await checkHealth(lease.client), "SERVING");
      } finally {
        lease.done();
      }
    };
    await call();
    await new Promise((r) => setTimeout(r, 600));
    assert.equal(server.counts.open, 0, "the idle session was closed by the client");
    await call();
    assert.equal(server.counts.sessions, 2);
  } finally {
    client.close();
    await stopGrpcServer(server.server, 1_000);
  }
});

Deno.test("our servers keep a busy client on one session: no stream bound behind the shield", async () => {
  const server = await countingServer();
  const client = healthClient(server.address);
  try {
    let failed = 0;
    let next = 0;
    await Promise.all(Array.from({ length: 8 }, async () => {
      while (next++ < 400) await checkHealth(client).catch(() => failed++);
    }));
    assert.equal(failed, 0);
    assert.equal(server.counts.sessions, 1, `${server.counts.sessions} sessions for 400 calls`);
  } finally {
    client.close();
    await stopGrpcServer(server.server, 1_000);
  }
});

Deno.test("a server bounding its sessions ends each after maxStreamsPerSession streams, in-flight calls included", async () => {
  const maxStreams = 32;
  const server = await countingServer(maxStreams);
  // A plain grpc-js client with no bound of its own, 8 calls in flight at a time.
  const client = healthClient(server.address);
  try {
    const calls = maxStreams * 4;
    let failed = 0;
    let next = 0;
    await Promise.all(Array.from({ length: 8 }, async () => {
      while (next++ < calls) {
        await checkHealth(client).catch(() => failed++);
      }
    }));
    // Every call answered: the two-step GOAWAY refuses none of the calls already sent.
    assert.equal(failed, 0);
    assert.ok(server.counts.sessions >= 3, `${server.counts.sessions} sessions for ${calls} calls`);
  } finally {
    client.close();
    await stopGrpcServer(server.server, 1_000);
  }
});
