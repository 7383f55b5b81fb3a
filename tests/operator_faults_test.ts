/**
 * The operator under faults of its control plane, each measured: the API server stopped for 20 s
 * while 50 new Performers are reconciled (a control plane of its own, so its kube-apiserver can
 * really be stopped and started again), the operator killed with SIGKILL mid upgrade wave, and
 * its connection to the API server cut or stalled while Performers change. Each case ends with
 * every Performer settled (one pod on its image, Ready, behind its Service), nothing created
 * twice (the API server's audit log) and nothing leaked, and prints its recovery time as
 * `[fault] <case> recovery <s> s`.
 *
 * The leader killed outright is tests/operator_ha_test.ts ("… takes over when the leader is
 * killed", which prints the takeover time); an operator killed mid creation is
 * tests/operator_lifecycle_test.ts ("an operator restarted mid-work …"). A watch that stays
 * silent for good (a half-open connection: new connections flow, the held ones carry nothing)
 * is restarted after 3 min of silence (shared/controller/informer_silent_test.ts; here the
 * stall ends, so the held bytes flow again).
 */

import * as k8s from "@kubernetes/client-node";
import assert from "node:assert/strict";
import YAML from "yaml";
import { startLocalCluster } from "../dev/cluster/local_cluster.ts";
import { silentLog } from "../dev/node_sim/log.ts";
import { startNodeSimulator } from "../dev/node_sim/simulator.ts";
import { writesSince } from "./fixture/audit_log.ts";
import { freshNamespace, type TestCluster, testCluster } from "./fixture/cluster.ts";
import { CuttableProxy } from "./fixture/cuttable_proxy.ts";
import {
  operatorIdentity,
  type OperatorProcess,
  startOperatorProcess,
} from "./fixture/operator.ts";
import { PerformerView, waitSettled } from "./fixture/performer_view.ts";
import {
  clients,
  createPerformer,
  deletePerformer,
  getPerformer,
  HELLO_IMAGE,
  patchSpec,
} from "./fixture/performers.ts";
import { StallableProxy } from "./fixture/stallable_proxy.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const IMAGE_V2 = "hourglass/hello-performer:v2";

/** Prints a recovery time in the line the project note quotes. */
function report(fault: string, ms: number, detail = ""): void {
  console.log(
    `[fault] ${fault} recovery ${(ms / 1000).toFixed(1)} s${detail ? ` (${detail})` : ""}`,
  );
}

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `done` every `everyMs` until it holds; fails naming `what` after `timeoutMs`. */
async function until(done: () => boolean, what: string, timeoutMs: number, everyMs = 20) {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    assert.ok(Date.now() < deadline, `still waiting for ${what} after ${timeoutMs} ms`);
    await delay(everyMs);
  }
}

/** Runs `fn` over `items`, at most `concurrency` at a time. */
async function pool<T>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T) => Promise<unknown>,
) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

/** A node in status-only mode (pods Running and Ready at once, no process) for namespace `ns`. */
function statusOnlyNode(cluster: TestCluster, ns: string) {
  return startNodeSimulator({
    kubeConfig: cluster.kubeConfig,
    nodeName: `sim-${ns}`,
    namespace: ns,
    mode: "status-only",
    deleteNodeOnStop: true,
    log: silentLog,
  });
}

/** Per Performer, how many of `resource` the operator created (201) since `since`. */
async function createdPer(
  cluster: TestCluster,
  operator: { username: string },
  ns: string,
  resource: "pods" | "services",
  since: number,
): Promise<Map<string, number>> {
  const writes = await writesSince(cluster.auditLogPath, since, {
    username: operator.username,
    namespace: ns,
  });
  const counts = new Map<string, number>();
  for (const w of writes) {
    if (w.verb !== "create" || w.resource !== resource || w.code !== 201) continue;
    // Pods are performer-<name>-<hash>, Services performer-<name>; the audit entry of a create
    // has the name the object got.
    const name = (w.name ?? "").replace(/^performer-/, "").replace(/-[0-9a-f]{10}$/, "");
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return counts;
}

/**
 * Those of `names` created more than `times` times. (Not fewer: a create in flight when its
 * client was killed, or its API server stopped, may be committed without a 201 in the audit log;
 * the test's own view counts the pods that exist.)
 */
function createdMore(counts: Map<string, number>, names: readonly string[], times: number) {
  return names.filter((n) => (counts.get(n) ?? 0) > times).map((n) => `${n}: ${counts.get(n)}`);
}

/** The last lines of a process's log, for failure messages. */
function tail(proc: OperatorProcess, lines = 30): string {
  return proc.logs().split("\n").slice(-lines).join("\n");
}

/**
 * The operator as its Deployment runs it: when the process exits it is started again at once
 * (as the kubelet's first restart is), and every exit is recorded with its code and log.
 */
class Deployment {
  current: OperatorProcess;
  /** Each exit: code, when, the log's last lines, and when the restarted process was ready. */
  readonly exits: { code: number; at: number; log: string; readyAt?: number }[] = [];
  /** Why a restart failed (it is not retried). */
  failure: Error | undefined;
  #watching = true;
  #loop: Promise<void>;

  constructor(first: OperatorProcess, restart: () => Promise<OperatorProcess>) {
    this.current = first;
    this.#loop = this.#supervise(restart);
  }

  async #supervise(restart: () => Promise<OperatorProcess>): Promise<void> {
    while (this.#watching) {
      if (this.current.exited()) {
        const at = Date.now();
        const code = await this.current.stop();
        const exit = {
          code,
          at,
          log: tail(this.current, 15),
          readyAt: undefined as number | undefined,
        };
        this.exits.push(exit);
        try {
          this.current = await restart();
          exit.readyAt = Date.now();
        } catch (err) {
          this.failure = err as Error;
          return;
        }
      }
      await delay(100);
    }
  }

  /** Stops restarting, then stops the current process; returns its exit code. */
  async stop(): Promise<number> {
    this.#watching = false;
    await this.#loop.catch(() => {});
    return await this.current.stop();
  }
}

Deno.test(
  "the API server stopped for 20 s while 50 Performers are reconciled: all converge, nothing twice",
  opts,
  async () => {
    // A control plane of its own: the shared one belongs to the test runner.
    const local = await startLocalCluster();
    const kubeConfig = new k8s.KubeConfig();
    kubeConfig.loadFromFile(local.kubeconfigPath);
    const cluster: TestCluster = { ...local, kubeConfig };
    const cleanups: (() => Promise<unknown>)[] = [() => local.stop()];
    try {
      const ns = await freshNamespace(cluster, "apistop");
      const identity = await operatorIdentity(cluster, ns);
      const sim = await statusOnlyNode(cluster, ns);
      cleanups.unshift(() => sim.stop());
      // A restart may come while the API server is down: /readyz waits for it to come back.
      const start = () =>
        startOperatorProcess(
          cluster,
          { namespace: ns, leaderElect: true, readyTimeoutMs: 90_000 },
          identity,
        );
      const deployment = new Deployment(await start(), start);
      cleanups.unshift(() => deployment.stop());
      const view = new PerformerView(kubeConfig, ns);
      await view.start();
      cleanups.unshift(() => view.stop());

      const names = Array.from({ length: 50 }, (_, i) => `p${String(i).padStart(2, "0")}`);
      const t0 = Date.now();
      const creating = pool(names, 16, (n) => createPerformer(cluster, ns, n));
      // Mid-reconcile: the operator has begun (pods exist) and not finished.
      await until(() => view.allPods().length >= 5, "the first 5 pods", 30_000);
      await creating;
      const settledBefore = names.length - view.unsettledAll(names, HELLO_IMAGE).length;
      // SIGTERM; kube-apiserver drains its requests (watches too) and may take until the SIGKILL
      // 10 s later: the outage starts at the SIGTERM, and the process is gone at `goneAt`.
      const stoppedAt = Date.now();
      await local.stopApiServer();
      const goneAt = Date.now();
      assert.ok(settledBefore < names.length, "the API server stopped mid-reconcile");
      await delay(20_000 - (Date.now() - stoppedAt));
      await local.startApiServer();
      const backAt = Date.now();
      const downS = `${((backAt - stoppedAt) / 1000).toFixed(1)} s (process gone after ${
        ((goneAt - stoppedAt) / 1000).toFixed(1)
      } s)`;

      // The operator's part (every pod and Service there) and then Ready (the node's part too).
      // A restarted operator has a new identity and, as client-go's, waits a full lease (15 s)
      // from when it first reads the old leader's Lease; its informers back off up to 30 s.
      let childrenAt: number | undefined;
      const children = setInterval(() => {
        if (view.withoutChildren(names).length === 0) childrenAt ??= Date.now();
      }, 50);
      const settledAt = await waitSettled(view, names, {
        image: HELLO_IMAGE,
        timeoutMs: 90_000,
        alive: () => deployment.failure && `the operator's restart failed: ${deployment.failure}`,
      });
      clearInterval(children);
      const recovery = settledAt - backAt;
      const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
      const exits = deployment.exits.map((e) =>
        `exit ${e.code} ${s(e.at - stoppedAt)} after the stop, restarted and ready ` +
        `${e.readyAt ? s(e.readyAt - backAt) : "never"} after the API server was back`
      );
      report(
        "api-server-stop",
        recovery,
        `50 Performers, ${settledBefore} settled at the stop, API server down ${downS}; ` +
          `operator: ${exits.length === 0 ? "stayed up" : exits.join("; ")}; every pod and ` +
          `Service there ${
            childrenAt ? s(childrenAt - backAt) : "?"
          } after the API server was back`,
      );
      // Leader election: an operator that cannot renew its Lease within the renew deadline
      // (10 s) exits 1 by design, and its Deployment starts it again. Any other end is a crash.
      for (const e of deployment.exits) {
        assert.equal(e.code, 1, `the operator exited ${e.code}, not 1 for a lost Lease:\n${e.log}`);
        assert.match(e.log, /leadership lost; exiting/, "it exited for the lost Lease");
      }
      assert.ok(!deployment.current.exited(), "the operator is running");
      assert.ok(recovery < 60_000, `recovered in ${recovery} ms (bound 60 s)`);

      assert.equal(view.allPods().length, names.length, "one pod per Performer, no other");
      assert.deepEqual(view.podsSeenNot(names, 1), [], "one pod ever per Performer");
      const podCreates = await createdPer(cluster, identity, ns, "pods", t0);
      assert.deepEqual(createdMore(podCreates, names, 1), [], "no pod created twice");
      const serviceCreates = await createdPer(cluster, identity, ns, "services", t0);
      assert.deepEqual(createdMore(serviceCreates, names, 1), [], "no Service created twice");
    } finally {
      for (const cleanup of cleanups) await cleanup().catch(() => {});
    }
  },
);

Deno.test(
  "the operator killed mid upgrade wave: the restarted one finishes it, always a Ready pod",
  opts,
  async () => {
    const cluster = await testCluster();
    const ns = await freshNamespace(cluster, "wavekill");
    const identity = await operatorIdentity(cluster, ns);
    const sim = await statusOnlyNode(cluster, ns);
    const view = new PerformerView(cluster.kubeConfig, ns);
    await view.start();
    const start = () =>
      startOperatorProcess(cluster, { namespace: ns, leaderElect: true }, identity);
    let operator = await start();
    try {
      const names = Array.from({ length: 20 }, (_, i) => `w${String(i).padStart(2, "0")}`);
      const t0 = Date.now();
      // The sampler sees a Service without a Ready pod when there is one: while they are created.
      const duringCreation = view.sampleServing(names);
      await pool(names, 16, (n) => createPerformer(cluster, ns, n));
      await waitSettled(view, names, { image: HELLO_IMAGE, timeoutMs: 60_000 });
      assert.ok(duringCreation().without > 0, "the sampler sees moments without a Ready pod");

      const sampled = view.sampleServing(names);
      const patching = pool(names, 16, (n) => patchSpec(cluster, ns, n, { image: IMAGE_V2 }));
      // Mid-wave: the first pod of the new image exists.
      const upgrading = () => view.allPods().some((p) => p.spec?.containers[0]?.image === IMAGE_V2);
      await until(upgrading, "the first pod of the new image", 30_000, 5);
      await operator.kill();
      const killedAt = Date.now();
      const upgradedAtKill = names.length - view.unsettledAll(names, IMAGE_V2).length;
      await patching;
      operator = await start();
      const settledAt = await waitSettled(view, names, {
        image: IMAGE_V2,
        timeoutMs: 90_000,
        alive: () => operator.exited() ? `the operator exited:\n${tail(operator)}` : undefined,
      });
      const { samples, without, who } = sampled();
      const recovery = settledAt - killedAt;
      report(
        "operator-sigkill-upgrade-wave",
        recovery,
        `20 Performers, ${upgradedAtKill} upgraded at the kill; includes the 15 s the Lease of ` +
          `the killed leader takes to expire; ${without} of ${samples} Performer-moments ` +
          `without a Ready pod behind the Service`,
      );
      assert.ok(upgradedAtKill < names.length, "killed mid-wave");
      assert.ok(recovery < 60_000, `wave finished ${recovery} ms after the kill (bound 60 s)`);
      assert.equal(without, 0, `moments without a Ready pod: ${[...who].join(", ")}`);
      // Nothing leaked: one pod per Performer, and it stays so (no late duplicate).
      await delay(2_000);
      assert.deepEqual(view.unsettledAll(names, IMAGE_V2), []);
      assert.equal(view.allPods().length, names.length, "no old pod left behind");
      assert.deepEqual(view.podsSeenNot(names, 2), [], "one pod per revision ever");
      const podCreates = await createdPer(cluster, identity, ns, "pods", t0);
      assert.deepEqual(createdMore(podCreates, names, 2), [], "no pod created twice");
    } catch (err) {
      console.error(`--- operator log (last 30 lines) ---\n${tail(operator)}`);
      throw err;
    } finally {
      await operator.stop();
      await view.stop();
      await sim.stop();
    }
  },
);

/** The operator's kubeconfig with its server replaced by a proxy's port (same host: TLS holds). */
async function throughProxy(
  identity: { kubeconfigPath: string; username: string },
  port: number,
): Promise<{ kubeconfigPath: string; username: string }> {
  const config = YAML.parse(await Deno.readTextFile(identity.kubeconfigPath));
  assert.equal(new URL(config.clusters[0].cluster.server).hostname, "127.0.0.1");
  config.clusters[0].cluster.server = `https://127.0.0.1:${port}`;
  const kubeconfigPath = await Deno.makeTempFile({ prefix: "operator-kubeconfig-proxied-" });
  await Deno.writeTextFile(kubeconfigPath, YAML.stringify(config));
  return { ...identity, kubeconfigPath };
}

/** A fault between the operator and the API server, and its end. */
interface Fault {
  port: number;
  begin(): Promise<void> | void;
  end(): void;
  close(): Promise<void>;
}

function cutFault(apiPort: number): Fault {
  const proxy = new CuttableProxy(apiPort);
  return {
    port: proxy.port,
    begin: () => proxy.cut(),
    end: () => proxy.restore(),
    close: () => proxy.close(),
  };
}

function stallFault(apiPort: number): Fault {
  const proxy = new StallableProxy(apiPort);
  return {
    port: proxy.port,
    begin: () => proxy.stall(),
    end: () => proxy.resume(),
    close: () => proxy.close(),
  };
}

for (const [kind, makeFault] of [["cut", cutFault], ["stalled", stallFault]] as const) {
  Deno.test(
    `the operator's watches ${kind} for 10 s: changes made meanwhile are reconciled after`,
    opts,
    async () => {
      const cluster = await testCluster();
      const ns = await freshNamespace(cluster, `watch${kind}`);
      const apiPort = Number(new URL(cluster.kubeConfig.getCurrentCluster()!.server).port);
      const fault = makeFault(apiPort);
      const identity = await operatorIdentity(cluster, ns);
      const proxied = await throughProxy(identity, fault.port);
      const sim = await statusOnlyNode(cluster, ns);
      const view = new PerformerView(cluster.kubeConfig, ns);
      await view.start();
      // No leader election here: a partition longer than the renew deadline ends a leader by
      // design (the API-server-stop case above and operator_ha_test.ts); this case is about
      // what the informers and the work queue make of the gap.
      const operator = await startOperatorProcess(cluster, { namespace: ns }, proxied);
      try {
        const names = ["a", "b", "c", "d"];
        await Promise.all(names.map((n) => createPerformer(cluster, ns, n)));
        await waitSettled(view, names, { image: HELLO_IMAGE, timeoutMs: 30_000 });
        const [oldPodOfA] = view.pods("a");

        await fault.begin();
        const began = Date.now();
        // Changes the operator cannot see while cut off: new Performers, a pod gone, an image
        // change, a Performer deleted.
        const added = ["e", "f"];
        await Promise.all(added.map((n) => createPerformer(cluster, ns, n)));
        await clients(cluster).core.deleteNamespacedPod({
          namespace: ns,
          name: oldPodOfA.metadata!.name!,
          gracePeriodSeconds: 0,
        });
        await patchSpec(cluster, ns, "b", { image: IMAGE_V2 });
        await deletePerformer(cluster, ns, "c");
        await delay(10_000 - (Date.now() - began));
        fault.end();
        const endedAt = Date.now();

        const alive = () =>
          operator.exited() ? `the operator exited:\n${tail(operator)}` : undefined;
        await waitSettled(view, ["a", "d", ...added], {
          image: HELLO_IMAGE,
          timeoutMs: 90_000,
          alive,
        });
        await waitSettled(view, ["b"], { image: IMAGE_V2, timeoutMs: 90_000, alive });
        for (;;) {
          const left = view.pods("c").length;
          const performer = await getPerformer(cluster, ns, "c").then(() => true, () => false);
          if (left === 0 && !performer) break;
          assert.ok(
            Date.now() - endedAt < 90_000,
            `c not gone: ${left} pods, Performer ${performer}`,
          );
          await delay(50);
        }
        const recovery = Date.now() - endedAt;
        report(
          `watch-${kind === "cut" ? "cut" : "stall"}`,
          recovery,
          `10 s ${kind}; 2 Performers added, a pod deleted, an image changed, a Performer deleted`,
        );
        assert.notEqual(view.pods("a")[0].metadata?.uid, oldPodOfA.metadata?.uid, "a new pod");
        assert.equal(view.allPods().length, 5, "a, b, d, e, f: one pod each");
        assert.ok(!operator.exited(), "the operator is running");
        assert.ok(recovery < 60_000, `reconciled ${recovery} ms after the ${kind} (bound 60 s)`);
      } catch (err) {
        console.error(`--- operator log (last 30 lines) ---\n${tail(operator)}`);
        throw err;
      } finally {
        await operator.stop();
        await fault.close();
        await view.stop();
        await sim.stop();
        await Deno.remove(proxied.kubeconfigPath).catch(() => {});
      }
    },
  );
}
