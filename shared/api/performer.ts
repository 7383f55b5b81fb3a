/**
 * The `Performer` custom resource (`hourglass.eigenlayer.io/v1alpha1`): the one source of its
 * TypeScript types, its zod validation and (through `crd.ts`) the CRD's OpenAPI v3 schema.
 *
 * Metadata keys starting with `x-kubernetes-` and `description` pass into the CRD schema as they
 * are, so each CEL rule is written once, next to the field it guards, beside its zod twin.
 * @module
 */

import { z } from "zod";
import {
  Affinity,
  EnvFromSource,
  LocalObjectReference,
  ResourceRequirements,
  Toleration,
} from "./core_types.ts";

/** API group of the Performer resource. */
export const GROUP = "hourglass.eigenlayer.io";
/** API version of the Performer resource. */
export const VERSION = "v1alpha1";
/** `apiVersion` field value. */
export const API_VERSION = `${GROUP}/${VERSION}`;
/** Kind of the resource. */
export const KIND = "Performer";
/** Plural resource name. */
export const PLURAL = "performers";

/**
 * Longest Performer name: the Service is `performer-<name>` and Service names are DNS labels of at
 * most 63 characters.
 */
export const MAX_NAME_LENGTH = 53;

/** Default gRPC port of a performer. */
export const DEFAULT_GRPC_PORT = 9090;

/** Pattern of an Ethereum address. */
export const ADDRESS_PATTERN = /^0x[0-9a-fA-F]{40}$/;

/** Trusted-execution-environment kinds and the node-feature-discovery label each requires. */
export const TEE_NODE_LABELS = {
  sgx: "intel.feature.node.kubernetes.io/sgx",
  sev: "amd.feature.node.kubernetes.io/sev",
  tdx: "intel.feature.node.kubernetes.io/tdx",
} as const;

/** Image pull policies. */
export const ImagePullPolicy = z.enum(["Always", "Never", "IfNotPresent"]);

/** `spec.config`: how the performer process is started. */
export const PerformerConfig = z.strictObject({
  grpcPort: z.int32().min(1).max(65535).default(DEFAULT_GRPC_PORT).meta({
    description: "Port the performer serves gRPC on (PerformerService and grpc.health.v1).",
  }),
  environment: z.record(z.string(), z.string()).optional().meta({
    description: "Plain environment variables, set in key order.",
  }),
  environmentFrom: z.array(EnvFromSource).optional().meta({
    description: "Environment variables from Secret or ConfigMap keys, set in list order.",
  }),
  args: z.array(z.string()).optional().meta({ description: "Container arguments." }),
  command: z.array(z.string()).optional().meta({ description: "Container entrypoint." }),
  serviceAccountName: z.string().optional().meta({
    description: "Pod service account; without one the pod gets no API token.",
  }),
}).meta({ description: "How the performer process is started." });

/** `spec.scheduling`: where the pod may run. */
export const SchedulingConfig = z.strictObject({
  nodeSelector: z.record(z.string(), z.string()).optional().meta({
    description: "Node labels the pod requires.",
  }),
  tolerations: z.array(Toleration).optional().meta({ description: "Pod tolerations." }),
  affinity: Affinity.optional(),
  runtimeClass: z.string().optional().meta({ description: "Pod runtimeClassName." }),
  priorityClassName: z.string().optional().meta({ description: "Pod priorityClassName." }),
}).meta({ description: "Where the performer pod may be scheduled." });

/** `spec.hardwareRequirements`: GPUs and trusted execution environments. */
export const HardwareRequirements = z.strictObject({
  gpuCount: z.int32().min(0).optional().meta({
    description: "NVIDIA GPUs (nvidia.com/gpu) requested and limited; 0 means none.",
  }),
  gpuType: z.string().optional().meta({
    description: "GPU model, recorded as pod label hourglass.eigenlayer.io/gpu-type.",
  }),
  teeRequired: z.boolean().optional().meta({
    description: "Schedule only on nodes with the trusted execution environment teeType.",
  }),
  teeType: z.enum(["sgx", "sev", "tdx"]).optional().meta({
    description: "Trusted execution environment; required when teeRequired is true.",
  }),
  customLabels: z.record(z.string(), z.string()).optional().meta({
    description: "Node labels merged into the pod's nodeSelector.",
  }),
}).refine((h) => !h.teeRequired || h.teeType !== undefined, {
  message: "teeType is required when teeRequired is true",
  path: ["teeType"],
}).meta({
  description: "Hardware the performer needs.",
  "x-kubernetes-validations": [{
    rule: "!has(self.teeRequired) || !self.teeRequired || has(self.teeType)",
    message: "teeType is required when teeRequired is true",
    fieldPath: ".teeType",
    reason: "FieldValueRequired",
  }],
});

/** `spec` of a Performer. */
export const PerformerSpec = z.strictObject({
  avsAddress: z.string().regex(ADDRESS_PATTERN, "must be a 0x-prefixed 40-hex-digit address")
    .meta({ description: "Address of the AVS this performer serves (0x + 40 hex digits)." }),
  image: z.string().min(1, "must not be empty").meta({
    description: "Full image reference: repo:tag or repo@sha256:digest.",
  }),
  imagePullPolicy: ImagePullPolicy.default("IfNotPresent").meta({
    description: "Image pull policy of the performer container.",
  }),
  version: z.string().optional().meta({
    description: "Free-form version shown in the Version column; changing only it does not " +
      "replace the pod.",
  }),
  config: PerformerConfig.default({ grpcPort: DEFAULT_GRPC_PORT }),
  resources: ResourceRequirements.optional(),
  scheduling: SchedulingConfig.optional(),
  hardwareRequirements: HardwareRequirements.optional(),
  imagePullSecrets: z.array(LocalObjectReference).optional().meta({
    description: "Secrets for pulling the image.",
  }),
}).meta({ description: "Desired state of the performer." });

/** Phases a Performer reports; never a raw pod phase. */
export const PerformerPhase = z.enum(["Pending", "Running", "Upgrading", "Terminating", "Failed"]);

/** A metav1.Condition. */
export const Condition = z.strictObject({
  type: z.string().min(1).max(316).meta({ description: "Available, Progressing or Degraded." }),
  status: z.enum(["True", "False", "Unknown"]).meta({
    description: "Whether the condition holds.",
  }),
  observedGeneration: z.int().min(0).optional().meta({
    format: "int64",
    description: "The metadata.generation the condition was computed for.",
  }),
  lastTransitionTime: z.string().meta({
    format: "date-time",
    description: "When status last changed.",
  }),
  reason: z.string().min(1).max(1024).regex(/^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/).meta({
    description: "Why, as one CamelCase word, e.g. PodReady, Upgrading, ImagePullFailed.",
  }),
  message: z.string().max(32768).meta({ description: "Details for people." }),
});

/** Condition types a Performer reports. */
export const CONDITION_TYPES = ["Available", "Progressing", "Degraded"] as const;

/** `status` of a Performer, written by the operator through the status subresource. */
export const PerformerStatus = z.strictObject({
  phase: PerformerPhase.optional().meta({
    description: "Pending: no pod serves yet (starting, or unschedulable). Running: a pod " +
      "serves. Upgrading: the old pod serves while a new revision starts. Terminating: being " +
      "deleted. Failed: no pod serves and the pod cannot come up (see Degraded).",
  }),
  ready: z.boolean().optional().meta({ description: "True only while a serving pod is Ready." }),
  podName: z.string().optional().meta({
    description: "The serving pod, or the pod being started while none serves.",
  }),
  serviceName: z.string().optional().meta({ description: "The stable Service." }),
  grpcEndpoint: z.string().optional().meta({
    description: "performer-<name>.<namespace>.svc.cluster.local:<grpcPort>",
  }),
  readyTime: z.string().optional().meta({
    format: "date-time",
    description: "When the Performer last became ready; absent while it is not ready.",
  }),
  lastUpgrade: z.string().optional().meta({
    format: "date-time",
    description: "When the Service last switched to a new revision.",
  }),
  observedGeneration: z.int().min(0).optional().meta({
    format: "int64",
    description: "The metadata.generation this status describes.",
  }),
  conditions: z.array(Condition).optional().meta({
    "x-kubernetes-list-type": "map",
    "x-kubernetes-list-map-keys": ["type"],
    description: "Available (a pod serves), Progressing (a revision is starting) and Degraded " +
      "(why a pod cannot come up).",
  }),
}).meta({ description: "Observed state of the performer." });

/** The part of ObjectMeta the Performer API constrains; the rest passes through. */
export const PerformerMetadata = z.looseObject({
  name: z.string().min(1).max(
    MAX_NAME_LENGTH,
    `must be at most ${MAX_NAME_LENGTH} characters so that performer-<name> fits a Service name`,
  ).regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "must be a DNS-1123 label"),
  namespace: z.string().optional(),
});

/** A whole Performer object. */
export const Performer = z.strictObject({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal(KIND),
  metadata: PerformerMetadata,
  spec: PerformerSpec,
  status: PerformerStatus.optional(),
});

/** Performer spec as written by a user (defaults not yet applied). */
export type PerformerSpecInput = z.input<typeof PerformerSpec>;
/** Performer spec with defaults applied. */
export type PerformerSpec = z.output<typeof PerformerSpec>;
/** Performer status. */
export type PerformerStatus = z.output<typeof PerformerStatus>;
/** A metav1.Condition. */
export type Condition = z.output<typeof Condition>;
/** A Performer phase. */
export type PerformerPhase = z.output<typeof PerformerPhase>;
/** A whole Performer object with defaults applied. */
export type Performer = z.output<typeof Performer>;

/** Root-level CEL rules of the CRD (rules that need `metadata`). */
export const ROOT_VALIDATIONS = [{
  rule: `size(self.metadata.name) <= ${MAX_NAME_LENGTH}`,
  message:
    `metadata.name must be at most ${MAX_NAME_LENGTH} characters so that performer-<name> fits a Service name`,
  fieldPath: ".metadata.name",
  reason: "FieldValueInvalid",
}];

/** Printer columns of `kubectl get performers`. */
export const PRINTER_COLUMNS = [
  { name: "AVS", type: "string", jsonPath: ".spec.avsAddress" },
  { name: "Image", type: "string", jsonPath: ".spec.image" },
  { name: "Version", type: "string", jsonPath: ".spec.version" },
  { name: "Phase", type: "string", jsonPath: ".status.phase" },
  { name: "Ready", type: "boolean", jsonPath: ".status.ready" },
  { name: "Endpoint", type: "string", jsonPath: ".status.grpcEndpoint" },
  { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
];

/** The Service name of a Performer. */
export function serviceName(performerName: string): string {
  return `performer-${performerName}`;
}

/** The stable in-cluster gRPC endpoint of a Performer (with the port). */
export function grpcEndpoint(name: string, namespace: string, port: number): string {
  return `${serviceName(name)}.${namespace}.svc.cluster.local:${port}`;
}
