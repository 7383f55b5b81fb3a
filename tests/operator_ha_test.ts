/**
 * Running the operator for real: two replicas with leader election (one active, the other
 * taking over when the first dies, stops, or is stalled off the API server — then it exits before
 * the other takes over), its probe and metrics endpoints, and the limits of the RBAC rules it
 * ships with.
 */

import * as k8s from "@kubernetes/client-node";
import assert from "node:assert/strict";
import YAML from "yaml";
import { freshNamespace, kubectl, KubectlError, testCluster } from "./fixture/cluster.ts";
import { eventually } from "./fixture/eventually.ts";
import {
  operatorIdentity,
  type OperatorProcess,
  startOperatorProcess,
} from "./fixture/operator.ts";
import { createPerformer, getPerformer, performerPods } from "./fixture/performers.ts";
import { StallableProxy } from "./fixture/stallable_proxy.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const LEASE = "hourglass-operator-leader";

async function leaseHolder(cluster: Awaited<ReturnType<typeof testCluster>>, ns: string) {
  const api = cluster.kubeConfig.makeApiClient(k8s.CoordinationV1Api);
  return (await api.readNamespacedLease({ name: LEASE, namespace: ns })).spec?.holderIdentity;
}

async function metric(operator: OperatorProcess, name: string): Promise<string[]> {
  const text = await (await fetch(`http://127.0.0.1:${operator.metricsPort}/metrics`)).text();
  return text.split("\n").filter((l) => l.startsWith(name));
}

async function isLeader(operator: OperatorProcess): Promise<boolean> {
  const [line] = await metric(operator, "leader_election_master_status");
  return line?.trim().endsWith(" 1") ?? false;
}

async function reconciled(
  cluster: Awaited<ReturnType<typeof testCluster>>,
  ns: string,
  name: string,
) {
  await eventually(async () => {
    assert.equal((await performerPods(cluster, ns, name)).length, 1, `${name} has its pod`);
    assert.ok((await getPerformer(cluster, ns, name)).status?.phase, `${name} has a status`);
  }, { timeoutMs: 40_000 });
}

for (const how of ["killed", "stopped"] as const) {
  Deno.test(
    `with two replicas one leads, and the other takes over when the leader is ${how}`,
    opts,
    async () => {
      const cluster = await testCluster();
      const ns = await freshNamespace(cluster, "ha");
      const identity = await operatorIdentity(cluster, ns);
      const a = await startOperatorProcess(cluster, { namespace: ns, leaderElect: true }, identity);
      const b = await startOperatorProcess(cluster, { namespace: ns, leaderElect: true }, identity);
      try {
        const [leader, standby] = await eventually(async () => {
          const [la, lb] = [await isLeader(a), await isLeader(b)];
          assert.ok(la !== lb, "exactly one leader");
          return la ? [a, b] : [b, a];
        });
        await createPerformer(cluster, ns, "before");
        await reconciled(cluster, ns, "before");
        const holderBefore = await leaseHolder(cluster, ns);

        const started = Date.now();
        if (how === "killed") await leader.kill();
        else assert.equal(await leader.stop(), 0, "a stopped operator exits 0");
        await createPerformer(cluster, ns, "after");
        await reconciled(cluster, ns, "after");
        const tookMs = Date.now() - started;
        assert.ok(await isLeader(standby), "the standby leads now");
        assert.notEqual(await leaseHolder(cluster, ns), holderBefore);
        // A stopped leader releases the lease; a killed one lets it expire (15 s).
        if (how === "stopped") {
          assert.ok(tookMs < 10_000, `takeover after release took ${tookMs} ms`);
        }
        console.log(`takeover after the leader was ${how}: ${tookMs} ms`);
      } finally {
        await a.stop();
        await b.stop();
      }
    },
  );
}

/** The operator's kubeconfig with its server replaced by `proxy` (same host, so TLS holds). */
async function throughProxy(
  identity: { kubeconfigPath: string; username: string },
  proxy: StallableProxy,
): Promise<{ kubeconfigPath: string; username: string }> {
  const config = YAML.parse(await Deno.readTextFile(identity.kubeconfigPath));
  const server = new URL(config.clusters[0].cluster.server);
  config.clusters[0].cluster.server = `https://127.0.0.1:${proxy.port}`;
  assert.equal(server.hostname, "127.0.0.1", "the API server's certificate covers 127.0.0.1");
  const kubeconfigPath = await Deno.makeTempFile({ prefix: "operator-kubeconfig-proxied-" });
  await Deno.writeTextFile(kubeconfigPath, YAML.stringify(config));
  return { ...identity, kubeconfigPath };
}

/** Lease defaults, as the operator uses them (client-go's). */
const LEASE_DURATION_MS = 15_000;
const RENEW_DEADLINE_MS = 10_000;

Deno.test(
  "a leader stalled off the API server exits before the standby takes over",
  opts,
  async () => {
    const cluster = await testCluster();
    const ns = await freshNamespace(cluster, "ha-stall");
    const identity = await operatorIdentity(cluster, ns);
    const apiPort = Number(new URL(cluster.kubeConfig.getCurrentCluster()!.server).port);
    const proxy = new StallableProxy(apiPort);
    const leases = cluster.kubeConfig.makeApiClient(k8s.CoordinationV1Api);
    const readLease = () => leases.readNamespacedLease({ name: LEASE, namespace: ns });
    // The leader is the replica behind the proxy: started first, it leads before the other runs.
    const a = await startOperatorProcess(
      cluster,
      { namespace: ns, leaderElect: true },
      await throughProxy(identity, proxy),
    );
    let b: OperatorProcess | undefined;
    try {
      await eventually(async () => assert.ok(await isLeader(a), "a leads"));
      b = await startOperatorProcess(cluster, { namespace: ns, leaderElect: true }, identity);
      const standby = b;
      await createPerformer(cluster, ns, "before");
      await reconciled(cluster, ns, "before");
      assert.equal(await isLeader(standby), false, "b stands by");
      const holderA = (await readLease()).spec?.holderIdentity;

      proxy.stall();
      const stalledAt = Date.now();
      // Follow the Lease: the last renewal a made (its renewTime, on this machine's clock), and
      // when b holds it; and when a exits.
      let lastRenewal = NaN;
      let aExitedAt: number | undefined;
      let takenAt: number | undefined;
      for (const deadline = Date.now() + 40_000; Date.now() < deadline && !takenAt;) {
        const spec = (await readLease()).spec;
        if (spec?.holderIdentity === holderA) {
          lastRenewal = new Date(spec?.renewTime as unknown as string).getTime();
        } else if (spec?.holderIdentity) takenAt = Date.now();
        if (aExitedAt === undefined && a.exited()) aExitedAt = Date.now();
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const twoLeaders = !a.exited() && await isLeader(a).catch(() => false);
      const since = (t: number | undefined) => t === undefined ? "never" : `${t - lastRenewal} ms`;
      console.log(
        `stalled ${stalledAt - lastRenewal} ms after a's last renewal; after that renewal: ` +
          `a exited ${since(aExitedAt)}, b took over ${since(takenAt)} ` +
          `(renew deadline ${RENEW_DEADLINE_MS} ms, lease ${LEASE_DURATION_MS} ms); ` +
          `a still leading then: ${twoLeaders}`,
      );
      assert.ok(takenAt !== undefined, "b took the Lease over");
      assert.ok(aExitedAt !== undefined && aExitedAt < takenAt, "a exited before b took over");
      assert.equal(await a.stop(), 1, "a exits with code 1 (lost the Lease)");
      assert.match(a.logs(), /lost leadership: could not renew the lease in time/);
      // Within the renew deadline of its last renewal, plus polling and process exit.
      assert.ok(aExitedAt - lastRenewal < RENEW_DEADLINE_MS + 1_500, "a exited in time");
      assert.ok(takenAt - lastRenewal >= LEASE_DURATION_MS, "b waited out the lease");
      await eventually(async () => assert.ok(await isLeader(standby), "b leads"));
      await createPerformer(cluster, ns, "after");
      await reconciled(cluster, ns, "after");
    } catch (err) {
      console.error(
        `--- a's log (last 30 lines) ---\n${a.logs().split("\n").slice(-30).join("\n")}`,
      );
      throw err;
    } finally {
      await proxy.close();
      await a.stop();
      await b?.stop();
    }
  },
);

Deno.test("the operator serves /healthz, /readyz and Prometheus metrics", opts, async () => {
  const cluster = await testCluster();
  const ns = await freshNamespace(cluster, "metrics");
  const operator = await startOperatorProcess(cluster, { namespace: ns });
  try {
    await createPerformer(cluster, ns, "counted");
    await reconciled(cluster, ns, "counted");
    for (const path of ["/healthz", "/readyz"]) {
      const res = await fetch(`http://127.0.0.1:${operator.healthPort}${path}`);
      assert.equal(res.status, 200, path);
      await res.body?.cancel();
    }
    await eventually(async () => {
      const reconciles = await metric(
        operator,
        'controller_runtime_reconcile_total{controller="performer",result="success"}',
      );
      assert.ok(Number(reconciles[0]?.split(" ").pop()) >= 1, "reconciles are counted");
      const phases = await metric(operator, "hourglass_performers{");
      assert.equal(phases.length, 5, "one series per phase");
      const total = phases.reduce((sum, l) => sum + Number(l.split(" ").pop()), 0);
      assert.equal(total, 1);
    });
    for (
      const name of [
        "workqueue_depth",
        "workqueue_adds_total",
        "controller_runtime_reconcile_time_seconds_bucket",
      ]
    ) {
      assert.ok((await metric(operator, name)).length > 0, `${name} is exported`);
    }
  } finally {
    await operator.stop();
  }
});

Deno.test("the operator's RBAC allows what it needs and nothing on secrets", opts, async () => {
  const cluster = await testCluster();
  const ns = await freshNamespace(cluster, "rbac");
  const { username } = await operatorIdentity(cluster, ns);
  const can = async (verb: string, resource: string, namespace = ns) => {
    try {
      await kubectl(cluster, ["auth", "can-i", verb, resource, "-n", namespace, "--as", username]);
      return true;
    } catch (err) {
      if (err instanceof KubectlError) return false;
      throw err;
    }
  };
  for (
    const [verb, resource] of [
      ["create", "pods"],
      ["delete", "pods"],
      ["patch", "services"],
      ["watch", "performers.hourglass.eigenlayer.io"],
      ["patch", "performers.hourglass.eigenlayer.io/status"],
      ["update", "performers.hourglass.eigenlayer.io/finalizers"],
      ["create", "events"],
      ["update", "leases.coordination.k8s.io"],
    ]
  ) {
    assert.ok(await can(verb, resource), `can ${verb} ${resource}`);
  }
  for (
    const [verb, resource] of [
      ["get", "secrets"],
      ["list", "secrets"],
      ["create", "performers.hourglass.eigenlayer.io"],
      ["delete", "performers.hourglass.eigenlayer.io"],
      ["create", "deployments.apps"],
      ["create", "roles.rbac.authorization.k8s.io"],
    ]
  ) {
    assert.equal(await can(verb, resource), false, `cannot ${verb} ${resource}`);
  }
  assert.equal(
    await can("update", "leases.coordination.k8s.io", "default"),
    false,
    "leases only in its namespace",
  );
});
