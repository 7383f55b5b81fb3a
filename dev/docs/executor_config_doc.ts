/**
 * `docs/executor-config.md`: every key of the executor config, walked from the zod schema in
 * `shared/config/executor_config.ts` (its input side: what a user writes, durations as strings),
 * and the `EXECUTOR_*` environment overrides.
 * @module
 */

import { z } from "zod";
import { ResourceRequirements } from "../../shared/api/core_types.ts";
import { HardwareRequirements, SchedulingConfig } from "../../shared/api/performer.ts";
import { Duration } from "../../shared/config/duration.ts";
import { ExecutorConfig } from "../../shared/config/executor_config.ts";
import { ENV_OVERRIDE_NAMES } from "../../shared/config/load.ts";
import { KNOWN_DEPLOYMENTS } from "../../shared/config/contracts.ts";
import { PONOS_KEYS } from "../../shared/config/ponos_compat.ts";
import { configLimitsText } from "./config_limits.ts";
import { bullet, code, generatedHeader, paragraph, table, text } from "./markdown.ts";
import { type KeyRow, type SchemaNode, schemaRows } from "./schema_rows.ts";

/** Path of the generated file, relative to the repository root. */
export const EXECUTOR_CONFIG_DOC = "docs/executor-config.md";

/**
 * The key each `EXECUTOR_*` override sets. `shared/config/load.ts` keeps its table private, so
 * this copy is checked against it: the generator refuses to run when the names differ, and a
 * test loads a config with each override and finds the value at this key.
 */
export const ENV_OVERRIDE_KEYS: Readonly<Record<string, string>> = {
  EXECUTOR_GRPC_PORT: "grpcPort",
  EXECUTOR_MANAGEMENT_SERVER_GRPC_PORT: "managementServerGrpcPort",
  EXECUTOR_HTTP_PORT: "httpPort",
  EXECUTOR_LOG_LEVEL: "logLevel",
  EXECUTOR_LOG_FORMAT: "logFormat",
  EXECUTOR_OPERATOR_ADDRESS: "operator.address",
  EXECUTOR_ECDSA_PRIVATE_KEY: "operator.signingKeys.ecdsa.privateKey",
  EXECUTOR_ECDSA_KEYSTORE_PASSWORD: "operator.signingKeys.ecdsa.password",
  EXECUTOR_BLS_KEYSTORE_PASSWORD: "operator.signingKeys.bls.password",
  EXECUTOR_KUBERNETES_NAMESPACE: "kubernetes.namespace",
  EXECUTOR_KUBECONFIG: "kubernetes.kubeConfigPath",
  EXECUTOR_DOCKER_HOST: "docker.host",
  EXECUTOR_STORAGE_PATH: "storage.path",
};

/** Performer API types the config passes through unchanged: documented once, in performer-api.md. */
const PERFORMER_TYPES = [
  { schema: ResourceRequirements, field: "spec.resources" },
  { schema: SchedulingConfig, field: "spec.scheduling" },
  { schema: HardwareRequirements, field: "spec.hardwareRequirements" },
];

/** The JSON schema of what users write (zod's input side). */
function inputSchema(schema: z.ZodType): SchemaNode {
  const { $schema: _, ...node } = z.toJSONSchema(schema, { io: "input", unrepresentable: "throw" });
  return node as SchemaNode;
}

/** One row per config key, in schema order. */
export function executorConfigRows(): KeyRow[] {
  const duration = JSON.stringify(inputSchema(Duration).pattern);
  const shared = PERFORMER_TYPES.map((t) => ({
    ...t,
    json: JSON.stringify(inputSchema(t.schema)),
  }));
  return schemaRows(inputSchema(ExecutorConfig), "", {
    namedType: (node) => JSON.stringify(node.pattern) === duration ? "duration" : undefined,
    collapse: (node) => {
      const json = JSON.stringify(node);
      const match = shared.find((t) => t.json === json);
      return match && {
        type: "object",
        note: `Copied into the Performer as ${code(match.field)}; its keys are in ` +
          `[performer-api.md](performer-api.md#spec).`,
      };
    },
  });
}

/** Renders docs/executor-config.md. */
export function renderExecutorConfigDoc(): string {
  const unknown = ENV_OVERRIDE_NAMES.filter((n) => !(n in ENV_OVERRIDE_KEYS));
  const gone = Object.keys(ENV_OVERRIDE_KEYS).filter((n) => !ENV_OVERRIDE_NAMES.includes(n));
  if (unknown.length > 0 || gone.length > 0) {
    throw new Error(
      `ENV_OVERRIDE_KEYS in dev/docs/executor_config_doc.ts is out of date with ` +
        `shared/config/load.ts (missing: ${unknown.join(", ") || "none"}; ` +
        `no longer exist: ${gone.join(", ") || "none"})`,
    );
  }
  const rows = executorConfigRows().map((r) => [
    code(r.path),
    code(r.type),
    r.presence,
    r.rules.join("; "),
    text(r.description),
  ]);
  const env = ENV_OVERRIDE_NAMES.map((name) => [code(name), code(ENV_OVERRIDE_KEYS[name])]);
  const ponos = PONOS_KEYS.map((k) => [code(k.key), text(k.effect)]);
  const chains = Object.entries(KNOWN_DEPLOYMENTS).map(([id, d]) => [
    code(id),
    text(d.name),
    code(d.contracts.taskMailbox),
    code(d.contracts.ecdsaCertificateVerifier),
    code(d.contracts.bn254CertificateVerifier),
    d.contracts.allocationManager ? code(d.contracts.allocationManager) : "—",
    d.contracts.keyRegistrar ? code(d.contracts.keyRegistrar) : "—",
  ]);
  return [
    generatedHeader("shared/config/executor_config.ts"),
    "",
    "# Executor configuration reference",
    "",
    INTRO,
    "",
    "## Keys",
    "",
    paragraph("`a[].b` is key `b` of every item of list `a`; `<key>` stands for any map key."),
    "",
    table(["Key", "Type", "Required / default", "Validation", "Description"], rows),
    "",
    "## Known deployments",
    "",
    CHAINS_INTRO,
    "",
    table(
      [
        "Chain id",
        "Chain",
        "TaskMailbox",
        "ECDSACertificateVerifier",
        "BN254CertificateVerifier",
        "AllocationManager",
        "KeyRegistrar",
      ],
      chains,
    ),
    "",
    "## Ponos keys",
    "",
    PONOS_INTRO,
    "",
    table(["Ponos key", "What the executor does"], ponos),
    "",
    "## Environment overrides",
    "",
    ENV_INTRO,
    "",
    table(["Variable", "Key"], env),
    "",
  ].join("\n");
}

const INTRO = [
  paragraph(
    "The executor reads one YAML file: `executor run --config <file>`. " +
      "`executor validate --config <file>` checks a file without starting anything and exits " +
      "with code 3 when it is invalid.",
  ),
  "",
  bullet(
    "Keys keep the Ponos spelling (camelCase). Unknown keys are errors, at every level. Ponos " +
      "keys this executor does not use are removed or mapped, with one warning each; see " +
      "[migration.md](migration.md#ponos-executor-configs).",
  ),
  bullet(
    "Every error names its key path, e.g. `avsPerformers[1].image.tag: required`. Values are " +
      "never echoed, since some are secrets.",
  ),
  bullet(
    "Durations are strings with units `ms`, `s`, `m` or `h`: `250ms`, `30s`, `1m30s`. A bare " +
      "number is an error. Each duration key has bounds (the Validation column): no zero or " +
      "sub-millisecond intervals and timeouts, nothing absurdly long; outside them is an error.",
  ),
  bullet(configLimitsText("The file")),
  bullet(
    "Rules across keys: all performers and `avsDefaults` use one `deploymentMode`; AVS " +
      "addresses are unique (in any letter case); `kubernetes` is required when the performers " +
      "or `avsDefaults` use `deploymentMode: kubernetes`; `kubernetes` and `envs[].kubernetesEnv` " +
      "of `avsPerformers[]` and `avsDefaults` are only allowed in kubernetes mode.",
  ),
  bullet(
    "When an AVS signs results with ECDSA (`signingCurve: ecdsa`, or no BLS key; `avsDefaults` " +
      "counts, since DeployArtifact may create any AVS), the ECDSA certificate verifier must be " +
      "known: its address from `overrideContracts.ecdsaCertificateVerifier` or from the known " +
      "deployment of `l1Chain.chainId` (below), and its version from " +
      "`overrideContracts.ecdsaCertificateVerifier.version` or read through `l1Chain.rpcUrl`.",
  ),
  bullet(
    "Trust mode: with `l1Chain.rpcUrl` and an AllocationManager and KeyRegistrar (from the " +
      "known deployment of `l1Chain.chainId` or from `overrideContracts`), the executor runs " +
      "in chain mode and checks every task against EigenLayer at its block, as Ponos does; " +
      "`avsPerformers[].aggregators` and `signingCurve` are then not used. Without " +
      "`l1Chain.rpcUrl` it runs offline, trusting the aggregators listed per AVS (an " +
      "`l1Chain.rpcUrl` without those two contracts also runs offline, with a warning). See " +
      "[architecture.md](architecture.md#chain-backed-trust).",
  ),
  bullet(
    "A key with a default takes it when absent. A section with `default {}` may be left out: " +
      "its keys then take their own defaults.",
  ),
].join("\n");

const CHAINS_INTRO = paragraph(
  "EigenLayer's contract addresses for these values of `l1Chain.chainId` are built in " +
    "(`shared/config/contracts.ts`, as in Ponos). `overrideContracts` wins over them. Local " +
    "chains (anvil 31337 and 31338, which Ponos maps to Sepolia's addresses) have none: set " +
    "their addresses in `overrideContracts`.",
);

const PONOS_INTRO = paragraph(
  "Keys of Ponos (and of configs `hgctl` writes) that this executor maps or ignores. Each is " +
    "removed before validation, with one warning naming it; a value of the wrong shape is an " +
    "error naming its path. See also [migration.md](migration.md#ponos-executor-configs).",
);

const ENV_INTRO = paragraph(
  "Each `EXECUTOR_*` variable sets one key. It is applied after the file is read and before it " +
    "is validated, so it wins over the file. An `EXECUTOR_*` variable not listed here is an " +
    "error. Ports take integers; everything else takes the string as it is.",
);
