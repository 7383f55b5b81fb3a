/**
 * Our HTTP/2 gRPC client (shared/grpc/h2/) against an independent implementation, grpc-go
 * (tests/go/h2_peer): grpc-go Huffman-codes its response headers and indexes them in the HPACK
 * dynamic table, splits large header blocks into CONTINUATION frames, and has its own flow
 * control and graceful stop — so these calls check our decoder and connection against code we
 * did not write.
 * @module
 */

import assert from "node:assert/strict";
import { GrpcClient, MAX_MESSAGE_BYTES } from "../shared/grpc/h2/client.ts";
import { GrpcError, Status } from "../shared/grpc/h2/status.ts";
import { healthProto } from "../shared/proto/load.ts";
import { type GoH2Peer, startGoH2Peer } from "./fixture/go_h2_peer.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);
const soon = (ms = 5_000) => ({ deadline: Date.now() + ms });
const check = () => healthProto().grpc.health.v1.Health.service.Check;

async function status(promise: Promise<unknown>): Promise<GrpcError> {
  const err = await promise.then(() => assert.fail("the call succeeded"), (e) => e);
  assert.ok(err instanceof GrpcError, `not a GrpcError: ${err}`);
  return err;
}

async function withPeer(fn: (peer: GoH2Peer, client: GrpcClient) => Promise<void>) {
  const peer = await startGoH2Peer();
  const client = new GrpcClient(peer.address);
  try {
    await fn(peer, client);
  } finally {
    client.close();
    await peer.kill();
  }
}

Deno.test("grpc-go: health, echo, many calls (dynamic table) and 150 at once on one connection", () =>
  withPeer(async (_, client) => {
    const health = await client.call(check(), { service: "" }, soon());
    assert.equal(health.status, "SERVING");
    for (let i = 0; i < 200; i++) {
      assert.equal(dec(await client.unary("/test.Echo/Echo", enc(`m${i}`), soon())), `m${i}`);
    }
    const all = await Promise.all(
      Array.from({ length: 150 }, () => client.unary("/test.Echo/Sleep", enc("50"), soon())),
    );
    assert.equal(all.length, 150);
    assert.equal(client.connectionsOpened, 1);
  }));

Deno.test("grpc-go: statuses, a non-ASCII message, a 40 KB header in CONTINUATION frames", () =>
  withPeer(async (_, client) => {
    const failed = await status(client.unary("/test.Echo/Fail", enc(""), soon()));
    assert.equal(failed.code, Status.FAILED_PRECONDITION);
    assert.equal(failed.details, "Zustand ungültig — 任务失败 ✓ 100%");
    assert.equal((await status(client.unary("/no.Such/Method", enc(""), soon()))).code, 12);
    assert.equal(
      (await status(client.call(check(), { service: "x" }, soon()))).code,
      Status.NOT_FOUND,
    );
    assert.equal(dec(await client.unary("/test.Echo/BigHeader", enc("h"), soon())), "h");
    assert.equal(dec(await client.unary("/test.Echo/Echo", enc("after"), soon())), "after");
  }));

Deno.test("grpc-go: 4 MiB both ways; deadline; cancel", () =>
  withPeer(async (_, client) => {
    const payload = new Uint8Array(MAX_MESSAGE_BYTES).map((_, i) => i % 253);
    const echoed = await client.unary("/test.Echo/Echo", payload, soon(20_000));
    assert.deepEqual(echoed, payload);
    const big = await client.unary("/test.Echo/Big", enc(String(MAX_MESSAGE_BYTES)), soon(20_000));
    assert.equal(big.length, MAX_MESSAGE_BYTES);
    const tooBig = await status(
      client.unary("/test.Echo/Big", enc(String(MAX_MESSAGE_BYTES + 1)), soon()),
    );
    assert.equal(tooBig.code, Status.RESOURCE_EXHAUSTED);
    const late = await status(client.unary("/test.Echo/Sleep", enc("2000"), soon(200)));
    assert.equal(late.code, Status.DEADLINE_EXCEEDED);
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 100);
    const cancelled = await status(
      client.unary("/test.Echo/Sleep", enc("2000"), { ...soon(), signal: abort.signal }),
    );
    assert.equal(cancelled.code, Status.CANCELLED);
    assert.equal(dec(await client.unary("/test.Echo/Echo", enc("ok"), soon())), "ok");
    assert.equal(client.connectionsOpened, 1);
  }));

Deno.test("grpc-go stopping gracefully mid-call: the call finishes, then UNAVAILABLE, then a restart", async () => {
  let peer = await startGoH2Peer();
  const port = peer.port;
  const client = new GrpcClient(peer.address);
  try {
    const inFlight = client.unary("/test.Echo/Sleep", enc("400"), soon());
    await new Promise((r) => setTimeout(r, 100));
    await peer.stop();
    assert.equal(dec(await inFlight), "400");
    await peer.child.status;
    assert.equal((await status(client.unary("/test.Echo/Echo", enc(""), soon()))).code, 14);
    peer = await startGoH2Peer(port);
    assert.equal(dec(await client.unary("/test.Echo/Echo", enc("back"), soon())), "back");
  } finally {
    client.close();
    await peer.kill();
  }
});
