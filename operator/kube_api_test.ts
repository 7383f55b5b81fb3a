/**
 * The operator's list pages against the local control plane: an informer over `restList` gets
 * every object, however many pages it takes.
 */

import assert from "node:assert/strict";
import { freshNamespace, testCluster } from "../tests/fixture/cluster.ts";
import { Informer } from "../shared/controller/mod.ts";
import { KubeRest, loadKubeConnection } from "../shared/kube/rest.ts";
import { GROUP, VERSION } from "../shared/api/performer.ts";
import { performerListPath, restList } from "./kube_api.ts";
import type { RawPerformer } from "./performer/performer_object.ts";

const AVS = "0xCE2Ac75bE2E0951F1F7B288c7a6A9BfB6c331DC4";

const opts = { sanitizeOps: false, sanitizeResources: false };

Deno.test("an informer over restList caches every Performer, page after page", opts, async () => {
  const cluster = await testCluster();
  const ns = await freshNamespace(cluster, "op-list");
  const rest = new KubeRest(loadKubeConnection({ kubeconfigPath: cluster.kubeconfigPath }));
  const path = performerListPath(ns);
  const names = ["a", "b", "c", "d", "e"];
  for (const name of names) {
    await rest.request("POST", path, {
      body: {
        apiVersion: `${GROUP}/${VERSION}`,
        kind: "Performer",
        metadata: { name },
        spec: { avsAddress: AVS, image: "hourglass/hello-performer:v1" },
      },
    });
  }
  let pages = 0;
  const list = restList<RawPerformer>(rest, path);
  const informer = new Informer<RawPerformer>({
    name: "performers",
    watcher: rest,
    watchPath: path,
    pageSize: 2,
    list: (p) => {
      pages++;
      return list(p);
    },
  });
  try {
    await informer.start();
    assert.deepEqual(informer.store.list().map((p) => p.metadata?.name).sort(), names);
    assert.equal(pages, 3, "5 Performers in pages of 2");
  } finally {
    await informer.stop();
    rest.close();
  }
});
