import assert from "node:assert/strict";
import { clientAddressOf, GoawayFilter } from "./goaway_shield.ts";
import { checkHealth, healthClient } from "./health_client.ts";
import { HealthServer } from "./health_server.ts";
import { startGrpcServer, stopGrpcServer } from "./server.ts";

const PREFACE = new TextEncoder().encode("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");

function frame(type: number, payload: number[], streamId = 0): Uint8Array {
  const out = new Uint8Array(9 + payload.length);
  out.set([payload.length >> 16, (payload.length >> 8) & 0xff, payload.length & 0xff, type, 0]);
  new DataView(out.buffer).setUint32(5, streamId);
  out.set(payload, 9);
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

Deno.test("GoawayFilter drops GOAWAY frames and passes everything else, however the bytes are cut", () => {
  const settings = frame(0x4, [0, 3, 0, 0, 0, 100]);
  const goaway = frame(0x7, [0, 0, 0, 5, 0, 0, 0, 0, 0x62, 0x79, 0x65]);
  const data = frame(0x0, [1, 2, 3, 4, 5], 1);
  const ping = frame(0x6, [1, 2, 3, 4, 5, 6, 7, 8]);
  const input = concat(PREFACE, settings, goaway, data, goaway, ping);
  const expected = concat(PREFACE, settings, data, ping);
  for (const cut of [1, 2, 3, 7, 9, 10, 13, input.length]) {
    const filter = new GoawayFilter();
    const parts: Uint8Array[] = [];
    for (let at = 0; at < input.length; at += cut) {
      parts.push(filter.push(input.subarray(at, at + cut)));
    }
    assert.deepEqual(concat(...parts), expected, `chunks of ${cut} bytes`);
    assert.equal(filter.dropped, 2);
  }
});

Deno.test("a shielded server answers calls and knows each caller's own address", async () => {
  const health = new HealthServer({ "": "SERVING" });
  const peers: [string, string][] = [];
  const handlers = health.implementation as unknown as Record<
    string,
    (call: { getPeer(): string }, cb: unknown) => void
  >;
  const started = await startGrpcServer({
    host: "127.0.0.1",
    port: 0,
    services: [{
      definition: health.definition,
      implementation: {
        ...health.implementation,
        Check: (call: { getPeer(): string }, cb: unknown) => {
          peers.push([call.getPeer(), clientAddressOf(call.getPeer())]);
          handlers.Check(call, cb);
        },
      },
    }],
  });
  const client = healthClient(started.address);
  try {
    assert.equal(await checkHealth(client), "SERVING");
    const [[raw, caller]] = peers;
    // The gRPC server sees the relay's own connection; the caller's address is another socket.
    assert.notEqual(raw, caller);
    assert.match(caller, /^127\.0\.0\.1:\d+$/);
    assert.equal(clientAddressOf("10.0.0.1:5"), "10.0.0.1:5", "an unknown peer stays as it is");
  } finally {
    client.close();
    await stopGrpcServer(started.server, 1_000);
  }
});
