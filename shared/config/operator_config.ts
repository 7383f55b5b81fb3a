/**
 * The operator's settings: one zod schema, and the table that names the Go-style flag of each
 * (the Go operator's names, which the chart and the tests pass). Everything else is derived from
 * the two: the flag specs for `shared/cli/flags.ts`, the `OPERATOR_*` variable names, the config
 * file's keys and the reference in docs/operator-config.md. `operator_load.ts` reads them.
 * @module
 */

import { z } from "zod";
import type { FlagKind, FlagSpec } from "../cli/flags.ts";
import {
  bindAddress,
  kubeConfigPath,
  logFormat,
  logLevel,
  NAMESPACE_PATTERN,
  namespaceName,
  requiredOr,
} from "./_fields.ts";
import { durationMs, formatDuration } from "./duration.ts";

/** A duration string with a default, in milliseconds, within [minMs, maxMs]. */
function boundedDuration(defaultValue: string, minMs: number, maxMs: number) {
  return durationMs(defaultValue, { min: formatDuration(minMs), max: formatDuration(maxMs) });
}

const LEASE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Every setting of the operator. */
export const OperatorConfig = z.strictObject({
  kubeConfigPath,
  metricsBindAddress: bindAddress(":8080").meta({
    description: 'Address of /metrics: ":8080" (every interface), "127.0.0.1:8080", ' +
      '"[::1]:8080", or "0" to disable.',
  }),
  healthProbeBindAddress: bindAddress(":8081").meta({
    description: 'Address of /healthz and /readyz, in the same form; "0" disables.',
  }),
  leaderElection: z.strictObject({
    enabled: z.boolean({ error: requiredOr("true or false") }).default(false).meta({
      description: "Use a Lease so that only one replica is active.",
    }),
    namespace: namespaceName.max(63, "must be at most 63 characters").optional().meta({
      description: "Namespace of the Lease. Unset: the pod's namespace, else default.",
    }),
    id: z.string({ error: requiredOr("a Lease name") })
      .max(253, "must be at most 253 characters")
      .regex(LEASE_NAME, "must be a valid Lease name (lower case letters, digits, - and .)")
      .default("hourglass-operator-leader")
      .meta({ description: "Name of the Lease." }),
    leaseDuration: boundedDuration("15s", 1_000, 3_600_000).meta({
      description: "How long a standby waits, after it last saw the Lease renewed, before " +
        "taking it over. Longer than renewDeadline; 1s to 1h.",
    }),
    renewDeadline: boundedDuration("10s", 500, 3_600_000).meta({
      description: "How long the leader keeps leading without renewing the Lease; then it " +
        "stops and exits with code 1. Bounds every renewal's requests. Shorter than " +
        "leaseDuration; 500ms to 1h.",
    }),
    retryPeriod: boundedDuration("2s", 100, 600_000).meta({
      description: "How often the leader renews and a standby tries to take the Lease. " +
        "Shorter than renewDeadline; 100ms to 10m.",
    }),
  }, { error: requiredOr("a mapping") }).prefault({}).meta({
    description: "Leader election among the operator's replicas.",
  }),
  namespace: z.string({ error: requiredOr("a namespace name") })
    .max(63, "must be at most 63 characters")
    .regex(
      new RegExp(`^$|${NAMESPACE_PATTERN.source}`),
      "must be a valid namespace name, or empty for all namespaces",
    )
    .optional()
    // "" is how a flag or variable says "all namespaces", as in controller-runtime.
    .transform((ns) => ns || undefined)
    .meta({ description: "Watch only this namespace. Unset or empty: all namespaces." }),
  // 32, not controller-runtime's 1: a reconcile mostly waits on the API server (creating a
  // Service took 0.65 s at 32 in flight, 2.1 s at 64, in the N = 1000 bench: the API server, not
  // the operator, is then the limit).
  concurrency: z.int({ error: requiredOr("an integer") }).min(1, "must be ≥ 1").default(32).meta({
    description:
      "Performers reconciled in parallel. Reconciles mostly wait on the API server, so many " +
      "in flight are cheap.",
  }),
  kubeApi: z.strictObject({
    qps: z.number({ error: requiredOr("a number") }).min(0, "must be ≥ 0").default(0).meta({
      description: "Client-side limit of API requests per second, over all of the operator's " +
        "requests. 0: none (the default, as in controller-runtime); API priority and fairness " +
        "limits.",
    }),
    burst: z.int({ error: requiredOr("an integer") }).min(1, "must be ≥ 1").default(30).meta({
      description: "Client-side burst of API requests (with a kube-api-qps above 0).",
    }),
    timeout: boundedDuration("30s", 100, 3_600_000).meta({
      description: "Each API request but a watch is cancelled if not answered within this " +
        "time; 100ms to 1h. (Watches end on their own within 5–10 minutes.)",
    }),
  }, { error: requiredOr("a mapping") }).prefault({}).meta({
    description: "Requests to the API server: the client-side rate limit (off by default) and " +
      "the timeout.",
  }),
  logLevel,
  logFormat,
});

/** The validated settings: bind addresses parsed (undefined when disabled), defaults applied. */
export type OperatorConfig = z.output<typeof OperatorConfig>;

/** The flag that sets each key of `OperatorConfig` (dotted path → flag name). */
const FLAG_NAMES: Readonly<Record<string, string>> = {
  kubeConfigPath: "kubeconfig",
  metricsBindAddress: "metrics-bind-address",
  healthProbeBindAddress: "health-probe-bind-address",
  "leaderElection.enabled": "leader-elect",
  "leaderElection.namespace": "leader-election-namespace",
  "leaderElection.id": "leader-election-id",
  "leaderElection.leaseDuration": "leader-elect-lease-duration",
  "leaderElection.renewDeadline": "leader-elect-renew-deadline",
  "leaderElection.retryPeriod": "leader-elect-retry-period",
  namespace: "namespace",
  concurrency: "concurrency",
  "kubeApi.qps": "kube-api-qps",
  "kubeApi.burst": "kube-api-burst",
  "kubeApi.timeout": "kube-api-timeout",
  logLevel: "log-level",
  logFormat: "log-format",
};

/** Prefix of the operator's environment variables. */
export const ENV_PREFIX = "OPERATOR_";

/** One setting: where it lives in the config file and which flag and variable set it. */
export interface OperatorSetting {
  /** Dotted key in the config file, e.g. `leaderElection.id`. */
  key: string;
  /** The same key as a path. */
  path: readonly string[];
  /** Flag name without dashes, e.g. `leader-election-id`. */
  flag: string;
  /** Environment variable, e.g. `OPERATOR_LEADER_ELECTION_ID`. */
  env: string;
  /** How a flag's or variable's text is read. */
  kind: FlagKind;
  /** Default, as a user writes it; undefined when unset by default. */
  default?: string | number | boolean;
  /** Allowed values, for an enum. */
  values?: readonly string[];
  /** What it does (the schema's description). */
  description: string;
}

type JsonNode = { [key: string]: unknown };

/** Every setting, in schema order. */
export const OPERATOR_SETTINGS: readonly OperatorSetting[] = deriveSettings();

/** The variable name of a flag: `log-level` → `OPERATOR_LOG_LEVEL`. */
export function envName(flag: string): string {
  return ENV_PREFIX + flag.toUpperCase().replaceAll("-", "_");
}

/** Flag specs of the settings for `parseFlags` and `flagHelp`, with kinds and defaults. */
export function settingFlagSpecs(): Record<string, FlagSpec> {
  return Object.fromEntries(OPERATOR_SETTINGS.map((s) => {
    const values = s.values ? `; one of ${s.values.join(", ")}` : "";
    const help = `${s.description.replace(/\.$/, "")}${values}`;
    return [s.flag, { kind: s.kind, default: s.default, help }];
  }));
}

function deriveSettings(): OperatorSetting[] {
  const root = z.toJSONSchema(OperatorConfig, { io: "input", unrepresentable: "throw" });
  const settings: OperatorSetting[] = [];
  const walk = (node: JsonNode, path: string[]) => {
    for (const [key, child] of Object.entries(node.properties as Record<string, JsonNode>)) {
      if (child.type === "object") walk(child, [...path, key]);
      else settings.push(setting(child, [...path, key]));
    }
  };
  walk(root as JsonNode, []);
  const unused = Object.keys(FLAG_NAMES).filter((k) => !settings.some((s) => s.key === k));
  if (unused.length > 0) throw new TypeError(`FLAG_NAMES names no setting: ${unused.join(", ")}`);
  return settings;
}

function setting(node: JsonNode, path: string[]): OperatorSetting {
  const key = path.join(".");
  const flag = FLAG_NAMES[key];
  if (flag === undefined) throw new TypeError(`Operator setting ${key} has no flag in FLAG_NAMES`);
  const kinds: Record<string, FlagKind> = {
    string: "string",
    integer: "int",
    number: "number",
    boolean: "bool",
  };
  const kind = kinds[String(node.type)];
  if (kind === undefined) throw new TypeError(`Operator setting ${key} is not a scalar`);
  const fallback = node.default;
  const scalar = typeof fallback === "string" || typeof fallback === "number" ||
    typeof fallback === "boolean";
  return {
    key,
    path,
    flag,
    env: envName(flag),
    kind,
    ...(scalar ? { default: fallback } : {}),
    ...(Array.isArray(node.enum) ? { values: node.enum.map(String) } : {}),
    description: typeof node.description === "string" ? node.description : "",
  };
}
