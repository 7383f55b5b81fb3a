/**
 * The informer against a watch that goes silent: the server answered the watch request and then
 * sends nothing, without closing — a black-holed flow or a stalled proxy, where the connection
 * looks alive. The watch is restarted once it has been silent for `silentWatchMs` (3 min by
 * default, beyond the API server's bookmarks). Before, only after its 5–10 minute
 * `timeoutSeconds` plus a minute: an operator behind a proxy that stalled the connections it
 * held (new ones flowing) did not reconcile a Performer created meanwhile within 150 s, and
 * logged nothing; with the restart at 150 s it did after 192 s (the restart, then a 30 s request
 * timeout of a write on a stalled pooled connection).
 */

import * as k8s from "@kubernetes/client-node";
import assert from "node:assert/strict";
import { exponentialBackoff } from "./backoff.ts";
import { Informer } from "./informer.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

/** An API server whose watches answer 200 and then never send a byte; lists are not served. */
function silentWatchServer() {
  const watches: number[] = [];
  const streams = new Set<ReadableStreamDefaultController>();
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
    if (new URL(req.url).searchParams.get("watch") !== "true") {
      return new Response("not served", { status: 404 });
    }
    watches.push(Date.now());
    const body = new ReadableStream({
      start: (controller) => void streams.add(controller),
      cancel: () => {},
    });
    return new Response(body, { headers: { "content-type": "application/json" } });
  });
  const kubeConfig = new k8s.KubeConfig();
  kubeConfig.loadFromOptions({
    // client-node refuses plain HTTP unless TLS verification is off.
    clusters: [{ name: "s", server: `http://127.0.0.1:${server.addr.port}`, skipTLSVerify: true }],
    users: [{ name: "nobody" }],
    contexts: [{ name: "s", cluster: "s", user: "nobody" }],
    currentContext: "s",
  });
  return {
    kubeConfig,
    watches,
    async close() {
      for (const s of streams) {
        try {
          s.close();
        } catch { /* cancelled by the client */ }
      }
      await server.shutdown();
    },
  };
}

Deno.test("a watch answered and then silent is restarted after silentWatchMs", opts, async () => {
  const server = silentWatchServer();
  const log: string[] = [];
  const informer = new Informer<k8s.V1Pod>({
    name: "pods",
    kubeConfig: server.kubeConfig,
    watchPath: "/api/v1/pods",
    // The list answers (from memory); only the watch goes to the silent server.
    list: () => Promise.resolve({ items: [], metadata: { resourceVersion: "1" } }),
    silentWatchMs: 400,
    backoff: exponentialBackoff({ minTimeout: 100, maxTimeout: 100, jitter: 0 }),
    log: (level, msg) => log.push(`${level} ${msg}`),
  });
  try {
    await informer.start();
    const deadline = Date.now() + 5_000;
    while (server.watches.length < 3 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(server.watches.length >= 3, `watch requests within 5 s: ${server.watches.length}`);
    const gap = server.watches[1] - server.watches[0];
    assert.ok(gap >= 400, `restarted after ${gap} ms of silence, not before 400`);
    assert.ok(log.includes("warn watch silent for too long; restarting it"), log.join("\n"));
  } finally {
    await informer.stop();
    await server.close();
  }
});
