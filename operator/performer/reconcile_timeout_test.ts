/**
 * The reconcile timeout reaches the API: against a stalled API server, a reconcile that times
 * out cancels its request in flight, fails and is queued again; and every write of the
 * Performer writer carries the reconcile's signal.
 */

import type * as k8s from "@kubernetes/client-node";
import assert from "node:assert/strict";
import { API_VERSION, KIND } from "../../shared/api/performer.ts";
import { FakeClock, settle } from "../../tests/fixture/fake_clock.ts";
import { runController, Store, WorkQueue } from "../../shared/controller/mod.ts";
import { KubeApiError } from "../../shared/kube/errors.ts";
import { KubeRest } from "../../shared/kube/rest.ts";
import {
  type StalledApiServer,
  stalledApiServer,
  within,
} from "../../tests/fixture/stalled_api_server.ts";
import { AVS } from "./_test_util.ts";
import { kubePerformerWriter, type PerformerWriter } from "./kube_writer.ts";
import type { RawPerformer } from "./performer_object.ts";
import { performerReconciler } from "./reconciler.ts";

/** A new Performer as the cache holds it: reconciling it creates its pod and Service first. */
const PERFORMER: RawPerformer = {
  apiVersion: API_VERSION,
  kind: KIND,
  metadata: { namespace: "avs", name: "hello", uid: "uid-1", generation: 1, resourceVersion: "7" },
  spec: { avsAddress: AVS, image: "hourglass/hello-performer:v1" },
};

function writerFor(server: StalledApiServer): PerformerWriter {
  const rest = new KubeRest({
    server: server.kubeConfig.getCurrentCluster()!.server,
    source: "test",
  });
  return kubePerformerWriter(rest, "test");
}

Deno.test("a reconcile that times out cancels its API call in flight and is retried", async () => {
  const server = stalledApiServer();
  const clock = new FakeClock();
  const queue = new WorkQueue({ clock });
  const performers = new Store<RawPerformer>();
  performers.replace([PERFORMER]);
  const failures: string[] = [];
  const stop = new AbortController();
  const done = runController({
    name: "performer",
    queue,
    clock,
    timeoutMs: 60_000,
    reconcile: performerReconciler({
      caches: {
        performers: performers.view,
        pods: new Store<k8s.V1Pod>().view,
        services: new Store<k8s.V1Service>().view,
      },
      writer: writerFor(server),
    }),
    log: (_level, msg, fields) => failures.push(`${msg} ${JSON.stringify(fields)}`),
  }, stop.signal);
  try {
    queue.add("avs/hello");
    const head = await within(server.nextRequest(), "the reconcile's first request");
    assert.match(head, /^POST \/api\/v1\/namespaces\/avs\/(pods|services)\?/);
    const closed = server.nextClose();
    clock.tick(60_000);
    await within(closed, "the timed-out request to be cancelled");
    for (let i = 0; i < 10 && queue.failures("avs/hello") === 0; i++) await settle();
    assert.equal(queue.failures("avs/hello"), 1, "failed, and queued again with back-off");
    assert.equal(failures.length, 1);
    assert.match(failures[0], /reconcile failed; will retry .*aborted: Signal timed out/);
  } finally {
    stop.abort();
    await server.close(); // ends a request the reconcile failed to cancel, so the workers stop
    await done;
  }
});

Deno.test("every write carries the reconcile's signal: none is sent once it has aborted", async () => {
  const server = stalledApiServer();
  try {
    const writer = writerFor(server);
    const w = { signal: AbortSignal.abort(new Error("timed out")) };
    const pod: k8s.V1Pod = { metadata: { name: "p" } };
    const service: k8s.V1Service = { metadata: { name: "s" } };
    const event = { type: "Normal" as const, reason: "Created", message: "m" };
    const writes: [string, () => Promise<unknown>][] = [
      ["getPerformer", () => writer.getPerformer("avs", "hello", w)],
      ["createPod", () => writer.createPod("avs", pod, w)],
      ["deletePod", () => writer.deletePod("avs", "p", "uid", w)],
      ["createService", () => writer.createService("avs", service, w)],
      ["patchService", () => writer.patchService("avs", "s", {}, w)],
      ["deleteService", () => writer.deleteService("avs", "s", "uid", w)],
      ["patchStatus", () => writer.patchStatus("avs", "hello", {}, w)],
      ["jsonPatchPerformer", () => writer.jsonPatchPerformer("avs", "hello", [], w)],
      ["recordEvent", () => writer.recordEvent(PERFORMER, event, w)],
    ];
    for (const [name, write] of writes) {
      const err = await write().then(() => undefined, (e) => e);
      assert.ok(err instanceof KubeApiError && err.reason === "Aborted", `${name}: ${err}`);
    }
    assert.deepEqual(server.requests, [], "no request reached the server");
  } finally {
    await server.close();
  }
});
