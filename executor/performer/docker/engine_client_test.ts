/**
 * The engine client against a small fake engine served by Deno on a unix socket (and on TCP):
 * request shapes, error answers, timeouts, cancellation and pull streams, without a real engine.
 */

import assert from "node:assert/strict";
import {
  createEngineClient,
  EngineApiError,
  EngineConnectionError,
  firstStreamError,
} from "./engine_client.ts";

type Handler = (req: Request) => Response | Promise<Response>;

// Handlers that never answer wait on this, released when the fake engine shuts down (which
// waits for pending handlers).
let release = Promise.withResolvers<void>();
const never: Handler = async () => {
  await release.promise;
  return new Response(null, { status: 500 });
};

/** A fake engine on `<temp dir>/engine.sock`; every request is recorded. */
async function fakeEngine(handler: Handler) {
  const dir = await Deno.makeTempDir({ prefix: "hourglass-fake-engine-" });
  const path = `${dir}/engine.sock`;
  const seen: { method: string; url: string; contentType: string | null; body: string }[] = [];
  const server = Deno.serve({ path, transport: "unix", onListen() {} }, async (req) => {
    seen.push({
      method: req.method,
      url: req.url,
      contentType: req.headers.get("content-type"),
      body: await req.text(),
    });
    return handler(req);
  });
  const client = createEngineClient({ host: `unix://${path}`, timeoutMs: 2_000 });
  return {
    path,
    seen,
    client,
    async [Symbol.asyncDispose]() {
      client.close();
      release.resolve();
      await server.shutdown();
      release = Promise.withResolvers<void>();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

const json = (value: unknown, status = 200) =>
  new Response(JSON.stringify(value), { status, headers: { "content-type": "application/json" } });

const opts = { sanitizeOps: false, sanitizeResources: false };

Deno.test("request sends JSON with query parameters and parses the answer", opts, async () => {
  await using f = await fakeEngine(() => json({ Id: "abc" }, 201));
  const answer = await f.client.request<{ Id: string }>("POST", "/containers/create", {
    query: { name: "hourglass-x", skipped: undefined },
    body: { Image: "a:b" },
  });
  assert.deepEqual(answer, { Id: "abc" });
  assert.equal(f.seen[0].method, "POST");
  assert.equal(new URL(f.seen[0].url).pathname, "/containers/create");
  assert.equal(new URL(f.seen[0].url).search, "?name=hourglass-x");
  assert.equal(f.seen[0].contentType, "application/json");
  assert.deepEqual(JSON.parse(f.seen[0].body), { Image: "a:b" });
});

Deno.test("an empty answer and 304 Not Modified resolve with undefined", opts, async () => {
  let status = 204;
  await using f = await fakeEngine(() => new Response(null, { status }));
  assert.equal(await f.client.request("POST", "/containers/x/start"), undefined);
  status = 304; // "already stopped"
  assert.equal(await f.client.request("POST", "/containers/x/stop"), undefined);
});

Deno.test("an error answer carries the status and the engine's message", opts, async () => {
  await using f = await fakeEngine(() => json({ message: "No such container: nope" }, 404));
  const err = await f.client.request("GET", "/containers/nope/json").catch((e) => e);
  assert.ok(err instanceof EngineApiError);
  assert.equal(err.status, 404);
  assert.equal(err.engineMessage, "No such container: nope");
  assert.equal(
    err.message,
    "Engine API GET /containers/nope/json answered 404: No such container: nope",
  );
});

Deno.test("a request without an answer times out with a clear error", opts, async () => {
  await using f = await fakeEngine(never);
  const t0 = performance.now();
  const err = await f.client.request("GET", "/info", { timeoutMs: 200 }).catch((e) => e);
  const ms = performance.now() - t0;
  assert.ok(err instanceof EngineConnectionError);
  assert.equal(err.reason, "Timeout");
  assert.match(err.message, /did not answer GET \/info within 200 ms/);
  assert.ok(ms < 1_500, `timed out after ${Math.round(ms)} ms`);
});

Deno.test("a cancelled request rejects with the signal's reason", opts, async () => {
  await using f = await fakeEngine(never);
  const controller = new AbortController();
  const pending = f.client.request("GET", "/info", { signal: controller.signal });
  const reason = new Error("deploy cancelled");
  setTimeout(() => controller.abort(reason), 50);
  await assert.rejects(pending, (err) => err === reason);
});

Deno.test(
  "an engine that is not there is reported as unreachable, naming the socket",
  opts,
  async () => {
    const client = createEngineClient({ host: "/nonexistent/hourglass.sock" });
    try {
      const err = await client.ping().catch((e) => e);
      assert.ok(err instanceof EngineConnectionError);
      assert.equal(err.reason, "Unreachable");
      assert.match(err.message, /unix:\/\/\/nonexistent\/hourglass\.sock \(GET \/_ping\)/);
    } finally {
      client.close();
    }
  },
);

Deno.test("pullImage reads the whole stream and fails on an error line", opts, async () => {
  let lines: string[] = [];
  await using f = await fakeEngine(() => new Response(lines.join("\n")));
  lines = [
    JSON.stringify({ status: "Pulling from library/x", id: "v1" }),
    JSON.stringify({ status: "Downloading", progressDetail: { current: 1, total: 2 } }),
    JSON.stringify({ status: "Status: Downloaded newer image for x:v1" }),
  ];
  await f.client.pullImage("x", "v1");
  assert.equal(new URL(f.seen[0].url).search, "?fromImage=x&tag=v1");

  lines = [
    JSON.stringify({ status: "Pulling from library/x" }),
    JSON.stringify({ errorDetail: { message: "manifest unknown" }, error: "manifest unknown" }),
  ];
  const err = await f.client.pullImage("x", "v2").catch((e) => e);
  assert.ok(err instanceof EngineApiError);
  assert.equal(err.engineMessage, "manifest unknown");
  assert.equal(err.status, 200, "the stream answered 200; the error is inside");
});

Deno.test("pullImage fails on an error answer before any stream", opts, async () => {
  await using f = await fakeEngine(() => json({ message: "pull access denied for x" }, 404));
  await assert.rejects(
    f.client.pullImage("x", "sha256:" + "a".repeat(64)),
    (err) => err instanceof EngineApiError && /pull access denied/.test(err.message),
  );
});

Deno.test("firstStreamError handles split lines, noise and a last line without newline", async () => {
  const encoder = new TextEncoder();
  const stream = (...chunks: string[]) =>
    new ReadableStream<Uint8Array>({
      start(c) {
        for (const chunk of chunks) c.enqueue(encoder.encode(chunk));
        c.close();
      },
    });
  assert.equal(await firstStreamError(stream('{"status":"a"}\n{"sta', 'tus":"b"}\n')), undefined);
  assert.equal(await firstStreamError(stream("not json\n", '{"error":"late"}')), "late");
  assert.equal(
    await firstStreamError(stream('{"errorDetail":{"message":"first"}}\n{"error":"second"}\n')),
    "first",
  );
  assert.equal(await firstStreamError(null), undefined);
});

Deno.test("a tcp:// host is dialled directly, even with HTTP_PROXY set", opts, async () => {
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    () => new Response("OK"),
  );
  const previous = Deno.env.get("HTTP_PROXY");
  Deno.env.set("HTTP_PROXY", "http://127.0.0.1:9"); // nothing listens there
  const client = createEngineClient({ host: `tcp://127.0.0.1:${server.addr.port}` });
  try {
    assert.equal(await client.ping(), true);
  } finally {
    client.close();
    if (previous === undefined) Deno.env.delete("HTTP_PROXY");
    else Deno.env.set("HTTP_PROXY", previous);
    await server.shutdown();
  }
});

Deno.test("user info of a tcp:// host is sent as Basic auth and never printed", opts, async () => {
  const secret = "hunter2-engine";
  const seen: (string | null)[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    seen.push(req.headers.get("authorization"));
    return new Response("OK");
  });
  const port = server.addr.port;
  const client = createEngineClient({ host: `tcp://proxy:${secret}@127.0.0.1:${port}` });
  try {
    assert.equal(await client.ping(), true);
    assert.deepEqual(seen, [`Basic ${btoa(`proxy:${secret}`)}`]);
  } finally {
    client.close();
    await server.shutdown();
  }
  // The same engine gone: the error, its cause and stack name the address without the secret.
  for (
    const options of [
      { host: `tcp://proxy:${secret}@127.0.0.1:${port}` },
      {
        env: (name: string) =>
          name === "DOCKER_HOST" ? `http://u:${secret}@127.0.0.1:${port}` : undefined,
      },
    ]
  ) {
    const gone = createEngineClient({ ...options, timeoutMs: 2_000 });
    try {
      const err = await gone.request("POST", "/containers/create").catch((e) => e);
      assert.ok(err instanceof EngineConnectionError);
      assert.match(err.message, new RegExp(`at tcp://\\*\\*\\*@127\\.0\\.0\\.1:${port} \\(POST`));
      const cause = err.cause as Error | undefined;
      const text = [err.message, err.stack, cause?.message, cause?.stack].join("\n");
      assert.ok(!text.includes(secret), text);
    } finally {
      gone.close();
    }
  }
});
