import assert from "node:assert/strict";
import { probeOnce, type ProbeOutcome, Prober, resolvePort } from "./probe.ts";

const container = { name: "c", ports: [{ name: "grpc", containerPort: 9090 }] };

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

Deno.test("tcp probes pass on a listening port and fail on a closed one", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  try {
    assert.equal((await probeOnce({ tcpSocket: { port } }, "127.0.0.1", container)).ok, true);
  } finally {
    listener.close();
  }
  const closed = await probeOnce({ tcpSocket: { port } }, "127.0.0.1", container);
  assert.equal(closed.ok, false);
  assert.match(closed.message ?? "", /^dial tcp 127\.0\.0\.1:/);
});

Deno.test("http probes pass on 2xx/3xx and fail on 5xx", async () => {
  let status = 200;
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    () => new Response("x", { status }),
  );
  const port = server.addr.port;
  try {
    assert.equal(
      (await probeOnce({ httpGet: { port, path: "/healthz" } }, "127.0.0.1", container)).ok,
      true,
    );
    status = 503;
    const failed = await probeOnce({ httpGet: { port } }, "127.0.0.1", container);
    assert.deepEqual(failed, { ok: false, message: "HTTP probe failed with statuscode: 503" });
  } finally {
    await server.shutdown();
  }
});

Deno.test("a grpc probe to nothing fails within its deadline", async () => {
  const started = Date.now();
  const outcome = await probeOnce(
    { grpc: { port: freePort() }, timeoutSeconds: 1 },
    "127.0.0.1",
    container,
  );
  assert.equal(outcome.ok, false);
  assert.match(outcome.message ?? "", /^rpc error: code = (UNAVAILABLE|DEADLINE_EXCEEDED)/);
  assert.ok(Date.now() - started < 3000);
});

Deno.test("resolvePort reads numbers, numeric strings and port names", () => {
  assert.equal(resolvePort(8080, container), 8080);
  assert.equal(resolvePort("8080", container), 8080);
  assert.equal(resolvePort("grpc", container), 9090);
  assert.equal(resolvePort("nope", container), 0);
});

Deno.test("a prober reports transitions after the success and failure thresholds", async () => {
  const script = [false, true, true, false, false, false, true];
  const results: boolean[] = [];
  const { promise: finished, resolve } = Promise.withResolvers<void>();
  let i = 0;
  const prober = new Prober({
    kind: "readiness",
    // Fractions of a second keep the test fast; the API only allows whole seconds.
    probe: { periodSeconds: 0.01, successThreshold: 2, failureThreshold: 3 },
    check: (): Promise<ProbeOutcome> => {
      if (i >= script.length) resolve();
      return Promise.resolve({ ok: script[Math.min(i++, script.length - 1)] });
    },
    onResult: (ok) => results.push(ok),
  });
  assert.equal(prober.result, false, "not ready before the first success");
  prober.start();
  await finished;
  prober.stop();
  assert.deepEqual(results, [true, false]);
});
