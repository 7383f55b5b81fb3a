/**
 * The informer against the real API server, through a TCP proxy that can cut every connection
 * (changes made while cut off still arrive; a 410 Gone after etcd compaction re-lists), and
 * against a fake server for what the real one will not do on demand.
 */

import * as k8s from "@kubernetes/client-node";
import assert from "node:assert/strict";
import { freshNamespace, type TestCluster, testCluster } from "../../tests/fixture/cluster.ts";
import { eventually } from "../../tests/fixture/eventually.ts";
import { delay, exponentialBackoff } from "./backoff.ts";
import type { Logger } from "../runtime/log.ts";
import { CuttableProxy } from "./_test_util.ts";
import { Informer, type ListParams } from "./informer.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

/**
 * A fixed 1 s back-off: a cut of under 2 s costs at most two failed attempts, never the three
 * after which the informer re-lists, so "resumed" and "re-listed" are told apart by the list count.
 */
const ONE_SECOND = () => exponentialBackoff({ minTimeout: 1000, maxTimeout: 1000, jitter: 0 });

/** Log lines an informer wrote, for assertions; `INFORMER_TEST_LOG=1` also prints them. */
function recordingLog(): { log: Logger; lines: { level: string; msg: string; fields: object }[] } {
  const lines: { level: string; msg: string; fields: object }[] = [];
  const print = Deno.env.get("INFORMER_TEST_LOG") !== undefined;
  const log: Logger = (level, msg, fields = {}) => {
    lines.push({ level, msg, fields });
    if (print) console.error(level, msg, JSON.stringify(fields));
  };
  return { log, lines };
}

/** The cluster's kubeconfig with its server replaced by the proxy (same host, so TLS holds). */
function throughProxy(cluster: TestCluster): { kubeConfig: k8s.KubeConfig; proxy: CuttableProxy } {
  const server = new URL(cluster.kubeConfig.getCurrentCluster()!.server);
  const proxy = new CuttableProxy(Number(server.port));
  const kubeConfig = new k8s.KubeConfig();
  kubeConfig.loadFromString(
    cluster.kubeConfig.exportConfig().replace(server.origin, `https://127.0.0.1:${proxy.port}`),
  );
  return { kubeConfig, proxy };
}

/** Compacts etcd's history at its current revision (through etcd's JSON gateway); returns it. */
async function compactEtcd(endpoint: string): Promise<number> {
  const post = async (path: string, body: object) => {
    const res = await fetch(`${endpoint}${path}`, { method: "POST", body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`etcd ${path} failed: HTTP ${res.status} ${await res.text()}`);
    return await res.json();
  };
  const range = await post("/v3/kv/range", { key: "AA==" }) as { header: { revision: string } };
  await post("/v3/kv/compaction", { revision: range.header.revision, physical: true });
  return Number(range.header.revision);
}

Deno.test(
  "a watch cut off from the server resumes and sees the changes made meanwhile",
  opts,
  async () => {
    const cluster = await testCluster();
    const core = cluster.kubeConfig.makeApiClient(k8s.CoreV1Api);
    const namespace = await freshNamespace(cluster, "informer-resume");
    const { kubeConfig, proxy } = throughProxy(cluster);
    const proxiedCore = kubeConfig.makeApiClient(k8s.CoreV1Api);
    let lists = 0;
    const informer = new Informer<k8s.V1ConfigMap>({
      name: "configmaps",
      kubeConfig,
      watchPath: `/api/v1/namespaces/${namespace}/configmaps`,
      list: (p: ListParams) => {
        lists++;
        return proxiedCore.listNamespacedConfigMap({ namespace, ...p });
      },
      backoff: ONE_SECOND(),
      log: recordingLog().log,
    });
    const events: string[] = [];
    informer.onEvent((e) => events.push(`${e.type} ${e.object.metadata?.name}`));
    const key = (name: string) => `${namespace}/${name}`;
    try {
      await informer.start();
      await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: "before" } } });
      await eventually(() => assert.ok(informer.store.get(key("before"))));
      // An older watch: its end is a dropped connection, not a watch that "ended at once".
      await delay(1000);

      proxy.down();
      await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: "during" } } });
      await core.deleteNamespacedConfigMap({ namespace, name: "before" });
      await delay(500);
      assert.equal(informer.store.get(key("during")), undefined, "nothing arrives while cut");
      proxy.up();

      await eventually(() => {
        assert.ok(informer.store.get(key("during")), "the object created while cut");
        assert.equal(informer.store.get(key("before")), undefined, "the deletion made while cut");
      });
      assert.deepEqual(events, ["ADDED before", "ADDED during", "DELETED before"]);
      assert.equal(lists, 1, "resumed from its resourceVersion, without listing again");
    } finally {
      await informer.stop();
      proxy.down();
    }
  },
);

// Events, not ConfigMaps: the API server serves watches of most resources from its watch cache,
// which etcd's compaction does not touch, so a watch resumed from a compacted revision of a
// ConfigMap still succeeds. Events are not watch-cached by default (kube-apiserver's
// DefaultWatchCacheSizes), so their watches are served by etcd, which answers 410 Gone.
Deno.test(
  "a watch resumed from a revision etcd has compacted gets 410 Gone and re-lists",
  opts,
  async () => {
    const cluster = await testCluster();
    assert.ok(cluster.etcdEndpoint, "the test cluster names its etcd endpoint");
    const core = cluster.kubeConfig.makeApiClient(k8s.CoreV1Api);
    const namespace = await freshNamespace(cluster, "informer-gone");
    const { kubeConfig, proxy } = throughProxy(cluster);
    const proxiedCore = kubeConfig.makeApiClient(k8s.CoreV1Api);
    const event = (name: string): k8s.CoreV1Event => ({
      metadata: { name },
      involvedObject: { kind: "ConfigMap", name: "x", namespace },
      reason: "Test",
    });
    const listedAt: string[] = [];
    const { log, lines } = recordingLog();
    const informer = new Informer<k8s.CoreV1Event>({
      name: "events",
      kubeConfig,
      watchPath: `/api/v1/namespaces/${namespace}/events`,
      list: async (p: ListParams) => {
        const list = await proxiedCore.listNamespacedEvent({ namespace, ...p });
        listedAt.push(list.metadata?.resourceVersion ?? "");
        return list;
      },
      backoff: ONE_SECOND(),
      log,
    });
    const events: string[] = [];
    informer.onEvent((e) => events.push(`${e.type} ${e.object.metadata?.name}`));
    const key = (name: string) => `${namespace}/${name}`;
    try {
      await core.createNamespacedEvent({ namespace, body: event("old") });
      await informer.start();
      assert.ok(informer.store.get(key("old")));
      await delay(1000);

      proxy.down();
      await core.createNamespacedEvent({ namespace, body: event("new") });
      await core.deleteNamespacedEvent({ namespace, name: "old" });
      const compactedAt = await compactEtcd(cluster.etcdEndpoint);
      // The resumed watch starts after the listed revision; two writes later it is compacted.
      assert.ok(compactedAt >= Number(listedAt[0]) + 2, `compacted at ${compactedAt}`);
      proxy.up();

      await eventually(() => {
        assert.ok(informer.store.get(key("new")), "the object created while cut");
        assert.equal(informer.store.get(key("old")), undefined, "the object deleted while cut");
      });
      assert.equal(informer.store.size, 1);
      assert.equal(listedAt.length, 2, "listed again");
      const errors = lines.filter((l) => l.msg === "watch error event");
      const codes = errors.map((l) => (l.fields as { object?: { code?: number } }).object?.code);
      assert.deepEqual(codes, [410], "the resumed watch was told its revision is gone");
      // The re-list's differences, as events: what was created and what vanished meanwhile.
      assert.deepEqual(events, ["ADDED old", "ADDED new", "DELETED old"]);
    } finally {
      await informer.stop();
      proxy.down();
    }
  },
);

/** A fake API server: lists are the informer's own; every watch answers 200 and ends at once. */
function fakeServer(): { kubeConfig: k8s.KubeConfig; watches: URL[]; close(): Promise<void> } {
  const watches: URL[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    watches.push(new URL(req.url));
    return new Response("");
  });
  const kubeConfig = new k8s.KubeConfig();
  kubeConfig.loadFromOptions({
    // client-node refuses plain HTTP unless TLS verification is off (there is no TLS to verify).
    clusters: [{
      name: "fake",
      server: `http://127.0.0.1:${server.addr.port}`,
      skipTLSVerify: true,
    }],
    users: [{ name: "anonymous" }],
    contexts: [{ name: "fake", cluster: "fake", user: "anonymous" }],
    currentContext: "fake",
  });
  return { kubeConfig, watches, close: () => server.shutdown() };
}

Deno.test("a field selector goes to the list and to the watch", opts, async () => {
  const fake = fakeServer();
  const listed: ListParams[] = [];
  const informer = new Informer<k8s.V1Node>({
    name: "nodes",
    kubeConfig: fake.kubeConfig,
    watchPath: "/api/v1/nodes",
    fieldSelector: "metadata.name=n1",
    list: (p) => {
      listed.push(p);
      return Promise.resolve({ items: [], metadata: { resourceVersion: "7" } });
    },
  });
  try {
    await informer.start();
    await eventually(() => assert.ok(fake.watches.length > 0));
    assert.equal(listed[0].fieldSelector, "metadata.name=n1");
    const watch = fake.watches[0].searchParams;
    assert.equal(watch.get("fieldSelector"), "metadata.name=n1");
    assert.equal(watch.get("resourceVersion"), "7");
  } finally {
    await informer.stop();
    await fake.close();
  }
});

Deno.test(
  "a watch the server ends at once is retried after a back-off, not in a loop",
  opts,
  async () => {
    const fake = fakeServer();
    const { log, lines } = recordingLog();
    const informer = new Informer<k8s.V1Node>({
      name: "nodes",
      kubeConfig: fake.kubeConfig,
      watchPath: "/api/v1/nodes",
      list: () => Promise.resolve({ items: [], metadata: { resourceVersion: "7" } }),
      backoff: exponentialBackoff({ minTimeout: 100, maxTimeout: 100, jitter: 0 }),
      log,
    });
    try {
      await informer.start();
      await delay(1000);
    } finally {
      await informer.stop();
      await fake.close();
    }
    // About one watch per 100 ms back-off; without it, hundreds.
    const count = fake.watches.length;
    assert.ok(count >= 3 && count <= 15, `${count} watch requests in a second`);
    assert.ok(lines.some((l) => /ended at once/.test(JSON.stringify(l.fields))));
  },
);
