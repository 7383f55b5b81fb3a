/**
 * The executor's configuration: one zod schema, from which the loader (`load.ts`) validates and
 * `deno task docs` writes docs/executor-config.md. The fields it shares with the operator's
 * settings (`operator_config.ts`) come from `_fields.ts`.
 *
 * Keys keep the Ponos spelling (camelCase) so existing executor configs load; the Ponos keys we
 * do not act on are handled in `ponos_compat.ts` before this strict schema sees the document.
 * @module
 */

import { GROUP, VERSION } from "../api/performer.ts";
import { z } from "zod";
import { HardwareRequirements, ImagePullPolicy, SchedulingConfig } from "../api/performer.ts";
import { KeyRef as CoreKeyRef, ResourceRequirements } from "../api/core_types.ts";
import { durationMs } from "./duration.ts";
import {
  address,
  kubeConfigPath,
  logFormat,
  logLevel,
  namespaceName,
  requiredOr,
} from "./_fields.ts";
import { L1ChainConfig, OverrideContracts } from "./chain_config.ts";
import { crossFieldIssues, defaultDeploymentMode } from "./cross_field.ts";

export {
  type CrossFieldIssue,
  crossFieldIssues,
  type CrossFieldView,
  defaultDeploymentMode,
} from "./cross_field.ts";

const port = z.int({ error: requiredOr("a port number") }).min(1).max(65535);
const hexKey = z.string({ error: requiredOr("a hex private key") }).regex(
  /^(0x)?[0-9a-fA-F]{64}$/,
  "must be 32 bytes of hex (64 digits, optional 0x prefix)",
);

/** Deployment modes; one per executor. */
export const DeploymentMode = z.enum(["docker", "kubernetes"]);
/** A deployment mode. */
export type DeploymentMode = z.output<typeof DeploymentMode>;

/** The core Secret/ConfigMap key reference, without `optional`: the executor does not pass it on. */
const KeyRef = CoreKeyRef.omit({ optional: true }).extend({
  name: CoreKeyRef.shape.name.meta({
    description: "Name of the Secret or ConfigMap, in the performer's namespace.",
  }),
});

/** One environment variable of a performer: exactly one source. */
export const PerformerEnv = z.strictObject({
  name: z.string({ error: requiredOr("a string") }).regex(
    /^[-._a-zA-Z][-._a-zA-Z0-9]*$/,
    "must be a valid environment variable name",
  ).meta({
    description: "Variable name. AVS_ADDRESS and GRPC_PORT are set by the executor and the " +
      "operator; entries with these names are dropped with a warning.",
  }),
  value: z.string().optional().meta({
    description: "A literal value. Each entry has exactly one of value, valueFromEnv and " +
      "kubernetesEnv.",
  }),
  valueFromEnv: z.string().min(1).optional().meta({
    description: "Name of a variable of the executor's own environment whose value is passed " +
      "on; a deploy fails when it is not set.",
  }),
  kubernetesEnv: z.strictObject({
    valueFrom: z.strictObject({
      secretKeyRef: KeyRef.optional().meta({ description: "A key of a Secret." }),
      configMapKeyRef: KeyRef.optional().meta({ description: "A key of a ConfigMap." }),
    }).refine(
      (v) => (v.secretKeyRef === undefined) !== (v.configMapKeyRef === undefined),
      "exactly one of secretKeyRef or configMapKeyRef must be set",
    ).meta({ description: "Exactly one of secretKeyRef and configMapKeyRef." }),
  }).optional().meta({
    description: "A Secret or ConfigMap key that the kubelet resolves (kubernetes mode only).",
  }),
}).refine(
  (e) => [e.value, e.valueFromEnv, e.kubernetesEnv].filter((v) => v !== undefined).length === 1,
  "exactly one of value, valueFromEnv or kubernetesEnv must be set",
);
/** A performer environment variable. */
export type PerformerEnv = z.output<typeof PerformerEnv>;

/** The performer image: a repository plus a tag, and optionally a digest that pins it. */
export const PerformerImage = z.strictObject({
  repository: z.string({ error: requiredOr("a string") }).min(1, "must not be empty").meta({
    description: "Image repository, with its registry (e.g. ghcr.io/acme/avs-performer).",
  }),
  tag: z.string({ error: requiredOr("a string") }).min(1, "must not be empty").meta({
    description: "Image tag.",
  }),
  digest: z.string().regex(/^sha256:[0-9a-f]{64}$/, "must be sha256:<64 hex digits>").optional()
    .meta({
      description: "Pins the image: it runs as repository@digest; the tag is then only recorded.",
    }),
});
/** A performer image. */
export type PerformerImage = z.output<typeof PerformerImage>;

/** Per-performer settings used in kubernetes mode. */
export const PerformerKubernetesConfig = z.strictObject({
  serviceAccountName: z.string().optional().meta({
    description: "Service account of the performer pod (spec.config.serviceAccountName). A " +
      "DeployArtifact request's kubernetes.service_account_name replaces it while this section " +
      "is present.",
  }),
  endpointOverride: z.string().optional().meta({
    description: "host:port to dial instead of status.grpcEndpoint (executors outside a cluster).",
  }),
  connectVia: z.enum(["service", "podIP"]).default("service").meta({
    description: "Dial the Service DNS name (in cluster) or the pod IP (outside a cluster).",
  }),
  imagePullPolicy: ImagePullPolicy.default("IfNotPresent").meta({
    description: "Pull policy of the performer container (spec.imagePullPolicy).",
  }),
  resources: ResourceRequirements.optional(),
  scheduling: SchedulingConfig.optional(),
  hardwareRequirements: HardwareRequirements.optional(),
}).meta({ description: "Settings of this performer in kubernetes mode." });

/** An aggregator whose task signatures this executor accepts. */
export const TrustedAggregator = z.strictObject({
  address: address.meta({
    description: "The aggregator's address; an ECDSA task signature must recover to it.",
  }),
  blsPublicKey: z.string().regex(
    /^(0x)?[0-9a-fA-F]{256}$/,
    "must be a 128-byte BN254 G2 point in hex",
  )
    .optional().meta({
      description: "The aggregator's BN254 public key (G2 point, 128 bytes in hex); needed to " +
        "accept its BN254 task signatures.",
    }),
});

/** One AVS served by this executor. */
export const AvsPerformerConfig = z.strictObject({
  avsAddress: address.meta({
    description: "The AVS. Tasks for an AVS that is not configured are refused (NOT_FOUND).",
  }),
  image: PerformerImage.meta({
    description: "The image deployed at start-up, unless a DeployArtifact has deployed another " +
      "since (the executor remembers the last one in its store).",
  }),
  processType: z.literal("server").default("server").meta({
    description: "How the performer runs: a long-running gRPC server (the only kind).",
  }),
  deploymentMode: DeploymentMode.default("docker").meta({
    description: "docker: a container through the Docker Engine API. kubernetes: a Performer " +
      "resource that the operator runs as a pod. All performers (and avsDefaults) use the " +
      "same mode.",
  }),
  envs: z.array(PerformerEnv).default([]).meta({
    description: "Environment of the performer, in order; a later entry of the same name wins.",
  }),
  kubernetes: PerformerKubernetesConfig.optional(),
  aggregators: z.array(TrustedAggregator).default([]).meta({
    description: "Offline mode (no l1Chain.rpcUrl): aggregators whose tasks are accepted for " +
      "this AVS. Tasks from others are refused (PERMISSION_DENIED); an empty list refuses " +
      "every task. Not used in chain mode, where the aggregator is the one holding the key " +
      "KeyRegistrar has for the AVS's aggregator operator set at the task's block.",
  }),
  signingCurve: z.enum(["bn254", "ecdsa"]).optional().meta({
    description: "Offline mode: curve of the operator set's result signatures (default: " +
      "bn254 when a BLS key is configured, else ecdsa). In chain mode the task's operator set's " +
      "curve type in KeyRegistrar is used instead.",
  }),
  maxConcurrentTasks: z.int().min(1).default(64).meta({
    description: "Tasks of this AVS in flight at once; more are refused (RESOURCE_EXHAUSTED).",
  }),
  taskTimeout: durationMs("5m", { min: "100ms", max: "24h" }).meta({
    description: "Longest a task may run on the performer; an earlier gRPC deadline of the " +
      "caller wins.",
  }),
});
/** Configuration of one AVS performer. */
export type AvsPerformerConfig = z.output<typeof AvsPerformerConfig>;

/**
 * Settings of the AVSs that DeployArtifact creates (AVSs not listed in avsPerformers): the
 * performer keys but avsAddress and image, each with the default it has there.
 */
export const AvsDefaults = AvsPerformerConfig.omit({ avsAddress: true, image: true }).extend({
  deploymentMode: DeploymentMode.optional().meta({
    description: "Mode of the AVSs that DeployArtifact creates. Default: the mode of " +
      "avsPerformers when it lists any, else kubernetes when the kubernetes section is set, " +
      "else docker. Must match the performers' mode.",
  }),
}).meta({
  description: "Settings of the AVSs that DeployArtifact creates, i.e. AVSs not listed in " +
    "avsPerformers (e.g. with an empty list, as hgctl writes it). Each key defaults as in " +
    "avsPerformers[].",
});

/** An ECDSA key: inline, or a Web3 secret-storage v3 keystore file. */
export const EcdsaKeyConfig = z.union([
  z.strictObject({
    privateKey: hexKey.meta({
      description: "The key in hex. EXECUTOR_ECDSA_PRIVATE_KEY keeps it out of the file.",
    }),
  }),
  z.strictObject({
    keystoreFile: z.string().min(1).meta({
      description: "Path of a Web3 secret-storage v3 keystore, relative to the config file.",
    }),
    password: z.string().meta({ description: "Password of the keystore." }),
  }),
], { error: "must be {privateKey} or {keystoreFile, password}" }).meta({
  description: "secp256k1 key for ECDSA operator sets.",
});

/** A BN254 (BLS) key from a keystore given as a file or inline JSON. */
export const BlsKeyConfig = z.strictObject({
  keystoreFile: z.string().min(1).optional().meta({
    description: "Path of the keystore, relative to the config file. Exactly one of " +
      "keystoreFile and keystore.",
  }),
  keystore: z.string().min(1).optional().meta({ description: "The keystore JSON itself." }),
  password: z.string({ error: requiredOr("a string") }).meta({
    description: "Password of the keystore.",
  }),
}).refine(
  (k) => (k.keystoreFile === undefined) !== (k.keystore === undefined),
  "exactly one of keystoreFile or keystore must be set",
).meta({
  description: "BN254 key for BN254 operator sets: an eigensdk-go or Hourglass keystore " +
    "(Web3 v3 or EIP-2335 container).",
});

/** The operator this executor signs for. */
export const OperatorConfig = z.strictObject({
  address: address.meta({
    description: "The operator's address. Tasks for another executor_address are refused " +
      "(INVALID_ARGUMENT); management requests must be signed by this address's ECDSA key.",
  }),
  signingKeys: z.strictObject({
    ecdsa: EcdsaKeyConfig.optional(),
    bls: BlsKeyConfig.optional(),
  }, { error: requiredOr("an object with ecdsa and/or bls keys") }).refine(
    (k) => k.ecdsa !== undefined || k.bls !== undefined,
    "at least one of ecdsa or bls must be set",
  ).meta({ description: "Keys that sign task results: at least one of ecdsa and bls." }),
}).meta({ description: "The operator this executor signs for." });

/** Cluster access for kubernetes mode. */
export const KubernetesConfig = z.strictObject({
  namespace: namespaceName.meta({
    description: "Namespace the executor creates its Performers in.",
  }),
  kubeConfigPath,
  inCluster: z.boolean().default(false).meta({
    description: "Use the pod's service account even where no pod is detected.",
  }),
  connectionTimeout: durationMs("30s", { min: "1s", max: "10m" }).meta({
    description: "How long start-up waits for the API server; also the limit of each API request.",
  }),
  readyTimeout: durationMs("5m", { min: "1s", max: "2h" }).meta({
    description: "How long a new Performer has to report ready. A failure the operator reports " +
      "(ImagePullFailed, CrashLooping, Unschedulable, ContainerConfigError) ends the wait at once.",
  }),
  crdGroup: z.string().default(GROUP).meta({
    description: "API group of the Performer CRD.",
  }),
  crdVersion: z.string().default(VERSION).meta({
    description: "API version of the Performer CRD.",
  }),
}).meta({
  description: "Cluster access for kubernetes mode; required when the performers use it.",
});

const BYTE_UNITS: Record<string, number> = {
  "": 1,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
};
const BYTE_SIZE = /^(\d{1,15})(Ki|Mi|Gi|Ti)?$/;

/**
 * A size in bytes written as Kubernetes writes memory (`512Mi`, `2Gi`, or a number of bytes),
 * from `min` to `max` or 0 (no limit); produces bytes.
 */
function byteLimit(defaultValue: string, bounds: { min: string; max: string }) {
  const bytes = (text: string) => {
    const [, amount, unit = ""] = BYTE_SIZE.exec(text) ?? [];
    return amount === undefined ? NaN : Number(amount) * BYTE_UNITS[unit];
  };
  const [min, max] = [bytes(bounds.min), bytes(bounds.max)];
  return z.union([z.int().min(0), z.string()], { error: 'must be a size such as "512Mi"' })
    .transform((value, ctx) => {
      const n = typeof value === "number" ? value : bytes(value);
      if (Number.isNaN(n)) {
        ctx.addIssue({ code: "custom", message: 'must be a size such as "512Mi", "2Gi" or 0' });
        return z.NEVER;
      }
      if (n !== 0 && (n < min || n > max)) {
        ctx.addIssue({
          code: "custom",
          message: `must be 0 (no limit) or from ${bounds.min} to ${bounds.max}`,
        });
        return z.NEVER;
      }
      return n;
    })
    .prefault(defaultValue);
}

/** The Docker Engine API endpoint for docker mode. */
export const DockerConfig = z.strictObject({
  host: z.string().optional().meta({
    description: "Engine API address: unix:///path, a socket path, tcp://host:port or " +
      "http://host:port (no TLS). Defaults to DOCKER_HOST, else /var/run/docker.sock. " +
      "tcp:// and http:// may carry user:password@ (percent-encoded) for a proxy in front of " +
      "the engine, sent as HTTP Basic auth; logs and errors print it as ***.",
  }),
  network: z.string().optional().meta({
    description: "A user-defined network to attach performers to; they are then dialled by " +
      "container name on port 8080 instead of through a port published on 127.0.0.1.",
  }),
  memoryLimit: byteLimit("2Gi", { min: "16Mi", max: "1Ti" }).meta({
    description: "Memory limit of each performer container (HostConfig.Memory, with swap " +
      "MemorySwap equal to it, so none beyond), e.g. 512Mi or 4Gi; 16Mi to 1Ti, or 0 for no " +
      "limit. The engine enforces it through the host's cgroup memory controller; an engine " +
      "without one (rootless Podman on cgroup v1) records the limit but cannot enforce it.",
  }),
  pidsLimit: z.int().min(0).max(4_194_304).refine(
    (n) => n === 0 || n >= 16,
    "must be 0 (no limit) or at least 16",
  ).default(1024).meta({
    description: "Most processes and threads each performer container may run (HostConfig." +
      "PidsLimit): a fork bomb in AVS code stops there; 16 to 4194304, or 0 for no limit. " +
      "Enforced by the host's pids cgroup controller, as memoryLimit.",
  }),
});

/** Where processed task ids and performer state persist. */
export const StorageConfig = z.strictObject({
  path: z.string().min(1).default("./executor-data").meta({
    description: "Directory of the store (a Deno KV file, executor.kv), relative to the config " +
      "file.",
  }),
  retention: durationMs("168h", { min: "1m", max: "720h" }).meta({
    description: "How long a task id is remembered; a task id seen within it is refused " +
      "(ALREADY_EXISTS). It also bounds the replay window: a submission whose " +
      "reference_timestamp is older than retention less min(5m, retention/4) of clock skew " +
      "and min(1m, retention/4) of margin (168h: 167h54m), or more than that skew in the " +
      "future, is refused (FAILED_PRECONDITION), so an expired claim cannot let a task run twice.",
  }),
});

/** Limits of the executor's gRPC servers (task and management ports). */
export const GrpcServerConfig = z.strictObject({
  maxConnectionsPerAddress: z.int().min(1).max(10_000).default(100).meta({
    description: "Connections one client address may hold on each gRPC port; beyond, its new " +
      "connections are closed at once and counted in " +
      'hourglass_executor_grpc_connection_errors_total{code="ADDRESS_CONNECTION_LIMIT"}. A ' +
      "gRPC client needs one (an aggregator's channel, an hgctl call); raise it when many " +
      "clients reach the executor from one NAT or proxy address.",
  }),
});

/** The whole executor config. */
export const ExecutorConfig = z.strictObject({
  grpcPort: port.default(9090).meta({
    description: "Port of the task server (ExecutorService, grpc.health.v1), called by " +
      "aggregators.",
  }),
  managementServerGrpcPort: port.optional().meta({
    description: "Port of the management server (ExecutorManagementService). Unset or equal " +
      "to grpcPort: one server on grpcPort serves both.",
  }),
  httpPort: port.default(8080).meta({
    description: "Port of /healthz, /readyz (ready once every AVS has a performer in service) " +
      "and /metrics.",
  }),
  logLevel,
  logFormat,
  operator: OperatorConfig,
  avsPerformers: z.array(AvsPerformerConfig, { error: requiredOr("a list") }).prefault([]).meta({
    description: "The AVSs this executor serves from start-up, one performer each. May be " +
      "empty (hgctl writes it so): DeployArtifact then creates each AVS with avsDefaults.",
  }),
  avsDefaults: AvsDefaults.prefault({}),
  l1Chain: L1ChainConfig.optional(),
  overrideContracts: OverrideContracts.optional(),
  kubernetes: KubernetesConfig.optional(),
  docker: DockerConfig.prefault({}).meta({
    description: "The Docker Engine API, for docker mode.",
  }),
  grpcServer: GrpcServerConfig.prefault({}).meta({
    description: "Limits of the task and management gRPC servers.",
  }),
  storage: StorageConfig.prefault({}).meta({
    description: "The executor's store: processed task ids and the last deployed image per AVS.",
  }),
  managementAuth: z.strictObject({
    enabled: z.boolean().default(true).meta({
      description: "Require a signed, single-use challenge token on DeployArtifact, " +
        "ListPerformers and RemovePerformer. Off: GetChallengeToken answers UNAVAILABLE, and " +
        "the executor warns at every start. Ponos' authentication.enabled maps here.",
    }),
    requireRequestBinding: z.boolean().default(false).meta({
      description: "true refuses the reference clients' token-only signatures (hgctl) and " +
        "accepts only signatures bound to the method and request.",
    }),
    tokenTtl: durationMs("5m", { min: "1s", max: "1h" }).meta({
      description: "How long a challenge token is valid.",
    }),
  }).prefault({}).meta({ description: "Authentication of the management API." }),
  performerHealth: z.strictObject({
    interval: durationMs("5s", { min: "100ms", max: "10m" }).meta({
      description: "How often each performer is checked.",
    }),
    failureThreshold: z.int().min(1).default(3).meta({
      description: "Failed checks in a row before an unhealthy performer is restarted.",
    }),
    readyTimeout: durationMs("2m", { min: "1s", max: "2h" }).meta({
      description: "How long a new performer has to become SERVING.",
    }),
  }).prefault({}).meta({ description: "Health checks of the performers in service." }),
  shutdown: z.strictObject({
    removePerformers: z.boolean().default(false).meta({
      description: "Remove the performers on shutdown. false: they keep running, and the next " +
        "start adopts those still serving the wanted image with the same settings (env, " +
        "kubernetes section); others are replaced.",
    }),
    drainTimeout: durationMs("30s", { min: "1s", max: "1h" }).meta({
      description: "How long in-flight tasks may take to finish on shutdown.",
    }),
  }).prefault({}).meta({ description: "What SIGINT and SIGTERM do." }),
}).superRefine((config, ctx) => {
  for (const { path, message } of crossFieldIssues(config)) {
    ctx.addIssue({ code: "custom", path, message });
  }
}).transform((config) => ({
  ...config,
  avsDefaults: { ...config.avsDefaults, deploymentMode: defaultDeploymentMode(config) },
}));

/** The validated executor config (durations in milliseconds). */
export type ExecutorConfig = z.output<typeof ExecutorConfig>;

/** The validated avsDefaults: every key set, deploymentMode resolved. */
export type AvsDefaults = ExecutorConfig["avsDefaults"];

/** The deployment mode of this executor: its performers' and avsDefaults' (the rules keep them equal). */
export function deploymentModeOf(config: ExecutorConfig): DeploymentMode {
  return config.avsPerformers[0]?.deploymentMode ?? config.avsDefaults.deploymentMode;
}

/** The config of an AVS that DeployArtifact creates: avsDefaults plus its address and image. */
export function avsPerformerFromDefaults(
  config: ExecutorConfig,
  avs: { avsAddress: string; image: PerformerImage },
): AvsPerformerConfig {
  return {
    ...structuredClone(config.avsDefaults),
    avsAddress: avs.avsAddress,
    image: structuredClone(avs.image),
  };
}

/**
 * The warning the executor logs at every start while management auth is off (undefined when it
 * is on): anyone who reaches the management port can then replace or remove performers.
 */
export function managementAuthDisabledWarning(config: ExecutorConfig): string | undefined {
  if (config.managementAuth.enabled) return undefined;
  return `managementAuth.enabled is false: DeployArtifact, ListPerformers and RemovePerformer ` +
    `on port ${managementPort(config)} accept requests from anyone who can reach that port ` +
    `(set managementAuth.enabled: true unless only you can)`;
}

/** The management server port: its own, or the task server's when not set. */
export function managementPort(config: ExecutorConfig): number {
  return config.managementServerGrpcPort ?? config.grpcPort;
}
