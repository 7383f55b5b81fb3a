/**
 * The informer against a stalled API server: a watch request the server never answers is
 * cancelled at the connect timeout and retried, and stopping the informer does not wait for it.
 * (client-node's `Watch` gives no handle on its request before the answer.)
 */

import type * as k8s from "@kubernetes/client-node";
import assert from "node:assert/strict";
import { stalledApiServer, within } from "../../tests/fixture/stalled_api_server.ts";
import { exponentialBackoff } from "./backoff.ts";
import { Informer } from "./informer.ts";

function stalledInformer(kubeConfig: k8s.KubeConfig, log: string[]): Informer<k8s.V1Pod> {
  return new Informer<k8s.V1Pod>({
    name: "pods",
    kubeConfig,
    watchPath: "/api/v1/pods",
    // The list answers (from memory); only the watch goes to the stalled server.
    list: () => Promise.resolve({ items: [], metadata: { resourceVersion: "1" } }),
    connectTimeoutMs: 300,
    backoff: exponentialBackoff({ minTimeout: 100, maxTimeout: 100, jitter: 0 }),
    log: (level, msg, fields) => log.push(`${level} ${msg} ${JSON.stringify(fields)}`),
  });
}

Deno.test("an unanswered watch request is cancelled at the connect timeout and retried", async () => {
  const server = stalledApiServer();
  const log: string[] = [];
  const informer = stalledInformer(server.kubeConfig, log);
  try {
    await informer.start();
    assert.match(await within(server.nextRequest(), "a watch"), /^GET \/api\/v1\/pods\?watch=true/);
    await within(server.nextClose(), "the unanswered watch to be cancelled");
    assert.match(await within(server.nextRequest(), "the next watch"), /watch=true/);
    assert.ok(
      log.some((line) => /list\/watch failed.*not answered within 300 ms/.test(line)),
      log.join("\n"),
    );
  } finally {
    await within(informer.stop(), "the informer to stop");
    await server.close();
  }
});

Deno.test("stopping an informer cancels a watch request the server has not answered", async () => {
  const server = stalledApiServer();
  const informer = stalledInformer(server.kubeConfig, []);
  try {
    await informer.start();
    await within(server.nextRequest(), "a watch");
    const closed = server.nextClose();
    await within(informer.stop(), "the informer to stop");
    await within(closed, "the watch request to be cancelled");
  } finally {
    await server.close();
  }
});
