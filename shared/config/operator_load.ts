/**
 * Loads the operator's settings from four layers, each winning over the one before: the schema's
 * defaults ← a YAML file (`--config <file>`) ← `OPERATOR_*` environment variables ← flags.
 *
 * Every layer is checked in full, even values a later layer overrides, and every problem is
 * reported at once, each naming where it came from and never echoing a value:
 * `config.yaml: leaderElection.id: …`, `OPERATOR_LOG_LEVEL: …`, `--concurrency: must be ≥ 1`.
 * @module
 */

import { FlagError, flagHelp, type FlagKind, type FlagSpec, parseFlags } from "../cli/flags.ts";
import { ReasonError } from "../errors/reason_error.ts";
import { formatIssues } from "../validation/format_issues.ts";
import type { z } from "zod";
import {
  ENV_PREFIX,
  envName,
  OPERATOR_SETTINGS,
  OperatorConfig,
  type OperatorSetting,
  settingFlagSpecs,
} from "./operator_config.ts";
import { limitProblems, parseConfigYaml, readConfigText } from "./_yaml.ts";

/** Settings that failed to load, with one line per problem. */
export class OperatorConfigError extends ReasonError<"InvalidConfig"> {
  /** Each problem as `source: path: message`. */
  readonly problems: string[];

  constructor(problems: string[], options?: ErrorOptions) {
    super(
      "InvalidConfig",
      `Invalid operator settings:\n  ${limitProblems(problems).join("\n  ")}`,
      options,
    );
    this.problems = problems;
  }
}

/** The command line, parsed but not yet validated. */
export interface OperatorCommandLine {
  help: boolean;
  version: boolean;
  /** `--config`: a YAML file of settings. */
  configPath?: string;
  /** The setting flags given, by flag name: their text, or a boolean for a bool flag. */
  flags: Record<string, string | boolean>;
}

/** Options of the loader. */
export interface OperatorLoadOptions {
  /** Environment; only `OPERATOR_*` variables are read. Default: none. */
  env?: Record<string, string>;
}

/** Flags that are not settings. */
const COMMAND_FLAGS = {
  config: { kind: "string", help: "A YAML file of settings (its keys: docs/operator-config.md)" },
  version: { kind: "bool", default: false, help: "Print the version and exit" },
  help: { kind: "bool", default: false, help: "Print this help" },
} satisfies Record<string, FlagSpec>;

const BY_FLAG = new Map(OPERATOR_SETTINGS.map((s) => [s.flag, s]));
const BY_ENV = new Map(OPERATOR_SETTINGS.map((s) => [s.env, s]));

/**
 * Names Kubernetes gives the variables of a Service's link (`<SERVICE>_SERVICE_HOST`,
 * `<SERVICE>_PORT_8080_TCP`…): a Service named `operator…` in the pod's namespace makes
 * `OPERATOR_*` variables that are not meant for the operator, so they are skipped.
 */
const SERVICE_LINK =
  /_(SERVICE_HOST|SERVICE_PORT(_\w+)?|PORT(_\d+_(TCP|UDP|SCTP)(_(PROTO|PORT|ADDR))?)?)$/;

/** Help text: every flag with its default, and how variables and the file set the same. */
export function operatorUsage(): string {
  return [
    "Usage: operator [flags]",
    "",
    flagHelp({ ...settingFlagSpecs(), ...COMMAND_FLAGS }),
    "",
    "Every setting flag can also be set in the --config file (YAML) or by a variable:",
    `${ENV_PREFIX} and the flag's name in upper case, _ for - (${envName("log-level")}). A flag`,
    "wins over a variable, a variable over the file. Every key: docs/operator-config.md.",
  ].join("\n");
}

/** Parses the command line; throws FlagError for an unknown flag or a flag without its value. */
export function parseOperatorCommandLine(args: string[]): OperatorCommandLine {
  // Setting flags are read as text (bool flags as booleans): the schema checks their values,
  // so every bad value is reported at once, with the same messages as the other sources.
  const settingSpecs = Object.fromEntries(
    OPERATOR_SETTINGS.map((s): [string, FlagSpec] => [
      s.flag,
      { kind: s.kind === "bool" ? "bool" : "string", help: s.description },
    ]),
  );
  const { values, positional } = parseFlags(args, { ...settingSpecs, ...COMMAND_FLAGS });
  if (positional.length > 0) {
    throw new FlagError(
      "UnexpectedArgument",
      `the operator takes no arguments, only flags (see --help)`,
    );
  }
  const flags: Record<string, string | boolean> = {};
  for (const flag of BY_FLAG.keys()) {
    const value = values[flag];
    if (typeof value === "string" || typeof value === "boolean") flags[flag] = value;
  }
  const config = values.config;
  return {
    help: values.help === true,
    version: values.version === true,
    ...(typeof config === "string" ? { configPath: config } : {}),
    flags,
  };
}

/** Validates the settings of a command line; throws OperatorConfigError listing every problem. */
export async function loadOperatorConfig(
  commandLine: OperatorCommandLine,
  options: OperatorLoadOptions = {},
): Promise<OperatorConfig> {
  const layers = [
    ...(commandLine.configPath === undefined ? [] : [await fileLayer(commandLine.configPath)]),
    envLayer(options.env ?? {}),
    flagLayer(commandLine.flags),
  ];
  const problems = layers.flatMap((layer) => [...layer.problems, ...layerIssues(layer)]);
  const merged = layers.reduce<Doc>((doc, layer) => mergeDocs(doc, layer.doc), {});
  const result = OperatorConfig.safeParse(merged);
  // Each layer passed on its own, so what fails now spans layers (a key none of them set).
  if (!result.success && problems.length === 0) problems.push(...formatIssues(result.error.issues));
  if (result.success) problems.push(...leaseTimingProblems(result.data));
  if (problems.length > 0 || !result.success) throw new OperatorConfigError(problems);
  return result.data;
}

/**
 * client-go's rules for the Lease timing, checked on the merged settings since the three values
 * may come from different layers: the leader must stop (renew deadline) before a standby may
 * take over (lease duration), and retry at least once within the deadline.
 */
function leaseTimingProblems(config: OperatorConfig): string[] {
  const { leaseDuration, renewDeadline, retryPeriod } = config.leaderElection;
  const named = (key: string) => {
    const s = OPERATOR_SETTINGS.find((s) => s.key === key)!;
    return `${s.key} (--${s.flag}, ${s.env})`;
  };
  const problems: string[] = [];
  if (renewDeadline >= leaseDuration) {
    problems.push(
      `${named("leaderElection.renewDeadline")}: must be shorter than leaderElection.leaseDuration`,
    );
  }
  if (retryPeriod >= renewDeadline) {
    problems.push(
      `${named("leaderElection.retryPeriod")}: must be shorter than leaderElection.renewDeadline`,
    );
  }
  return problems;
}

type Doc = Record<string, unknown>;

/** One source of settings: the keys it sets, and how its problems name it. */
interface Layer {
  doc: Doc;
  /** Problems found before validation (unreadable file, unknown variable). */
  problems: string[];
  /** A validation issue as a line naming this source. */
  describe(issue: z.core.$ZodIssue): string[];
}

async function fileLayer(path: string): Promise<Layer> {
  const layer = (doc: Doc, problems: string[]): Layer => ({
    doc,
    problems: problems.map((p) => `${path}: ${p}`),
    describe: (issue) => formatIssues([issue]).map((line) => `${path}: ${line}`),
  });
  const read = await readConfigText(path);
  if (read.problem !== undefined) return layer({}, [read.problem]);
  const parsed = parseConfigYaml(read.text);
  if (parsed.problems !== undefined) return layer({}, parsed.problems);
  // An empty file (or one of comments only) sets nothing.
  const doc: unknown = parsed.value ?? {};
  if (!isDoc(doc)) return layer({}, ["the file must contain a YAML mapping of settings"]);
  return layer(doc, []);
}

function envLayer(env: Record<string, string>): Layer {
  const doc: Doc = {};
  const problems: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(ENV_PREFIX)) continue;
    const setting = BY_ENV.get(name);
    if (setting !== undefined) setPath(doc, setting.path, fromText(value, setting.kind));
    else if (!SERVICE_LINK.test(name)) {
      problems.push(`${name}: unknown variable (known: ${[...BY_ENV.keys()].join(", ")})`);
    }
  }
  return { doc, problems, describe: settingIssue((s) => s.env) };
}

function flagLayer(flags: Record<string, string | boolean>): Layer {
  const doc: Doc = {};
  for (const [flag, value] of Object.entries(flags)) {
    const setting = BY_FLAG.get(flag);
    if (setting === undefined) throw new TypeError(`--${flag} is not a setting flag`);
    setPath(doc, setting.path, typeof value === "boolean" ? value : fromText(value, setting.kind));
  }
  return { doc, problems: [], describe: settingIssue((s) => `--${s.flag}`) };
}

/** Names an issue of the env or flag layer by the variable or flag that set the value. */
function settingIssue(name: (s: OperatorSetting) => string) {
  return (issue: z.core.$ZodIssue): string[] => {
    const key = issue.path.join(".");
    const setting = OPERATOR_SETTINGS.find((s) => s.key === key);
    return setting ? [`${name(setting)}: ${issue.message}`] : formatIssues([issue]);
  };
}

/** The layer's problems: its values validated alone, over the defaults. */
function layerIssues(layer: Layer): string[] {
  const result = OperatorConfig.safeParse(layer.doc);
  if (result.success) return [];
  // A key this layer does not set (a required one) is not this layer's problem.
  return result.error.issues
    .filter((issue) => valueAt(layer.doc, issue.path) !== undefined)
    .flatMap((issue) => layer.describe(issue));
}

/** A flag's or variable's text as the value a YAML file would hold; the schema judges it. */
function fromText(text: string, kind: FlagKind): unknown {
  switch (kind) {
    case "int":
      return /^[-+]?\d+$/.test(text) ? Number(text) : text;
    case "number":
      return /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text) ? Number(text) : text;
    case "bool":
      return text === "true" ? true : text === "false" ? false : text;
    default:
      return text;
  }
}

function setPath(doc: Doc, path: readonly string[], value: unknown): void {
  let node = doc;
  for (const key of path.slice(0, -1)) {
    const current = node[key];
    const next: Doc = isDoc(current) ? current : {};
    node[key] = next;
    node = next;
  }
  node[path[path.length - 1]] = value;
}

function valueAt(doc: unknown, path: readonly PropertyKey[]): unknown {
  let node = doc;
  for (const key of path) {
    if (!isDoc(node)) return undefined;
    node = node[String(key)];
  }
  return node;
}

/** `over` merged into `base`, mappings key by key; neither is changed. */
function mergeDocs(base: Doc, over: Doc): Doc {
  const out: Doc = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = out[key];
    out[key] = isDoc(current) && isDoc(value) ? mergeDocs(current, value) : value;
  }
  return out;
}

function isDoc(value: unknown): value is Doc {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
