/**
 * Shared pieces of the node simulator's tests against the real API server: a simulator on its
 * own node per test, hello-performer pods, polling, and gRPC calls to a pod.
 * @module
 */

import * as grpc from "@grpc/grpc-js";
import * as k8s from "@kubernetes/client-node";
import assert from "node:assert/strict";
import { freshNamespace, testCluster } from "../../tests/fixture/cluster.ts";
import { eventually } from "../../tests/fixture/eventually.ts";
import { healthProto } from "../../shared/proto/load.ts";
import { performerTestClient } from "../../sdk/testing.ts";
import { createLogger } from "../../shared/runtime/log.ts";
import { silentLog } from "./log.ts";
import { type NodeSimulator, type NodeSimulatorOptions, startNodeSimulator } from "./simulator.ts";
import { OWN_CONNECTIONS } from "../../shared/grpc/channel_options.ts";

/** Deno test options for tests that start servers and processes. */
export const opts = { sanitizeOps: false, sanitizeResources: false };

/** The sample performer, written with a registry prefix and a tag. */
export const HELLO = "localhost/hourglass/hello-performer:v1";

/** A namespace, an API client and a simulator on a node of its own. */
export interface SimTest {
  core: k8s.CoreV1Api;
  kubeConfig: k8s.KubeConfig;
  namespace: string;
  sim: NodeSimulator;
  /** Stops the simulator and deletes the test's pods. */
  cleanup(): Promise<void>;
}

/**
 * Starts a simulator for one test: its own node, scoped to the test's namespace, crash back-off
 * 500 ms. `NODE_SIM_TEST_LOG=1` shows its log.
 */
export async function simTest(
  prefix: string,
  options: Partial<NodeSimulatorOptions> = {},
  before?: (t: Omit<SimTest, "sim" | "cleanup">) => Promise<void>,
): Promise<SimTest> {
  const cluster = await testCluster();
  const { kubeConfig } = cluster;
  const core = kubeConfig.makeApiClient(k8s.CoreV1Api);
  const namespace = await freshNamespace(cluster, prefix);
  await before?.({ core, kubeConfig, namespace });
  const sim = await startNodeSimulator({
    kubeConfig,
    nodeName: `sim-${crypto.randomUUID().slice(0, 8)}`,
    restartBackoffMs: 500,
    deleteNodeOnStop: true,
    log: Deno.env.get("NODE_SIM_TEST_LOG") ? createLogger({ level: "debug" }) : silentLog,
    // Pods of other tests (left behind, or running at the same time) are none of its business.
    namespace,
    ...options,
  });
  const cleanup = async () => {
    await sim.stop();
    await core.deleteCollectionNamespacedPod({ namespace, gracePeriodSeconds: 0 }).catch(() => {});
  };
  return { core, kubeConfig, namespace, sim, cleanup };
}

/** A pod running hello-performer on port 9090 with gRPC probes every second. */
export function helloPod(name: string, container: Partial<k8s.V1Container> = {}): k8s.V1Pod {
  const probe = { grpc: { port: 9090 }, periodSeconds: 1, timeoutSeconds: 1, failureThreshold: 3 };
  return {
    metadata: { name },
    spec: {
      terminationGracePeriodSeconds: 5,
      containers: [{
        name: "performer",
        image: HELLO,
        ports: [{ name: "grpc", containerPort: 9090 }],
        readinessProbe: probe,
        livenessProbe: { ...probe, initialDelaySeconds: 2 },
        ...container,
      }],
    },
  };
}

/** Reads a pod, or undefined when it does not exist. */
export async function readPod(t: SimTest, name: string): Promise<k8s.V1Pod | undefined> {
  try {
    return await t.core.readNamespacedPod({ name, namespace: t.namespace });
  } catch (err) {
    if ((err as { code?: number }).code === 404) return undefined;
    throw err;
  }
}

/** Waits until the pod satisfies `check` and returns it. */
export function waitForPod(
  t: SimTest,
  name: string,
  what: string,
  check: (pod: k8s.V1Pod) => boolean,
  timeoutMs?: number,
): Promise<k8s.V1Pod> {
  return eventually(async () => {
    const pod = await readPod(t, name);
    assert.ok(pod && check(pod), `pod "${name}" not yet ${what}`);
    return pod;
  }, { timeoutMs, intervalMs: 200 });
}

/** The status of condition `type` on a pod. */
export function condition(pod: k8s.V1Pod, type: string): k8s.V1PodCondition | undefined {
  return pod.status?.conditions?.find((c) => c.type === type);
}

/** The process id behind the first container (`sim://<pid>`). */
export function containerPid(pod: k8s.V1Pod): number {
  const id = pod.status?.containerStatuses?.[0]?.containerID ?? "";
  const pid = Number(id.replace(/^sim:\/\//, ""));
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`No process in containerID "${id}"`);
  return pid;
}

/** True while process `pid` exists and is not a zombie. */
export function alive(pid: number): boolean {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
}

/** grpc.health.v1 Check at `address`; resolves with the serving status. */
export function healthCheck(address: string): Promise<string> {
  const client = new (healthProto().grpc.health.v1.Health)(
    address,
    grpc.credentials.createInsecure(),
    OWN_CONNECTIONS,
  );
  return new Promise((resolve, reject) => {
    client.Check({ service: "" }, { deadline: Date.now() + 3000 }, (err, res) => {
      client.close();
      if (err) reject(err);
      else resolve(res?.status ?? "UNKNOWN");
    });
  });
}

/** PerformerService.ExecuteTask at `address`; resolves with the result parsed as JSON. */
export async function executeTask(
  address: string,
  payload: string,
): Promise<Record<string, unknown>> {
  const client = performerTestClient(address);
  try {
    const { result } = await client.executeTask(`0x${"ab".repeat(32)}`, payload, 5000);
    return JSON.parse(new TextDecoder().decode(result));
  } finally {
    client.close();
  }
}
