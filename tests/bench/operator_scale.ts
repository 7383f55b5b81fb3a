/**
 * The operator-scale scenario of `deno task bench`: N Performers created at once on the local
 * control plane, with the node simulator in status-only mode (pods become Running and Ready with
 * no process, like kwok), the operator in its own process as a ServiceAccount with the chart's
 * rules. Measures, from the bench's own watches and the API server's audit log:
 *
 * - create → every Performer has a pod and a Service; create → every Performer Ready (`status.ready`),
 *   with p50/p99 of each Performer's time from its own creation;
 * - the operator's writes per Performer by resource, its RSS and CPU seconds, reconciles/s;
 * - its writes during a steady-state window;
 * - an image upgrade of every Performer: time until each runs only pods of the new image behind
 *   its Service and is Ready, and the Performer-moments (sampled every 100 ms) in which the
 *   Service selected no Ready pod;
 * - delete all → Performers, pods and Services gone.
 * @module
 */

import * as k8s from "@kubernetes/client-node";
import { GROUP, PLURAL, VERSION } from "../../shared/api/performer.ts";
import { Informer, type ListParams, type ListResult } from "../../shared/controller/mod.ts";
import { makeApiClient } from "../../shared/kube/client.ts";
import { keepAliveKubeConfig } from "../../shared/kube/keep_alive.ts";
import { startNodeSimulator } from "../../dev/node_sim/simulator.ts";
import { silentLog } from "../../dev/node_sim/log.ts";
import { OPERATOR_PERMISSIONS } from "../../dev/permissions.ts";
import { OPERATOR_ENV, OPERATOR_V8_FLAGS_ARG } from "../../dev/v8_flags.ts";
import { freePort } from "../../dev/process.ts";
import { spawnDeno, type TestProcess, waitReady } from "../fixture/child_process.ts";
import { operatorIdentity } from "../fixture/operator.ts";
import {
  auditWrites,
  countByResource,
  metricSum,
  percentile,
  processUsage,
  round,
} from "./stats.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const PERFORMER_LABEL = "hourglass.eigenlayer.io/performer";
const AVS = "0xCE2Ac75bE2E0951F1F7B288c7a6A9BfB6c331DC4";
const IMAGE_V1 = "hourglass/hello-performer:v1";
const IMAGE_V2 = "hourglass/hello-performer:v2";
/** Requests the bench itself keeps in flight when creating, patching or deleting. */
const CLIENT_CONCURRENCY = 32;
const SAMPLE_MS = 100;

/** What the scenario needs of the control plane. */
export interface BenchCluster {
  kubeconfigPath: string;
  kubeConfig: k8s.KubeConfig;
  kubectl: string;
  auditLogPath: string;
  etcdEndpoint: string;
}

/** Options of the operator-scale scenario. */
export interface OperatorScaleOptions {
  n: number;
  /** Length of the steady-state window, ms. */
  steadyMs: number;
  /** Extra operator flags (e.g. `--kube-api-qps=20`). */
  operatorArgs: string[];
  /** Extra flags of `deno run` for the operator (e.g. `--cpu-prof`). */
  operatorDenoArgs?: string[];
  /** Longest wait for any one phase, ms. */
  phaseTimeoutMs: number;
  log: (line: string) => void;
}

/** The scenario's figures (times in seconds). */
export interface OperatorScaleResult {
  n: number;
  operatorArgs: string[];
  create: {
    allPodAndServiceS: number;
    allReadyS: number;
    readyP50S: number;
    readyP99S: number;
    reconcilesPerS: number;
    writesPerPerformer: number;
    writesPerPerformerByResource: Record<string, number>;
    throttled429: number;
  };
  operator: { rssMiB: number; cpuSeconds: number };
  steady: { windowS: number; writes: number };
  upgrade: {
    allUpgradedS: number;
    momentsWithoutReadyPod: number;
    samples: number;
    writesPerPerformer: number;
  };
  delete: { allGoneS: number };
}

type Obj = k8s.KubernetesObject & {
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
};

/** Runs the scenario on `cluster`; leaves nothing behind (namespace, node, processes). */
export async function runOperatorScale(
  cluster: BenchCluster,
  options: OperatorScaleOptions,
): Promise<OperatorScaleResult> {
  const { n, log } = options;
  const kc = cluster.kubeConfig;
  // Kept-alive connections: with a TLS handshake per request, the bench's own creates and
  // patches of 1,000 Performers took longer than the operator's work (measured: 93 s to send the
  // upgrade's 1,000 patches).
  // No request timeout: deleting 1,000 Performers in one request took 20–31 s here.
  const pooled = keepAliveKubeConfig(kc);
  const core = makeApiClient(pooled, k8s.CoreV1Api, { timeoutMs: 0 });
  const custom = makeApiClient(pooled, k8s.CustomObjectsApi, { timeoutMs: 0 });
  const ns = `bench-${crypto.randomUUID().slice(0, 8)}`;
  await core.createNamespace({ body: { metadata: { name: ns } } });
  const identity = await operatorIdentity(cluster, ns);
  const cleanups: (() => Promise<unknown>)[] = [
    () => core.deleteNamespace({ name: ns }),
    () => Deno.remove(identity.kubeconfigPath),
  ];
  try {
    const sim = await startNodeSimulator({
      kubeConfig: kc,
      nodeName: `bench-${ns}`,
      namespace: ns,
      mode: "status-only",
      deleteNodeOnStop: true,
      log: silentLog,
    });
    cleanups.unshift(() => sim.stop());
    const metricsPort = freePort();
    const healthPort = freePort();
    const operator = spawnDeno([
      "run",
      ...OPERATOR_PERMISSIONS,
      // The V8 flags the operator's binary is built with, so the bench measures what ships.
      OPERATOR_V8_FLAGS_ARG,
      ...options.operatorDenoArgs ?? [],
      `${ROOT}operator/main.ts`,
      "--kubeconfig",
      identity.kubeconfigPath,
      `--metrics-bind-address=127.0.0.1:${metricsPort}`,
      `--health-probe-bind-address=127.0.0.1:${healthPort}`,
      `--namespace=${ns}`,
      "--log-level=warn",
      ...options.operatorArgs,
    ], { ...OPERATOR_ENV });
    cleanups.unshift(() => operator.stop());
    await waitReady(operator, `http://127.0.0.1:${healthPort}/readyz`, "operator", 60_000);
    const watch = new Watches(kc, core, custom, ns);
    cleanups.unshift(() => watch.stop());
    await watch.start();
    const metrics = () =>
      fetch(`http://127.0.0.1:${metricsPort}/metrics`).then((r) => r.text()).catch(() => "");
    const waitAll = (what: string, done: () => boolean) =>
      waitUntil(what, done, options.phaseTimeoutMs, operator);

    // Create.
    log(`operator scale: creating ${n} Performers`);
    const names = Array.from({ length: n }, (_, i) => `p${String(i).padStart(5, "0")}`);
    const createdAt = new Map<string, number>();
    const t0 = Date.now();
    await pool(names, CLIENT_CONCURRENCY, async (name) => {
      await custom.createNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        plural: PLURAL,
        namespace: ns,
        body: {
          apiVersion: `${GROUP}/${VERSION}`,
          kind: "Performer",
          metadata: { name },
          spec: { avsAddress: AVS, image: IMAGE_V1 },
        },
      });
      createdAt.set(name, Date.now());
    });
    await waitAll(
      "every Performer has a pod and a Service",
      () => names.every((p) => watch.podAt.has(p) && watch.serviceAt.has(p)),
    );
    const podAndService = Math.max(...names.map((p) => watch.podAndServiceAt(p))) - t0;
    await waitAll("every Performer is Ready", () => names.every((p) => watch.readyAt.has(p)));
    const allReady = Math.max(...names.map((p) => watch.readyAt.get(p)!)) - t0;
    const perPerformer = names.map((p) => watch.readyAt.get(p)! - createdAt.get(p)!);
    const reconciles = metricSum(await metrics(), "controller_runtime_reconcile_total");
    // Writes still on their way (a last status write) land in the audit log within a moment.
    await delay(1000);
    const createWrites = await auditWrites(cluster.auditLogPath, identity.username, t0);
    const usage = await processUsage(operator.pid);
    log(`operator scale: all Ready after ${(allReady / 1000).toFixed(2)} s`);

    // Steady state.
    const steadyStart = Date.now();
    await delay(options.steadyMs);
    const steadyWrites = await auditWrites(
      cluster.auditLogPath,
      identity.username,
      steadyStart,
      steadyStart + options.steadyMs,
    );

    // Upgrade wave.
    log(`operator scale: upgrading ${n} Performers to ${IMAGE_V2}`);
    let samples = 0;
    let without = 0;
    const sampler = setInterval(() => {
      for (const p of names) {
        samples++;
        if (!watch.servesReady(p)) without++;
      }
    }, SAMPLE_MS);
    const t1 = Date.now();
    try {
      await pool(names, CLIENT_CONCURRENCY, (name) =>
        custom.patchNamespacedCustomObject(
          {
            group: GROUP,
            version: VERSION,
            plural: PLURAL,
            namespace: ns,
            name,
            body: { spec: { image: IMAGE_V2 } },
          },
          k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch),
        ));
      await waitAll(
        "every Performer runs only the new image, Ready behind its Service",
        () => names.every((p) => watch.upgraded(p, IMAGE_V2)),
      );
    } finally {
      clearInterval(sampler);
    }
    const upgradeMs = Date.now() - t1;
    await delay(500);
    const upgradeWrites = await auditWrites(cluster.auditLogPath, identity.username, t1);

    // Delete all.
    log(`operator scale: deleting ${n} Performers`);
    const t2 = Date.now();
    await custom.deleteCollectionNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      plural: PLURAL,
      namespace: ns,
    });
    await waitAll("Performers, pods and Services gone", () => watch.empty());
    const deleteMs = Date.now() - t2;

    return {
      n,
      operatorArgs: options.operatorArgs,
      create: {
        allPodAndServiceS: round(podAndService / 1000),
        allReadyS: round(allReady / 1000),
        readyP50S: round(percentile(perPerformer, 50) / 1000),
        readyP99S: round(percentile(perPerformer, 99) / 1000),
        reconcilesPerS: round(reconciles / (allReady / 1000), 1),
        writesPerPerformer: round(createWrites.length / n),
        writesPerPerformerByResource: Object.fromEntries(
          Object.entries(countByResource(createWrites)).map(([r, c]) => [r, round(c / n)]),
        ),
        throttled429: createWrites.filter((w) => w.code === 429).length,
      },
      operator: { rssMiB: round(usage.rssMiB, 1), cpuSeconds: round(usage.cpuSeconds) },
      steady: { windowS: round(options.steadyMs / 1000, 1), writes: steadyWrites.length },
      upgrade: {
        allUpgradedS: round(upgradeMs / 1000),
        momentsWithoutReadyPod: without,
        samples,
        writesPerPerformer: round(upgradeWrites.length / n),
      },
      delete: { allGoneS: round(deleteMs / 1000) },
    };
  } finally {
    for (const cleanup of cleanups) await cleanup().catch(() => {});
  }
}

/** The bench's own view of the namespace: when each Performer got its pod, Service, Ready. */
class Watches {
  readonly podAt = new Map<string, number>();
  readonly serviceAt = new Map<string, number>();
  readonly readyAt = new Map<string, number>();
  readonly #performers: Informer<Obj>;
  readonly #pods: Informer<k8s.V1Pod>;
  readonly #services: Informer<k8s.V1Service>;
  readonly #ns: string;

  constructor(kc: k8s.KubeConfig, core: k8s.CoreV1Api, custom: k8s.CustomObjectsApi, ns: string) {
    this.#ns = ns;
    this.#performers = new Informer<Obj>({
      name: "bench-performers",
      kubeConfig: kc,
      watchPath: `/apis/${GROUP}/${VERSION}/namespaces/${ns}/${PLURAL}`,
      list: (p: ListParams) =>
        custom.listNamespacedCustomObject({
          group: GROUP,
          version: VERSION,
          plural: PLURAL,
          namespace: ns,
          ...p,
        }) as Promise<ListResult<Obj>>,
    });
    this.#pods = new Informer<k8s.V1Pod>({
      name: "bench-pods",
      kubeConfig: kc,
      watchPath: `/api/v1/namespaces/${ns}/pods`,
      list: (p: ListParams) => core.listNamespacedPod({ namespace: ns, ...p }),
      // Looked up per Performer 10 times a second while sampling: no scan of every pod.
      index: (pod) => pod.metadata?.labels?.[PERFORMER_LABEL],
    });
    this.#services = new Informer<k8s.V1Service>({
      name: "bench-services",
      kubeConfig: kc,
      watchPath: `/api/v1/namespaces/${ns}/services`,
      list: (p: ListParams) => core.listNamespacedService({ namespace: ns, ...p }),
    });
    this.#pods.onEvent((e) => {
      const p = e.object.metadata?.labels?.[PERFORMER_LABEL];
      if (p && e.type !== "DELETED" && !this.podAt.has(p)) this.podAt.set(p, Date.now());
    });
    this.#services.onEvent((e) => {
      const p = e.object.metadata?.labels?.[PERFORMER_LABEL];
      if (p && e.type !== "DELETED" && !this.serviceAt.has(p)) this.serviceAt.set(p, Date.now());
    });
    this.#performers.onEvent((e) => {
      const p = e.object.metadata?.name ?? "";
      if (e.type === "DELETED" || this.readyAt.has(p)) return;
      if (e.object.status?.ready === true) this.readyAt.set(p, Date.now());
    });
  }

  async start(): Promise<void> {
    await Promise.all([this.#performers.start(), this.#pods.start(), this.#services.start()]);
  }

  async stop(): Promise<void> {
    await Promise.all([this.#performers.stop(), this.#pods.stop(), this.#services.stop()]);
  }

  podAndServiceAt(p: string): number {
    return Math.max(this.podAt.get(p)!, this.serviceAt.get(p)!);
  }

  /** Whether Performer `p`'s Service selects a Ready pod that is not terminating. */
  servesReady(p: string): boolean {
    return this.#servedPods(p).some(isReady);
  }

  /** Every pod of `p` runs `image`; the Service selects a Ready one; `p` reports Ready. */
  upgraded(p: string, image: string): boolean {
    const pods = this.#pods.store.byIndex(p);
    if (pods.length === 0 || pods.some((pod) => pod.spec?.containers[0]?.image !== image)) {
      return false;
    }
    const served = this.#servedPods(p);
    const performer = this.#performers.store.get(`${this.#ns}/${p}`);
    return served.some(isReady) && performer?.status?.ready === true;
  }

  empty(): boolean {
    return this.#performers.store.list().length === 0 && this.#pods.store.list().length === 0 &&
      this.#services.store.list().length === 0;
  }

  #servedPods(p: string): k8s.V1Pod[] {
    const svc = this.#services.store.get(`${this.#ns}/performer-${p}`);
    const selector = svc?.spec?.selector;
    if (!selector || Object.keys(selector).length === 0) return [];
    // The Service selects by the performer label among others: its pods are in that bucket.
    return this.#pods.store.byIndex(p).filter((pod) =>
      !pod.metadata?.deletionTimestamp &&
      Object.entries(selector).every(([k, v]) => pod.metadata?.labels?.[k] === v)
    );
  }
}

function isReady(pod: k8s.V1Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
}

/** Runs `fn` over `items` with at most `concurrency` in flight. */
async function pool<T>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

/** Polls `done` every 50 ms; fails after `timeoutMs` or when the operator has exited. */
async function waitUntil(
  what: string,
  done: () => boolean,
  timeoutMs: number,
  operator: TestProcess,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (operator.exited()) {
      throw new Error(`The operator exited while waiting until ${what}:\n${operator.logs()}`);
    }
    if (Date.now() > deadline) {
      throw new Error(`Not within ${timeoutMs / 1000} s: ${what}\n${operator.logs().slice(-4000)}`);
    }
    await delay(50);
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
