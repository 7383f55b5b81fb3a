/**
 * The self-healing watch against the real API server, through a TCP proxy that can cut every
 * connection: changes made while the connection is down still reach the cache afterwards,
 * deletions included.
 */

import * as k8s from "@kubernetes/client-node";
import assert from "node:assert/strict";
import { freshNamespace, testCluster } from "../../tests/fixture/cluster.ts";
import { eventually, opts } from "./_test_helpers.ts";
import { silentLog, stderrLog } from "./log.ts";
import { Reflector } from "./reflector.ts";

/** A TCP proxy to `target` on 127.0.0.1 that can drop all connections and refuse new ones. */
class CuttableProxy {
  readonly port: number;
  readonly #target: number;
  readonly #conns = new Set<Deno.Conn>();
  #listener: Deno.Listener | undefined;

  constructor(target: number) {
    this.#target = target;
    this.#listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    this.port = (this.#listener.addr as Deno.NetAddr).port;
    this.#accept(this.#listener);
  }

  /** Drops every connection and stops accepting. */
  down(): void {
    this.#listener?.close();
    this.#listener = undefined;
    for (const conn of this.#conns) {
      try {
        conn.close();
      } catch { /* already closed by its peer */ }
    }
    this.#conns.clear();
  }

  /** Accepts again on the same port. */
  up(): void {
    this.#listener = Deno.listen({ hostname: "127.0.0.1", port: this.port });
    this.#accept(this.#listener);
  }

  async #accept(listener: Deno.Listener): Promise<void> {
    try {
      for await (const client of listener) {
        const upstream = await Deno.connect({ hostname: "127.0.0.1", port: this.#target });
        this.#conns.add(client);
        this.#conns.add(upstream);
        client.readable.pipeTo(upstream.writable).catch(() => {});
        upstream.readable.pipeTo(client.writable).catch(() => {});
      }
    } catch {
      // Listener closed.
    }
  }
}

Deno.test(
  "changes made while the watch connection is cut reach the cache afterwards",
  opts,
  async () => {
    const cluster = await testCluster();
    const core = cluster.kubeConfig.makeApiClient(k8s.CoreV1Api);
    const namespace = await freshNamespace(cluster, "reflector");
    const server = new URL(cluster.kubeConfig.getCurrentCluster()!.server);
    const proxy = new CuttableProxy(Number(server.port));
    const proxied = new k8s.KubeConfig();
    proxied.loadFromString(
      cluster.kubeConfig.exportConfig().replace(server.origin, `https://127.0.0.1:${proxy.port}`),
    );
    const proxiedCore = proxied.makeApiClient(k8s.CoreV1Api);
    const changed: string[] = [];
    const reflector = new Reflector<k8s.V1Pod>({
      kubeConfig: proxied,
      path: `/api/v1/namespaces/${namespace}/pods`,
      list: () => proxiedCore.listNamespacedPod({ namespace }),
      onChange: (key) => changed.push(key),
      log: Deno.env.get("NODE_SIM_TEST_LOG") ? stderrLog("debug") : silentLog,
      minBackoffMs: 100,
      maxBackoffMs: 500,
    });
    const pod = (name: string) => ({
      metadata: { name },
      spec: { containers: [{ name: "c", image: "x" }] },
    });
    try {
      reflector.start();
      await reflector.synced();
      await core.createNamespacedPod({ namespace, body: pod("before") });
      await eventually(
        "the first pod in the cache",
        () => Promise.resolve(reflector.get(`${namespace}/before`)),
      );

      proxy.down();
      await core.createNamespacedPod({ namespace, body: pod("during") });
      await core.deleteNamespacedPod({ name: "before", namespace, gracePeriodSeconds: 0 });
      await new Promise((r) => setTimeout(r, 1000));
      assert.equal(reflector.get(`${namespace}/during`), undefined, "nothing can arrive while cut");
      proxy.up();

      await eventually(
        "the pod created while cut",
        () => Promise.resolve(reflector.get(`${namespace}/during`)),
      );
      await eventually(
        "the deletion made while cut",
        () =>
          Promise.resolve(reflector.get(`${namespace}/before`) === undefined ? true : undefined),
      );
      assert.ok(changed.includes(`${namespace}/during`));
      assert.ok(
        changed.filter((k) => k === `${namespace}/before`).length >= 2,
        "added, then vanished",
      );
      assert.equal(
        typeof reflector.get(`${namespace}/during`)?.metadata?.creationTimestamp,
        "string",
      );
    } finally {
      await reflector.stop();
      proxy.down();
      await core.deleteCollectionNamespacedPod({ namespace, gracePeriodSeconds: 0 }).catch(
        () => {},
      );
    }
  },
);
