/**
 * The simulated node's Node object: what the scheduler part matches pods against and what other
 * components (and `kubectl get nodes`) see. It registers the way a kubelet does: create, or adopt
 * an existing Node of the same name, then write the status.
 * @module
 */

import * as k8s from "@kubernetes/client-node";
import { isAlreadyExists, isConflict, isNotFound, kubeCall } from "../../shared/kube/errors.ts";

/** The default node name. */
export const DEFAULT_NODE_NAME = "hourglass-sim-node";

/** Address every pod's hostIP and the node's InternalIP point at. */
export const HOST_IP = "127.0.0.1";

/** Capacity of the simulated node: a small machine, deliberately without GPUs or TEEs. */
export const NODE_CAPACITY: Readonly<Record<string, string>> = {
  cpu: "2",
  memory: "8Gi",
  pods: "110",
  "ephemeral-storage": "100Gi",
};

/** Capacity of a status-only node (scale benchmarks): nothing runs, so room for thousands. */
export const STATUS_ONLY_CAPACITY: Readonly<Record<string, string>> = {
  cpu: "1000",
  memory: "4Ti",
  pods: "20000",
  "ephemeral-storage": "100Ti",
};

/** Builds the Node object (metadata, empty spec and status) for `name`. */
export function buildNode(
  name: string,
  now = new Date(),
  capacity: Readonly<Record<string, string>> = NODE_CAPACITY,
): k8s.V1Node {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name, labels: nodeLabels(name) },
    spec: {},
    status: buildNodeStatus(name, now, capacity),
  };
}

/** The labels a kubelet sets on its node (no GPU or node-feature-discovery labels). */
export function nodeLabels(name: string): Record<string, string> {
  return {
    "kubernetes.io/hostname": name,
    "kubernetes.io/os": "linux",
    "kubernetes.io/arch": "amd64",
    "beta.kubernetes.io/os": "linux",
    "beta.kubernetes.io/arch": "amd64",
    "hourglass.eigenlayer.io/node-simulator": "true",
  };
}

/** The node status: capacity, Ready, pressure conditions all False, loopback address. */
export function buildNodeStatus(
  name: string,
  now = new Date(),
  capacity: Readonly<Record<string, string>> = NODE_CAPACITY,
): k8s.V1NodeStatus {
  const condition = (type: string, status: string, reason: string, message: string) => ({
    type,
    status,
    reason,
    message,
    lastHeartbeatTime: now,
    lastTransitionTime: now,
  });
  return {
    capacity: { ...capacity },
    allocatable: { ...capacity },
    conditions: [
      condition(
        "MemoryPressure",
        "False",
        "KubeletHasSufficientMemory",
        "kubelet has sufficient memory available",
      ),
      condition(
        "DiskPressure",
        "False",
        "KubeletHasNoDiskPressure",
        "kubelet has no disk pressure",
      ),
      condition(
        "PIDPressure",
        "False",
        "KubeletHasSufficientPID",
        "kubelet has sufficient PID available",
      ),
      condition("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
    ],
    addresses: [
      { type: "InternalIP", address: HOST_IP },
      { type: "Hostname", address: name },
    ],
    nodeInfo: {
      machineID: name,
      systemUUID: name,
      bootID: crypto.randomUUID(),
      kernelVersion: "simulated",
      osImage: "hourglass node simulator",
      containerRuntimeVersion: "sim://1.0.0",
      kubeletVersion: "v1.34.0-sim",
      kubeProxyVersion: "",
      operatingSystem: "linux",
      architecture: "amd64",
    },
  };
}

/**
 * Creates the Node, or adopts an existing one (merging our labels into its labels), then writes
 * its status through the status subresource. Returns the Node as stored.
 */
export async function registerNode(
  core: k8s.CoreV1Api,
  name: string,
  capacity: Readonly<Record<string, string>> = NODE_CAPACITY,
): Promise<k8s.V1Node> {
  const node = buildNode(name, new Date(), capacity);
  try {
    await kubeCall(`Cannot create node "${name}"`, () => core.createNode({ body: node }));
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
    await kubeCall(`Cannot adopt node "${name}"`, () =>
      core.patchNode(
        { name, body: { metadata: { labels: node.metadata!.labels } } },
        k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch),
      ));
  }
  const stored = await kubeCall(
    `Cannot write the status of node "${name}"`,
    () =>
      core.patchNodeStatus(
        { name, body: { status: node.status } },
        k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.StrategicMergePatch),
      ),
  );
  return await removeConditionTaints(core, stored);
}

/** Taints that the node lifecycle controller removes once the node reports Ready. */
const CONDITION_TAINTS = ["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"];

/**
 * The API server's TaintNodesByCondition admission taints every new node `not-ready`; the node
 * lifecycle controller of the controller-manager lifts it when the node is Ready. There is no
 * controller-manager here, so the simulator does it for its own node.
 */
async function removeConditionTaints(core: k8s.CoreV1Api, node: k8s.V1Node): Promise<k8s.V1Node> {
  const name = node.metadata?.name ?? "";
  for (let attempt = 1;; attempt++) {
    const taints = node.spec?.taints ?? [];
    const kept = taints.filter((t) => !CONDITION_TAINTS.includes(t.key));
    if (kept.length === taints.length) return node;
    try {
      return await kubeCall(
        `Cannot remove the not-ready taint of node "${name}"`,
        () =>
          core.patchNode(
            {
              name,
              // The resourceVersion makes this conditional: never drop a taint added meanwhile.
              body: {
                metadata: { resourceVersion: node.metadata?.resourceVersion },
                spec: { taints: kept.length > 0 ? kept : null },
              },
            },
            k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch),
          ),
      );
    } catch (err) {
      if (!isConflict(err) || attempt >= 5) throw err;
      node = await kubeCall(`Cannot read node "${name}"`, () => core.readNode({ name }));
    }
  }
}

/**
 * Marks the node's Ready condition Unknown, as the node lifecycle controller does once a kubelet
 * stops posting status (there is no such controller here): nothing keeps scheduling onto, or
 * trusting, a node whose simulator is gone.
 */
export async function markNodeStopped(core: k8s.CoreV1Api, name: string): Promise<void> {
  const now = new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
  const ready = {
    type: "Ready",
    status: "Unknown",
    reason: "NodeStatusUnknown",
    message: "Kubelet stopped posting node status.",
    lastHeartbeatTime: now,
    lastTransitionTime: now,
  };
  try {
    await kubeCall(`Cannot mark node "${name}" as stopped`, () =>
      core.patchNodeStatus(
        { name, body: { status: { conditions: [ready] } } },
        k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.StrategicMergePatch),
      ));
  } catch (err) {
    if (!isNotFound(err)) throw err; // deleted already: nothing left to mark
  }
}
