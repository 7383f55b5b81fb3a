/**
 * Pure builders of the objects a Performer owns: its pod (named by a revision hash of
 * everything that shapes it) and its Service.
 * @module
 */

import type * as k8s from "@kubernetes/client-node";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import { CONTAINER_NAME, GRPC_PORT_NAME, LABEL } from "../../shared/api/labels.ts";
import { serviceName, TEE_NODE_LABELS } from "../../shared/api/performer.ts";
import { commonLabels, ownerReference, sanitizeLabelValue } from "./labels.ts";
import { type PerformerObject, performerRef } from "./performer_object.ts";

/** How long a performer may take to answer its first health check before it is restarted. */
export const STARTUP_SECONDS = 120;

/** NVIDIA's device-plugin resource. */
export const GPU_RESOURCE = "nvidia.com/gpu";

/** The desired pod and its revision. */
export interface DesiredPod {
  pod: k8s.V1Pod;
  revision: string;
}

/** Builds the pod of a Performer; any change to what it returns is a new revision. */
export function buildPod(performer: PerformerObject): DesiredPod {
  const ref = performerRef(performer);
  const { spec } = performer;
  const labels: Record<string, string> = { ...commonLabels(ref) };
  const gpuType = spec.hardwareRequirements?.gpuType;
  if (gpuType) labels[LABEL.gpuType] = sanitizeLabelValue(gpuType);
  const podSpec = buildPodSpec(performer);
  const revision = revisionOf({ labels, podSpec });
  return {
    revision,
    pod: {
      apiVersion: "v1",
      kind: "Pod",
      metadata: {
        name: `${serviceName(ref.name)}-${revision}`,
        namespace: ref.namespace,
        labels: { ...labels, [LABEL.revision]: revision },
        ownerReferences: [ownerReference(ref)],
      },
      spec: podSpec,
    },
  };
}

function buildPodSpec(performer: PerformerObject): k8s.V1PodSpec {
  const { spec } = performer;
  const port = spec.config.grpcPort;
  const scheduling = spec.scheduling ?? {};
  const serviceAccountName = spec.config.serviceAccountName;
  const podSpec: k8s.V1PodSpec = {
    containers: [{
      name: CONTAINER_NAME,
      image: spec.image,
      imagePullPolicy: spec.imagePullPolicy,
      ports: [{ name: GRPC_PORT_NAME, containerPort: port, protocol: "TCP" }],
      env: buildEnv(performer),
      args: spec.config.args,
      command: spec.config.command,
      resources: buildResources(performer),
      // The standard gRPC health service: Ready means SERVING, not merely "port open". The
      // startup probe asks every second, so a fresh pod is Ready within about a second of its
      // first SERVING (the kubelet runs the readiness probe as soon as startup passes) rather
      // than at the next 5 s readiness period; it allows 2 minutes to start, and gates the
      // liveness probe until then.
      startupProbe: {
        grpc: { port },
        periodSeconds: 1,
        timeoutSeconds: 1,
        failureThreshold: STARTUP_SECONDS,
      },
      readinessProbe: {
        grpc: { port },
        periodSeconds: 5,
        timeoutSeconds: 2,
        failureThreshold: 3,
      },
      livenessProbe: {
        grpc: { port },
        initialDelaySeconds: 10,
        periodSeconds: 10,
        timeoutSeconds: 2,
        failureThreshold: 3,
      },
      securityContext: {
        allowPrivilegeEscalation: false,
        capabilities: { drop: ["ALL"] },
        runAsNonRoot: true,
        seccompProfile: { type: "RuntimeDefault" },
      },
    }],
    restartPolicy: "Always",
    securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
    // Service links add an env var per Service in the namespace: noise, and nondeterministic.
    enableServiceLinks: false,
    serviceAccountName,
    // Performers do not call the API server unless a service account is asked for.
    automountServiceAccountToken: serviceAccountName ? undefined : false,
    imagePullSecrets: spec.imagePullSecrets,
    nodeSelector: buildNodeSelector(performer),
    tolerations: scheduling.tolerations,
    affinity: scheduling.affinity,
    runtimeClassName: scheduling.runtimeClass,
    priorityClassName: scheduling.priorityClassName,
  };
  return withoutUndefined(podSpec);
}

/** Env in a fixed order: AVS_ADDRESS, GRPC_PORT, `environment` by key, `environmentFrom`. */
export function buildEnv(performer: PerformerObject): k8s.V1EnvVar[] {
  const { spec } = performer;
  const env: k8s.V1EnvVar[] = [
    { name: "AVS_ADDRESS", value: spec.avsAddress },
    { name: "GRPC_PORT", value: String(spec.config.grpcPort) },
  ];
  const plain = spec.config.environment ?? {};
  for (const name of Object.keys(plain).sort()) env.push({ name, value: plain[name] });
  for (const ref of spec.config.environmentFrom ?? []) {
    env.push({ name: ref.name, valueFrom: withoutUndefined({ ...ref.valueFrom }) });
  }
  return env;
}

function buildResources(performer: PerformerObject): k8s.V1ResourceRequirements | undefined {
  const { resources, hardwareRequirements } = performer.spec;
  const gpus = hardwareRequirements?.gpuCount ?? 0;
  if (!resources && gpus <= 0) return undefined;
  // Quantities may be written as numbers; the pod API takes strings.
  const out: k8s.V1ResourceRequirements = withoutUndefined({
    limits: quantities(resources?.limits),
    requests: quantities(resources?.requests),
    claims: resources?.claims,
  });
  if (gpus > 0) {
    // Extended resources must be requested and limited alike.
    out.limits = { ...out.limits, [GPU_RESOURCE]: String(gpus) };
    out.requests = { ...out.requests, [GPU_RESOURCE]: String(gpus) };
  }
  return out;
}

function quantities(
  values: Record<string, string | number> | undefined,
): Record<string, string> | undefined {
  if (!values) return undefined;
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, String(v)]));
}

function buildNodeSelector(performer: PerformerObject): Record<string, string> | undefined {
  const { scheduling, hardwareRequirements: hw } = performer.spec;
  const selector: Record<string, string> = { ...scheduling?.nodeSelector };
  if (hw?.teeRequired && hw.teeType) selector[TEE_NODE_LABELS[hw.teeType]] = "true";
  Object.assign(selector, hw?.customLabels);
  return Object.keys(selector).length > 0 ? selector : undefined;
}

/** Builds the Service, selecting `revision` and exposing `port` as `grpc`. */
export function buildService(
  performer: PerformerObject,
  revision: string,
  port: number,
): k8s.V1Service {
  const ref = performerRef(performer);
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: {
      name: serviceName(ref.name),
      namespace: ref.namespace,
      labels: commonLabels(ref),
      ownerReferences: [ownerReference(ref)],
    },
    spec: {
      type: "ClusterIP",
      selector: { [LABEL.performer]: ref.name, [LABEL.revision]: revision },
      ports: [{
        name: GRPC_PORT_NAME,
        port,
        targetPort: GRPC_PORT_NAME,
        protocol: "TCP",
        // Plaintext HTTP/2, so meshes and gateways treat the port as gRPC without TLS.
        appProtocol: "kubernetes.io/h2c",
      }],
    },
  };
}

/** A short, stable hash of a JSON value with sorted keys. */
export function revisionOf(value: unknown): string {
  return bytesToHex(sha256(new TextEncoder().encode(canonicalJson(value)))).slice(0, 10);
}

/** JSON with object keys sorted and undefined members dropped. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) => {
    if (v && typeof v === "object" && !Array.isArray(v)) {
      return Object.fromEntries(
        Object.keys(v).sort().filter((k) => v[k] !== undefined).map((k) => [k, v[k]]),
      );
    }
    return v;
  });
}

function withoutUndefined<T extends object>(obj: T): T {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as T;
}
