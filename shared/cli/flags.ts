/**
 * A small flag parser for Go-style flags (`--name=value`, `--name value`, `--flag`,
 * `--flag=false`), strict: an unknown flag or a bad value is an error naming it.
 * @module
 */

import { ReasonError } from "../errors/reason_error.ts";

/** The kinds of flag values. */
export type FlagKind = "string" | "int" | "number" | "bool";

/** One flag: its kind, default and help text. */
export interface FlagSpec {
  kind: FlagKind;
  default?: string | number | boolean;
  help: string;
}

/** Parsed flag values by name. */
export type FlagValues = Record<string, string | number | boolean | undefined>;

/** Why a command line was refused. */
export type FlagErrorReason =
  | "UnknownFlag"
  | "MissingValue"
  | "InvalidValue"
  | "UnexpectedArgument";

/** A command-line mistake, with a message naming the flag. */
export class FlagError extends ReasonError<FlagErrorReason> {}

/** Parses `args` against `specs`; returns values and positional arguments. */
export function parseFlags(
  args: string[],
  specs: Record<string, FlagSpec>,
): { values: FlagValues; positional: string[] } {
  const values: FlagValues = {};
  for (const [name, spec] of Object.entries(specs)) values[name] = spec.default;
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!arg.startsWith("-") || arg === "-") {
      positional.push(arg);
      continue;
    }
    const [rawName, inline] = splitOnce(arg.replace(/^--?/, ""), "=");
    const spec = specs[rawName];
    if (!spec) throw new FlagError("UnknownFlag", `unknown flag --${rawName} (see --help)`);
    let text = inline;
    if (text === undefined && spec.kind !== "bool") {
      text = args[++i];
      if (text === undefined) {
        throw new FlagError("MissingValue", `flag --${rawName} needs a value`);
      }
    }
    values[rawName] = convert(rawName, spec.kind, text);
  }
  return { values, positional };
}

function splitOnce(s: string, sep: string): [string, string | undefined] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, undefined] : [s.slice(0, i), s.slice(i + 1)];
}

function convert(
  name: string,
  kind: FlagKind,
  text: string | undefined,
): string | number | boolean {
  switch (kind) {
    case "bool":
      if (text === undefined || text === "true") return true;
      if (text === "false") return false;
      throw new FlagError("InvalidValue", `flag --${name}: "${text}" is not true or false`);
    case "int":
      if (!/^-?\d+$/.test(text!)) {
        throw new FlagError("InvalidValue", `flag --${name}: "${text}" is not an integer`);
      }
      return Number(text);
    case "number":
      if (!Number.isFinite(Number(text)) || text === "") {
        throw new FlagError("InvalidValue", `flag --${name}: "${text}" is not a number`);
      }
      return Number(text);
    default:
      return text!;
  }
}

/** Help text listing every flag with its default. */
export function flagHelp(specs: Record<string, FlagSpec>): string {
  return Object.entries(specs).map(([name, spec]) => {
    const def = spec.default === undefined ? "" : ` (default ${JSON.stringify(spec.default)})`;
    return `  --${name}${spec.kind === "bool" ? "" : ` <${spec.kind}>`}\n      ${spec.help}${def}`;
  }).join("\n");
}
