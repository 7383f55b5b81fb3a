/**
 * The executor's configuration: one zod schema, shared by the executor (which runs it) and the
 * operator side (kubernetes mode builds Performer specs from the same types).
 *
 * Keys keep the Ponos spelling (camelCase) so existing executor configs load; the Ponos keys we
 * do not act on are handled in `ponos_compat.ts` before this strict schema sees the document.
 * @module
 */

import { z } from "zod";
import {
  ADDRESS_PATTERN,
  HardwareRequirements,
  ImagePullPolicy,
  SchedulingConfig,
} from "../api/performer.ts";
import { ResourceRequirements } from "../api/core_types.ts";
import { durationMs } from "./duration.ts";

const address = z.string({ error: requiredOr("a 0x address") }).regex(
  ADDRESS_PATTERN,
  "must be a 0x-prefixed address of 40 hex digits",
);
const port = z.int({ error: requiredOr("a port number") }).min(1).max(65535);
const hexKey = z.string({ error: requiredOr("a hex private key") }).regex(
  /^(0x)?[0-9a-fA-F]{64}$/,
  "must be 32 bytes of hex (64 digits, optional 0x prefix)",
);

/** Message for a missing value, or for a value of the wrong type. */
function requiredOr(expected: string) {
  return (issue: { input?: unknown }) =>
    issue.input === undefined ? "required" : `must be ${expected}`;
}

/** Deployment modes; one per executor. */
export const DeploymentMode = z.enum(["docker", "kubernetes"]);
/** A deployment mode. */
export type DeploymentMode = z.output<typeof DeploymentMode>;

const KeyRef = z.strictObject({ name: z.string().min(1), key: z.string().min(1) });

/** One environment variable of a performer: exactly one source. */
export const PerformerEnv = z.strictObject({
  name: z.string({ error: requiredOr("a string") }).regex(
    /^[-._a-zA-Z][-._a-zA-Z0-9]*$/,
    "must be a valid environment variable name",
  ),
  value: z.string().optional(),
  valueFromEnv: z.string().min(1).optional(),
  kubernetesEnv: z.strictObject({
    valueFrom: z.strictObject({
      secretKeyRef: KeyRef.optional(),
      configMapKeyRef: KeyRef.optional(),
    }).refine(
      (v) => (v.secretKeyRef === undefined) !== (v.configMapKeyRef === undefined),
      "exactly one of secretKeyRef or configMapKeyRef must be set",
    ),
  }).optional(),
}).refine(
  (e) => [e.value, e.valueFromEnv, e.kubernetesEnv].filter((v) => v !== undefined).length === 1,
  "exactly one of value, valueFromEnv or kubernetesEnv must be set",
);
/** A performer environment variable. */
export type PerformerEnv = z.output<typeof PerformerEnv>;

/** The performer image: a repository plus a tag, and optionally a digest that pins it. */
export const PerformerImage = z.strictObject({
  repository: z.string({ error: requiredOr("a string") }).min(1, "must not be empty"),
  tag: z.string({ error: requiredOr("a string") }).min(1, "must not be empty"),
  digest: z.string().regex(/^sha256:[0-9a-f]{64}$/, "must be sha256:<64 hex digits>").optional(),
});
/** A performer image. */
export type PerformerImage = z.output<typeof PerformerImage>;

/** Per-performer settings used in kubernetes mode. */
export const PerformerKubernetesConfig = z.strictObject({
  serviceAccountName: z.string().optional(),
  endpointOverride: z.string().optional().meta({
    description: "host:port to dial instead of status.grpcEndpoint (executors outside a cluster).",
  }),
  connectVia: z.enum(["service", "podIP"]).default("service").meta({
    description: "Dial the Service DNS name (in cluster) or the pod IP (outside a cluster).",
  }),
  imagePullPolicy: ImagePullPolicy.default("IfNotPresent"),
  resources: ResourceRequirements.optional(),
  scheduling: SchedulingConfig.optional(),
  hardwareRequirements: HardwareRequirements.optional(),
});

/** An aggregator whose task signatures this executor accepts. */
export const TrustedAggregator = z.strictObject({
  address: address,
  blsPublicKey: z.string().regex(
    /^(0x)?[0-9a-fA-F]{256}$/,
    "must be a 128-byte BN254 G2 point in hex",
  )
    .optional(),
});

/** One AVS served by this executor. */
export const AvsPerformerConfig = z.strictObject({
  avsAddress: address,
  image: PerformerImage,
  processType: z.literal("server").default("server"),
  deploymentMode: DeploymentMode.default("docker"),
  envs: z.array(PerformerEnv).default([]),
  kubernetes: PerformerKubernetesConfig.optional(),
  aggregators: z.array(TrustedAggregator).default([]),
  signingCurve: z.enum(["bn254", "ecdsa"]).optional().meta({
    description:
      "Curve of the operator set's result signatures (default: bn254 when a BLS key is configured, else ecdsa).",
  }),
  maxConcurrentTasks: z.int().min(1).default(64),
  taskTimeout: durationMs("5m"),
});
/** Configuration of one AVS performer. */
export type AvsPerformerConfig = z.output<typeof AvsPerformerConfig>;

/** An ECDSA key: inline, or a Web3 secret-storage v3 keystore file. */
export const EcdsaKeyConfig = z.union([
  z.strictObject({ privateKey: hexKey }),
  z.strictObject({ keystoreFile: z.string().min(1), password: z.string() }),
], { error: "must be {privateKey} or {keystoreFile, password}" });

/** A BN254 (BLS) key from a keystore given as a file or inline JSON. */
export const BlsKeyConfig = z.strictObject({
  keystoreFile: z.string().min(1).optional(),
  keystore: z.string().min(1).optional(),
  password: z.string({ error: requiredOr("a string") }),
}).refine(
  (k) => (k.keystoreFile === undefined) !== (k.keystore === undefined),
  "exactly one of keystoreFile or keystore must be set",
);

/** The operator this executor signs for. */
export const OperatorConfig = z.strictObject({
  address: address,
  signingKeys: z.strictObject({
    ecdsa: EcdsaKeyConfig.optional(),
    bls: BlsKeyConfig.optional(),
  }, { error: requiredOr("an object with ecdsa and/or bls keys") }).refine(
    (k) => k.ecdsa !== undefined || k.bls !== undefined,
    "at least one of ecdsa or bls must be set",
  ),
});

/** Cluster access for kubernetes mode. */
export const KubernetesConfig = z.strictObject({
  namespace: z.string({ error: requiredOr("a namespace name") }).regex(
    /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/,
    "must be a valid namespace name",
  ),
  kubeConfigPath: z.string().optional(),
  inCluster: z.boolean().default(false),
  connectionTimeout: durationMs("30s"),
  readyTimeout: durationMs("5m"),
  crdGroup: z.string().default("hourglass.eigenlayer.io"),
  crdVersion: z.string().default("v1alpha1"),
});

/** The Docker Engine API endpoint for docker mode. */
export const DockerConfig = z.strictObject({
  host: z.string().optional().meta({ description: "Defaults to DOCKER_HOST or the local socket." }),
  network: z.string().optional(),
});

/** Where processed task ids and performer state persist. */
export const StorageConfig = z.strictObject({
  path: z.string().min(1).default("./executor-data"),
  retention: durationMs("168h"),
});

/** The whole executor config. */
export const ExecutorConfig = z.strictObject({
  grpcPort: port.default(9090),
  managementServerGrpcPort: port.optional(),
  httpPort: port.default(8080).meta({ description: "/healthz, /readyz and /metrics." }),
  logLevel: z.enum(["debug", "info", "warn", "error"]).default("info"),
  logFormat: z.enum(["json", "text"]).default("json"),
  operator: OperatorConfig,
  avsPerformers: z.array(AvsPerformerConfig, { error: requiredOr("a list") }).min(
    1,
    "must list at least one performer",
  ),
  kubernetes: KubernetesConfig.optional(),
  docker: DockerConfig.default({}),
  storage: StorageConfig.prefault({}),
  managementAuth: z.strictObject({
    enabled: z.boolean().default(true),
    tokenTtl: durationMs("5m"),
  }).prefault({}),
  performerHealth: z.strictObject({
    interval: durationMs("5s").meta({ description: "How often each performer is checked." }),
    failureThreshold: z.int().min(1).default(3).meta({
      description: "Failed checks in a row before an unhealthy performer is restarted.",
    }),
    readyTimeout: durationMs("2m").meta({
      description: "How long a new performer has to become SERVING.",
    }),
  }).prefault({}),
  shutdown: z.strictObject({
    removePerformers: z.boolean().default(false),
    drainTimeout: durationMs("30s"),
  }).prefault({}),
}).superRefine((config, ctx) => {
  for (const { path, message } of crossFieldIssues(config)) {
    ctx.addIssue({ code: "custom", path, message });
  }
});

/** The validated executor config (durations in milliseconds). */
export type ExecutorConfig = z.output<typeof ExecutorConfig>;

/** The fields the cross-field rules read, as loose as a document that failed validation. */
export interface CrossFieldView {
  avsPerformers?: unknown;
  kubernetes?: unknown;
}

/** A problem found by a cross-field rule. */
export interface CrossFieldIssue {
  path: PropertyKey[];
  message: string;
}

interface PerformerView {
  avsAddress?: unknown;
  deploymentMode?: unknown;
  envs?: unknown;
  kubernetes?: unknown;
}

/**
 * Rules that span several keys: one deployment mode, unique AVS addresses, a kubernetes section
 * when needed, kubernetes-only keys only in kubernetes mode. Reads its input defensively so the
 * loader can also run it on a document that failed other checks.
 */
export function crossFieldIssues(config: CrossFieldView): CrossFieldIssue[] {
  const issues: CrossFieldIssue[] = [];
  const add = (path: PropertyKey[], message: string) => issues.push({ path, message });
  const performers = Array.isArray(config.avsPerformers)
    ? (config.avsPerformers as PerformerView[]).filter((p) => typeof p === "object" && p !== null)
    : [];
  const modes = new Set(performers.map((p) => p.deploymentMode ?? "docker"));
  if (modes.size > 1) {
    add(
      ["avsPerformers"],
      "all performers must use one deploymentMode (found docker and kubernetes); run one executor per mode",
    );
  }
  const seen = new Map<string, number>();
  performers.forEach((p, i) => {
    if (typeof p.avsAddress === "string") {
      const first = seen.get(p.avsAddress.toLowerCase());
      if (first !== undefined) {
        add(
          ["avsPerformers", i, "avsAddress"],
          `duplicate AVS ${p.avsAddress} (also avsPerformers[${first}])`,
        );
      } else seen.set(p.avsAddress.toLowerCase(), i);
    }
    if ((p.deploymentMode ?? "docker") === "docker") dockerModeIssues(p, i, add);
  });
  if (modes.has("kubernetes") && config.kubernetes === undefined) {
    add(["kubernetes"], "required when a performer uses deploymentMode kubernetes");
  }
  return issues;
}

function dockerModeIssues(
  p: PerformerView,
  i: number,
  add: (path: PropertyKey[], message: string) => void,
): void {
  const envs = Array.isArray(p.envs) ? p.envs : [];
  envs.forEach((env, j) => {
    if (typeof env === "object" && env !== null && "kubernetesEnv" in env) {
      add(
        ["avsPerformers", i, "envs", j, "kubernetesEnv"],
        "only available in deploymentMode kubernetes",
      );
    }
  });
  if (p.kubernetes !== undefined) {
    add(["avsPerformers", i, "kubernetes"], "only available in deploymentMode kubernetes");
  }
}

/** The deployment mode every performer of this config uses. */
export function deploymentModeOf(config: ExecutorConfig): DeploymentMode {
  return config.avsPerformers[0].deploymentMode;
}

/** The management server port: its own, or the task server's when not set. */
export function managementPort(config: ExecutorConfig): number {
  return config.managementServerGrpcPort ?? config.grpcPort;
}
