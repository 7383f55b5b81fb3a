/**
 * Load (issue 11): up to CHURN_MAX (default 500) Performers created, deleted, updated and
 * re-created under the same names for CHURN_SECONDS (default 150) against one operator run as the
 * chart runs it (leader election, the image's V8 flags), with the node simulator in status-only
 * mode. Asserts at settle points that every Performer has exactly one Ready pod of its image and
 * its Service and nothing else exists; after deleting everything, that no pod, Service,
 * Performer or finalizer is left; that the operator never exited; and that its RSS grew less
 * than RSS_GROWTH_BOUND_MIB from the end of the first full wave to the end of the run.
 */

import assert from "node:assert/strict";
import * as k8s from "@kubernetes/client-node";
import { GROUP, PLURAL, VERSION } from "../shared/api/performer.ts";
import { LABEL, OPERATOR_SELECTOR } from "../shared/api/labels.ts";
import { makeApiClient } from "../shared/kube/client.ts";
import { keepAliveKubeConfig } from "../shared/kube/keep_alive.ts";
import { startNodeSimulator } from "../dev/node_sim/simulator.ts";
import { silentLog } from "../dev/node_sim/log.ts";
import { freshNamespace, testCluster } from "./fixture/cluster.ts";
import { eventually } from "./fixture/eventually.ts";
import { type PerformerResource, TEST_AVS } from "./fixture/performers.ts";
import { seededRandom } from "./fixture/seeded_random.ts";
import { type ShippedOperator, startShippedOperator } from "./fixture/shipped_operator.ts";

const CHURN_SECONDS = Number(Deno.env.get("CHURN_SECONDS") ?? 150);
const CHURN_MAX = Number(Deno.env.get("CHURN_MAX") ?? 500);
const SEED = Number(Deno.env.get("CHURN_SEED") ?? Date.now() % 1_000_000);
/**
 * Bound on the operator's RSS growth from the end of the first full wave to the end of the run.
 * Measured here (500 Performers, 150 s, 2 shared cores, 8,020 creates, 8,020 deletes, 1,544
 * updates): 145.7 → 155.7 MiB (+10 MiB, peak 159.3); a second run (14,383 creates and deletes,
 * 2,779 updates) 148.9 → 154.8 MiB (+5.9, peak 160.7). 40 MiB leaves room for V8's heap growth
 * and noise; per-Performer state kept after deletion (8,000–14,000 lifetimes a run) would pass
 * it at about 3–5 KiB each.
 */
const RSS_GROWTH_BOUND_MIB = 40;
/** Requests in flight per kind of change (creates, deletes, updates run at the same time). */
const CONCURRENCY = 16;
const SETTLE_TIMEOUT_MS = 120_000;
const IMAGES = ["hourglass/hello-performer:v1", "hourglass/hello-performer:v2"];

type Api = { core: k8s.CoreV1Api; custom: k8s.CustomObjectsApi };

Deno.test(
  `${CHURN_MAX} Performers in churn for ${CHURN_SECONDS} s leave nothing behind`,
  { sanitizeOps: false, sanitizeResources: false },
  async () => {
    assert.ok(CHURN_MAX > 0 && CHURN_SECONDS > 0, "CHURN_MAX and CHURN_SECONDS must be > 0");
    const cluster = await testCluster();
    const ns = await freshNamespace(cluster, "churn");
    const pooled = keepAliveKubeConfig(cluster.kubeConfig);
    // No request timeout: a delete-collection of 500 Performers takes tens of seconds here.
    const api: Api = {
      core: makeApiClient(pooled, k8s.CoreV1Api, { timeoutMs: 0 }),
      custom: makeApiClient(pooled, k8s.CustomObjectsApi, { timeoutMs: 0 }),
    };
    const sim = await startNodeSimulator({
      kubeConfig: cluster.kubeConfig,
      nodeName: `sim-${ns}`,
      namespace: ns,
      mode: "status-only",
      deleteNodeOnStop: true,
      log: silentLog,
    });
    const operator = await startShippedOperator(cluster, ns);
    const rss: { at: number; mib: number }[] = [];
    const sampler = setInterval(() => {
      operator.rssMiB().then((mib) => rss.push({ at: Date.now(), mib }), () => {});
    }, 1000);
    try {
      await churn(api, ns, operator, rss);
    } catch (err) {
      console.error(
        `[churn] seed ${SEED}; operator log (last 40 lines):\n${
          operator.logs().split("\n").slice(-40).join("\n")
        }`,
      );
      throw err;
    } finally {
      clearInterval(sampler);
      await operator.stop();
      await sim.stop();
      await api.core.deleteNamespace({ name: ns }).catch(() => {});
    }
  },
);

async function churn(
  api: Api,
  ns: string,
  operator: ShippedOperator,
  rss: { at: number; mib: number }[],
): Promise<void> {
  const random = seededRandom(SEED);
  const names = Array.from({ length: CHURN_MAX }, (_, i) => `c${String(i).padStart(4, "0")}`);
  /** Each live Performer's image, as this test last wrote it. */
  const live = new Map<string, string>();
  const counts = { creates: 0, deletes: 0, updates: 0 };
  const alive = () => assertAlive(operator);
  const start = Date.now();
  console.log(`[churn] seed ${SEED}: ${CHURN_MAX} Performers, ${CHURN_SECONDS} s`);

  // First full wave, then the baseline of the memory figures.
  await runPool(names, CONCURRENCY, alive, async (name) => {
    await createPerformer(api, ns, name, IMAGES[0]);
    live.set(name, IMAGES[0]);
    counts.creates++;
  });
  await settle(api, ns, live, operator, "after the first wave");
  const rssStart = await operator.rssMiB();
  console.log(`[churn] first wave settled after ${seconds(start)} s, RSS ${rssStart.toFixed(1)}`);

  const deadline = start + CHURN_SECONDS * 1000;
  const midpoint = start + CHURN_SECONDS * 500;
  let midSettled = false;
  for (let wave = 2; Date.now() < deadline; wave++) {
    const current = [...live.keys()];
    const doomed = current.filter(() => random() < 0.5);
    const doomedSet = new Set(doomed);
    const updated = current.filter((n) => !doomedSet.has(n) && random() < 0.2);
    // Names not live at the start of the wave: deleted in an earlier wave, created again now.
    const reborn = names.filter((n) => !live.has(n));
    await Promise.all([
      runPool(doomed, CONCURRENCY, alive, async (name) => {
        await deletePerformer(api, ns, name);
        live.delete(name);
        counts.deletes++;
      }),
      runPool(reborn, CONCURRENCY, alive, async (name) => {
        const image = IMAGES[Math.floor(random() * IMAGES.length)];
        await createPerformer(api, ns, name, image);
        live.set(name, image);
        counts.creates++;
      }),
      runPool(updated, CONCURRENCY, alive, async (name) => {
        const image = live.get(name) === IMAGES[0] ? IMAGES[1] : IMAGES[0];
        await patchImage(api, ns, name, image);
        live.set(name, image);
        counts.updates++;
      }),
    ]);
    console.log(
      `[churn] wave ${wave} at ${seconds(start)} s: -${doomed.length} +${reborn.length} ` +
        `~${updated.length}, ${live.size} live, RSS ${(rss.at(-1)?.mib ?? 0).toFixed(1)} MiB`,
    );
    if (!midSettled && Date.now() >= midpoint) {
      midSettled = true;
      await settle(api, ns, live, operator, `mid-run (wave ${wave})`);
    }
  }
  await settle(api, ns, live, operator, "at the end of the churn");

  // Delete everything; nothing may be left.
  await api.custom.deleteCollectionNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    plural: PLURAL,
    namespace: ns,
  });
  counts.deletes += live.size;
  live.clear();
  await settle(api, ns, live, operator, "after deleting everything");
  const leaked = await leftovers(api, ns);
  assert.equal(leaked.length, 0, `Leaked: ${leaked.join(", ")}`);
  assertAlive(operator);
  const rssEnd = await operator.rssMiB();
  const peak = Math.max(...rss.map((s) => s.mib), rssEnd);
  console.log(
    `[churn] ${counts.creates} creates, ${counts.deletes} deletes, ${counts.updates} updates ` +
      `in ${seconds(start)} s; RSS ${rssStart.toFixed(1)} → ${rssEnd.toFixed(1)} MiB ` +
      `(peak ${peak.toFixed(1)}); leaked ${leaked.length}`,
  );
  assert.ok(
    rssEnd - rssStart < RSS_GROWTH_BOUND_MIB,
    `The operator's RSS grew by ${(rssEnd - rssStart).toFixed(1)} MiB ` +
      `(${rssStart.toFixed(1)} → ${rssEnd.toFixed(1)}), bound ${RSS_GROWTH_BOUND_MIB} MiB`,
  );
}

/**
 * Waits until the namespace is exactly what `live` says: each Performer Ready with one Ready pod
 * of its image and its Service, no other pod or Service of the operator, no finalizer.
 */
async function settle(
  api: Api,
  ns: string,
  live: Map<string, string>,
  operator: ShippedOperator,
  when: string,
): Promise<void> {
  const t0 = Date.now();
  await eventually(async () => {
    assertAlive(operator);
    const problems = await mismatches(api, ns, live);
    if (problems.length > 0) {
      throw new Error(`${problems.length} problem(s), e.g. ${problems.slice(0, 8).join("; ")}`);
    }
  }, { timeoutMs: SETTLE_TIMEOUT_MS, intervalMs: 1000 }).catch((err) => {
    throw new Error(`Not settled ${when}: ${err.message}`, { cause: err });
  });
  console.log(`[churn] settled ${when}: ${live.size} Performers in ${seconds(t0)} s`);
}

/** What differs between the namespace and `live` (empty when settled). */
async function mismatches(api: Api, ns: string, live: Map<string, string>): Promise<string[]> {
  const [performers, pods, services] = await Promise.all([
    listPerformers(api, ns),
    api.core.listNamespacedPod({ namespace: ns, labelSelector: OPERATOR_SELECTOR }),
    api.core.listNamespacedService({ namespace: ns, labelSelector: OPERATOR_SELECTOR }),
  ]);
  const problems: string[] = [];
  const byName = new Map(performers.map((p) => [p.metadata.name!, p]));
  for (const name of byName.keys()) {
    if (!live.has(name)) problems.push(`Performer ${name} exists but was deleted`);
  }
  for (const p of performers) {
    if (p.metadata.finalizers?.length) {
      problems.push(`Performer ${p.metadata.name} has finalizers ${p.metadata.finalizers}`);
    }
  }
  const podsOf = groupBy(pods.items, (o) => o.metadata?.labels?.[LABEL.performer] ?? "");
  const servicesOf = groupBy(services.items, (o) => o.metadata?.labels?.[LABEL.performer] ?? "");
  for (const [name, image] of live) {
    const p = byName.get(name);
    if (!p) problems.push(`Performer ${name} is missing`);
    else if (p.status?.ready !== true) problems.push(`Performer ${name} is not Ready`);
    const own = podsOf.get(name) ?? [];
    if (own.length !== 1) problems.push(`${name} has ${own.length} pods`);
    else if (own[0].spec?.containers[0]?.image !== image) {
      problems.push(`${name}'s pod runs ${own[0].spec?.containers[0]?.image}, not ${image}`);
    } else if (!isReady(own[0])) problems.push(`${name}'s pod is not Ready`);
    if ((servicesOf.get(name) ?? []).length !== 1) problems.push(`${name} has no single Service`);
  }
  for (const [kind, of] of [["pod", podsOf], ["Service", servicesOf]] as const) {
    for (const [name, list] of of as Map<string, unknown[]>) {
      if (!live.has(name)) problems.push(`${list.length} ${kind}(s) of gone Performer "${name}"`);
    }
  }
  for (const o of [...pods.items, ...services.items]) {
    if (o.metadata?.finalizers?.length) {
      problems.push(`${o.metadata.name} has finalizers ${o.metadata.finalizers}`);
    }
  }
  return problems;
}

/** Everything of the operator's kind left in the namespace (pods, Services, Performers). */
async function leftovers(api: Api, ns: string): Promise<string[]> {
  const [performers, pods, services] = await Promise.all([
    listPerformers(api, ns),
    api.core.listNamespacedPod({ namespace: ns }),
    api.core.listNamespacedService({ namespace: ns, labelSelector: OPERATOR_SELECTOR }),
  ]);
  return [
    ...performers.map((p) => `Performer ${p.metadata.name}`),
    ...pods.items.map((p) => `pod ${p.metadata?.name}`),
    ...services.items.map((s) => `Service ${s.metadata?.name}`),
  ];
}

async function listPerformers(api: Api, ns: string): Promise<PerformerResource[]> {
  const list = await api.custom.listNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    plural: PLURAL,
    namespace: ns,
  }) as { items: PerformerResource[] };
  return list.items;
}

async function createPerformer(api: Api, ns: string, name: string, image: string) {
  await api.custom.createNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    plural: PLURAL,
    namespace: ns,
    body: {
      apiVersion: `${GROUP}/${VERSION}`,
      kind: "Performer",
      metadata: { name },
      spec: { avsAddress: TEST_AVS, image },
    },
  });
}

async function patchImage(api: Api, ns: string, name: string, image: string) {
  await api.custom.patchNamespacedCustomObject(
    {
      group: GROUP,
      version: VERSION,
      plural: PLURAL,
      namespace: ns,
      name,
      body: { spec: { image } },
    },
    k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch),
  );
}

async function deletePerformer(api: Api, ns: string, name: string) {
  await api.custom.deleteNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    plural: PLURAL,
    namespace: ns,
    name,
  });
}

/** Fails with how the operator ended if it has (a crash is never retried around). */
function assertAlive(operator: ShippedOperator): void {
  const ended = operator.exitStatus();
  if (ended) {
    throw new Error(
      `The operator exited (code ${ended.code}, signal ${ended.signal ?? "none"}):\n` +
        operator.logs().split("\n").slice(-40).join("\n"),
    );
  }
}

/** Runs `fn` over `items`, at most `concurrency` at once, checking `check` before each. */
async function runPool<T>(
  items: readonly T[],
  concurrency: number,
  check: () => void,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      check();
      await fn(items[next++]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    map.set(k, [...map.get(k) ?? [], item]);
  }
  return map;
}

function isReady(pod: k8s.V1Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
}

function seconds(since: number): number {
  return Math.round((Date.now() - since) / 1000);
}
