/**
 * Loads the executor config from a YAML file: parse → Ponos compatibility → `EXECUTOR_*`
 * environment overrides → strict validation. Every problem is reported with its path
 * (`avsPerformers[1].image.tag: required`); values are never echoed, since some are secrets.
 * The YAML is read within the limits of `_yaml.ts` (size, nesting, aliases), which both loaders
 * share.
 * @module
 */

import { ReasonError } from "../errors/reason_error.ts";
import { ExecutorConfig } from "./executor_config.ts";
import { crossFieldIssues, type CrossFieldView } from "./cross_field.ts";
import { applyPonosCompat } from "./ponos_compat.ts";
import { limitProblems, parseConfigYaml, readConfigText } from "./_yaml.ts";

export { CONFIG_LIMITS } from "./_yaml.ts";
import { formatIssues, formatPath } from "../validation/format_issues.ts";

/** A config that failed to load, with one line per problem. */
export class ConfigError extends ReasonError<"InvalidConfig"> {
  /** Each problem as `path: message`. */
  readonly problems: string[];

  constructor(source: string, problems: string[], options?: ErrorOptions) {
    super(
      "InvalidConfig",
      `Invalid executor config ${source}:\n  ${limitProblems(problems).join("\n  ")}`,
      options,
    );
    this.problems = problems;
  }
}

/** A loaded config and the warnings about keys it mapped or ignored. */
export interface LoadedConfig {
  config: ExecutorConfig;
  warnings: string[];
}

/** Options of the config loader. */
export interface LoadOptions {
  /** Environment for `EXECUTOR_*` overrides; defaults to none. */
  env?: Record<string, string>;
  /** Name of the source in error messages. */
  source?: string;
}

/** Environment overrides: variable name → config path and value kind. */
const ENV_OVERRIDES: Record<string, { path: string[]; kind: "string" | "int" | "bool" }> = {
  EXECUTOR_GRPC_PORT: { path: ["grpcPort"], kind: "int" },
  EXECUTOR_MANAGEMENT_SERVER_GRPC_PORT: { path: ["managementServerGrpcPort"], kind: "int" },
  EXECUTOR_HTTP_PORT: { path: ["httpPort"], kind: "int" },
  EXECUTOR_LOG_LEVEL: { path: ["logLevel"], kind: "string" },
  EXECUTOR_LOG_FORMAT: { path: ["logFormat"], kind: "string" },
  EXECUTOR_OPERATOR_ADDRESS: { path: ["operator", "address"], kind: "string" },
  EXECUTOR_ECDSA_PRIVATE_KEY: {
    path: ["operator", "signingKeys", "ecdsa", "privateKey"],
    kind: "string",
  },
  EXECUTOR_ECDSA_KEYSTORE_PASSWORD: {
    path: ["operator", "signingKeys", "ecdsa", "password"],
    kind: "string",
  },
  EXECUTOR_BLS_KEYSTORE_PASSWORD: {
    path: ["operator", "signingKeys", "bls", "password"],
    kind: "string",
  },
  EXECUTOR_KUBERNETES_NAMESPACE: { path: ["kubernetes", "namespace"], kind: "string" },
  EXECUTOR_KUBECONFIG: { path: ["kubernetes", "kubeConfigPath"], kind: "string" },
  EXECUTOR_DOCKER_HOST: { path: ["docker", "host"], kind: "string" },
  EXECUTOR_STORAGE_PATH: { path: ["storage", "path"], kind: "string" },
};

/** Names of the supported `EXECUTOR_*` environment overrides. */
export const ENV_OVERRIDE_NAMES: readonly string[] = Object.keys(ENV_OVERRIDES);

/** Reads and validates a config file; throws ConfigError listing every problem. */
export async function loadExecutorConfig(
  path: string,
  options: LoadOptions = {},
): Promise<LoadedConfig> {
  const read = await readConfigText(path);
  if (read.problem !== undefined) {
    throw new ConfigError(path, [read.problem], { cause: read.cause });
  }
  return parseExecutorConfig(read.text, { source: path, ...options });
}

/** Validates config text (YAML or JSON); throws ConfigError listing every problem. */
export function parseExecutorConfig(text: string, options: LoadOptions = {}): LoadedConfig {
  const source = options.source ?? "(inline)";
  const parsed = parseConfigYaml(text);
  if (parsed.problems !== undefined) throw new ConfigError(source, parsed.problems);
  const doc = parsed.value;
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
    throw new ConfigError(source, ["the file must contain a YAML mapping of config keys"]);
  }
  const raw = doc as Record<string, unknown>;
  const { warnings, problems: compatProblems } = applyPonosCompat(raw);
  const envProblems = applyEnvOverrides(raw, options.env ?? {});
  const result = ExecutorConfig.safeParse(raw);
  // zod skips cross-field rules when a field is invalid; run them anyway so one pass reports all.
  const crossField = result.success ? [] : crossFieldIssues(raw as CrossFieldView);
  // A Set: when zod did run the cross-field rules, the second pass repeats their findings.
  const problems = [
    ...new Set([
      ...compatProblems,
      ...envProblems,
      ...(result.success ? [] : formatIssues(result.error.issues)),
      ...crossField.map((issue) => `${formatPath(issue.path)}: ${issue.message}`),
    ]),
  ];
  if (problems.length > 0 || !result.success) throw new ConfigError(source, problems);
  return { config: result.data, warnings };
}

function applyEnvOverrides(doc: Record<string, unknown>, env: Record<string, string>): string[] {
  const problems: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith("EXECUTOR_")) continue;
    const override = ENV_OVERRIDES[name];
    if (override === undefined) {
      problems.push(
        `${name}: unknown environment override (known: ${ENV_OVERRIDE_NAMES.join(", ")})`,
      );
      continue;
    }
    const converted = convert(value, override.kind);
    if (converted === undefined) {
      problems.push(`${name}: must be ${override.kind === "int" ? "an integer" : "true or false"}`);
      continue;
    }
    setPath(doc, override.path, converted);
  }
  return problems;
}

function convert(value: string, kind: "string" | "int" | "bool"): unknown {
  if (kind === "string") return value;
  if (kind === "int") return /^\d+$/.test(value) ? Number(value) : undefined;
  return value === "true" ? true : value === "false" ? false : undefined;
}

function setPath(doc: Record<string, unknown>, path: string[], value: unknown): void {
  let node = doc;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== "object" || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]] = value;
}
