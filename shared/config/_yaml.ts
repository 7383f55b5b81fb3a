/**
 * Reads a config file's YAML within fixed limits, for both loaders (`load.ts`, `operator_load.ts`).
 *
 * A config file is small and written by people, so anything far outside that is refused with one
 * problem naming what is wrong and where, before it can cost time, memory or the stack: files over
 * 1 MiB, nesting deeper than 64 levels, more than 32 aliases, more than 20,000 values (aliases
 * counted at every use) or 100,000 tokens. Aliases are allowed, within their limit, because Go's
 * YAML reader (Ponos) reads them; each use is a copy, so no two keys share an object.
 *
 * Problems never quote the file's text, since it holds keys and passwords: a syntax error is
 * reported by the `yaml` package's code with a fixed description, line and column.
 * @module
 */

import YAML, { isAlias, isMap, isScalar, isSeq, Lexer, LineCounter, type Node } from "yaml";

/** The limits a config file must stay within. */
export const CONFIG_LIMITS = {
  /** Largest file, in bytes. */
  maxBytes: 1024 * 1024,
  /** Deepest nesting of mappings and lists; the top-level mapping is level 1. */
  maxDepth: 64,
  /** Most aliases (`*name`) in one file. */
  maxAliases: 32,
  /** Most values (scalars, mappings, lists), each alias counted at every use. */
  maxValues: 20_000,
  /**
   * Most YAML tokens (values, indicators, spaces, comments). Counting them costs a tenth of the
   * parse that follows, which a megabyte of `[` or `- ` would otherwise make take seconds.
   */
  maxTokens: 100_000,
  /** Problems listed in an error message; the rest are counted. */
  maxProblems: 20,
  /** Longest problem line in an error message. */
  maxProblemLength: 400,
} as const;

/** A parsed document, or the problems that stopped it. */
export type YamlResult = { value: unknown; problems?: undefined } | { problems: string[] };

/** The text of a config file, or the one problem that stopped reading it. */
export type ReadResult = { text: string; problem?: undefined } | {
  problem: string;
  cause?: unknown;
};

/** Tags of YAML 1.2's core schema; any other tag is refused. */
const CORE_TAGS = new Set(
  ["str", "int", "float", "bool", "null", "map", "seq"].map((t) => `tag:yaml.org,2002:${t}`),
);

/** What each of the `yaml` package's error codes means, in words that quote nothing. */
const YAML_CODES: Record<string, string> = {
  ALIAS_PROPS: "an alias cannot have an anchor or a tag",
  BAD_ALIAS: "an invalid alias or anchor",
  BAD_COLLECTION_TYPE: "a tag that does not fit its mapping or list",
  BAD_DIRECTIVE: "an invalid % directive",
  BAD_DQ_ESCAPE: "an invalid escape sequence in a double-quoted string",
  BAD_INDENT: "bad indentation",
  BAD_PROP_ORDER: "an anchor or tag in the wrong place",
  BAD_SCALAR_START: "a value that cannot start with this character unless quoted",
  BLOCK_AS_IMPLICIT_KEY: "a nested block where a key was expected",
  BLOCK_IN_FLOW: "block syntax inside [ ] or { }",
  DUPLICATE_KEY: "a duplicate key",
  IMPOSSIBLE: "an unreadable structure",
  KEY_OVER_1024_CHARS: "a key longer than 1024 characters",
  MISSING_CHAR: "a missing character (a closing quote or bracket, a comma or a colon)",
  MULTILINE_IMPLICIT_KEY: "a key that spans lines",
  MULTIPLE_ANCHORS: "more than one anchor on a value",
  MULTIPLE_DOCS: "more than one document (---); a config file holds one",
  MULTIPLE_TAGS: "more than one tag on a value",
  NON_STRING_KEY: "a key that is not a string",
  RESOURCE_EXHAUSTION: `nested deeper than ${CONFIG_LIMITS.maxDepth} levels`,
  TAB_AS_INDENT: "a tab used as indentation",
  TAG_RESOLVE_FAILED: "an unknown tag",
  UNEXPECTED_TOKEN: "an unexpected character or token",
};

/** `1.5 MiB (1572864 bytes)`. */
export function formatSize(bytes: number): string {
  const mib = bytes / CONFIG_LIMITS.maxBytes;
  const short = mib >= 0.1 ? `${Number(mib.toFixed(1))} MiB` : `${Math.ceil(bytes / 1024)} KiB`;
  return `${short} (${bytes} bytes)`;
}

const TOO_BIG = (size: string) =>
  `the file is ${size}; a config file may be at most ${formatSize(CONFIG_LIMITS.maxBytes)}`;

/** Reads a config file, refusing one over the size limit without reading all of it. */
export async function readConfigText(path: string): Promise<ReadResult> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path);
  } catch (err) {
    return { problem: cannotRead(err), cause: err };
  }
  try {
    const { size, isFile } = await file.stat();
    if (isFile && size > CONFIG_LIMITS.maxBytes) return { problem: TOO_BIG(formatSize(size)) };
    // Read at most one byte past the limit: a file may grow, or be a device with no size.
    const bytes = await readAtMost(file, CONFIG_LIMITS.maxBytes + 1);
    if (bytes.length > CONFIG_LIMITS.maxBytes) {
      return { problem: TOO_BIG(`more than ${formatSize(CONFIG_LIMITS.maxBytes)}`) };
    }
    return { text: new TextDecoder().decode(bytes) };
  } catch (err) {
    return { problem: cannotRead(err), cause: err };
  } finally {
    file.close();
  }
}

function cannotRead(err: unknown): string {
  return `cannot read file: ${err instanceof Error ? err.message : String(err)}`;
}

async function readAtMost(file: Deno.FsFile, limit: number): Promise<Uint8Array> {
  const out = new Uint8Array(limit);
  let length = 0;
  while (length < limit) {
    const n = await file.read(out.subarray(length));
    if (n === null) break;
    length += n;
  }
  return out.subarray(0, length);
}

/**
 * Parses one YAML document within the limits into plain values (a fresh tree: aliases are
 * copied, so no two places share an object). Problems name a line and column, never the text.
 */
export function parseConfigYaml(text: string): YamlResult {
  const bytes = utf8Length(text);
  if (bytes > CONFIG_LIMITS.maxBytes) return { problems: [TOO_BIG(formatSize(bytes))] };
  const lines = new LineCounter();
  const scanned = prescan(text);
  if (scanned !== undefined) return { problems: [scanned] };
  let doc: YAML.Document.Parsed;
  try {
    doc = YAML.parseDocument(text, {
      lineCounter: lines,
      prettyErrors: false,
      // Checked below in one pass; the package's own check is quadratic in a mapping's keys.
      uniqueKeys: false,
      // YAML 1.2's core schema even under a `%YAML 1.1` directive: no dates, sets or binaries.
      version: "1.2",
      schema: "core",
      resolveKnownTags: false,
    });
  } catch (err) {
    return { problems: [`YAML: cannot be read (${errorName(err)})`] };
  }
  const at = (offset: number | undefined) => position(lines, offset);
  if (doc.errors.length > 0) return { problems: syntaxProblems(doc.errors, at) };
  const problems = checkTree(doc, at);
  if (problems.length > 0) return { problems };
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    // The package refuses aliases that expand exponentially (a "billion laughs").
    return { problems: [`YAML: cannot be read (${errorName(err)}): aliases expand too much`] };
  }
  return copyTree(value);
}

/** Control tokens of the `yaml` lexer: not source text. `SCALAR` comes before a value. */
const DOCUMENT = "\x02";
const FLOW_END = "\x18";
const SCALAR = "\x1f";

/**
 * One pass of the `yaml` lexer before parsing: counts tokens and the nesting of `[ ]` and `{ }`,
 * which alone can reach any depth in a few bytes. Block nesting needs its indentation, so a file
 * within the size limit cannot nest blocks deep enough to cost much; the tree check counts it.
 */
function prescan(text: string): string | undefined {
  let tokens = 0;
  let depth = 0;
  let offset = 0;
  let value = false;
  for (const token of new Lexer().lex(text, false)) {
    const source = token !== DOCUMENT && token !== FLOW_END && token !== SCALAR;
    if (source && ++tokens > CONFIG_LIMITS.maxTokens) {
      return `YAML: more than ${CONFIG_LIMITS.maxTokens} tokens (values, punctuation, comments)`;
    }
    if (value) value = false;
    else if (token === SCALAR) value = true;
    else if (token === "[" || token === "{") {
      if (++depth > CONFIG_LIMITS.maxDepth) {
        return `YAML: nested deeper than ${CONFIG_LIMITS.maxDepth} levels ${
          textPosition(text, offset)
        }`;
      }
    } else if (token === "]" || token === "}") depth = Math.max(0, depth - 1);
    if (source) offset += token.length;
  }
  return undefined;
}

/** The problems of a message: at most `maxProblems` lines of bounded length, then a count. */
export function limitProblems(problems: readonly string[]): string[] {
  const { maxProblems, maxProblemLength } = CONFIG_LIMITS;
  const shown = problems.slice(0, maxProblems).map((p) =>
    p.length > maxProblemLength ? `${p.slice(0, maxProblemLength - 1)}…` : p
  );
  const more = problems.length - shown.length;
  return more > 0 ? [...shown, `… and ${more} more problem${more === 1 ? "" : "s"}`] : shown;
}

function syntaxProblems(
  errors: readonly YAML.YAMLError[],
  at: (offset: number | undefined) => string,
): string[] {
  // A stack overflow shows up once per level; one line says it.
  const deep = errors.find((e) => e.code === "RESOURCE_EXHAUSTION");
  const shown = deep ? [deep] : errors;
  const lines = shown.map((e) =>
    `YAML: ${YAML_CODES[e.code] ?? "a syntax error"} ${at(e.pos[0])} [${e.code}]`
  );
  return [...new Set(lines)];
}

/**
 * Walks the document without recursion: depth, aliases, tags, keys (scalars, unique), values.
 * Stops at the first problem of a kind that could make the rest of the walk costly.
 */
function checkTree(doc: YAML.Document.Parsed, at: (offset?: number) => string): string[] {
  const problems: string[] = [];
  const stack: { node: unknown; depth: number }[] = [{ node: doc.contents, depth: 1 }];
  let aliases = 0;
  let values = 0;
  while (stack.length > 0) {
    const { node, depth } = stack.pop()!;
    if (node === null || node === undefined) continue;
    const where = at((node as Node).range?.[0]);
    if (++values > CONFIG_LIMITS.maxValues) {
      return [`YAML: more than ${CONFIG_LIMITS.maxValues} values`];
    }
    const tag = (node as Node).tag;
    if (tag !== undefined && !CORE_TAGS.has(tag)) {
      problems.push(
        `YAML: an unsupported tag ${where} (only !!str, !!int, !!float, !!bool, ` +
          `!!null, !!map and !!seq)`,
      );
    }
    if (isAlias(node)) {
      if (++aliases > CONFIG_LIMITS.maxAliases) {
        return [
          `YAML: more than ${CONFIG_LIMITS.maxAliases} aliases (*name); write the values out`,
        ];
      }
      if (node.resolve(doc) === undefined) {
        problems.push(`YAML: an alias whose anchor (&name) is not defined before it ${where}`);
      }
    } else if (isMap(node) || isSeq(node)) {
      if (depth > CONFIG_LIMITS.maxDepth) {
        return [`YAML: nested deeper than ${CONFIG_LIMITS.maxDepth} levels ${where}`];
      }
      if (isMap(node)) problems.push(...keyProblems(node, at));
      for (const item of node.items) {
        stack.push({ node: isSeq(node) ? item : (item as YAML.Pair).value, depth: depth + 1 });
      }
    }
  }
  return problems;
}

/** Keys must be plain values (not lists, mappings or aliases) and unique within their mapping. */
function keyProblems(map: YAML.YAMLMap, at: (offset?: number) => string): string[] {
  const problems: string[] = [];
  const seen = new Map<string, string>();
  for (const { key } of map.items) {
    const where = at((key as Node | null)?.range?.[0] ?? map.range?.[0]);
    if (key !== null && !isScalar(key)) {
      problems.push(`YAML: a key that is a list, mapping or alias ${where}; keys are plain values`);
      continue;
    }
    const name = key === null ? "" : String(key.value);
    const first = seen.get(name);
    if (first !== undefined) {
      problems.push(`YAML: a duplicate key ${where} (keys must be unique; first ${first})`);
    } else seen.set(name, where);
  }
  return problems;
}

/**
 * A fresh copy of the converted document, iteratively: aliases become copies (cycles, an alias
 * inside its own anchor, end at the depth limit), counted against the value limit.
 */
function copyTree(root: unknown): YamlResult {
  const out: { value: unknown } = { value: undefined };
  const stack: { from: unknown; into: Record<string, unknown>; key: string; depth: number }[] = [
    { from: root, into: out as Record<string, unknown>, key: "value", depth: 1 },
  ];
  let values = 0;
  while (stack.length > 0) {
    const { from, into, key, depth } = stack.pop()!;
    if (++values > CONFIG_LIMITS.maxValues) {
      return {
        problems: [`YAML: more than ${CONFIG_LIMITS.maxValues} values once aliases expand`],
      };
    }
    const isList = Array.isArray(from);
    if (!isList && !isPlainObject(from)) {
      setKey(into, key, from);
      continue;
    }
    if (depth > CONFIG_LIMITS.maxDepth) {
      return { problems: [`YAML: nested deeper than ${CONFIG_LIMITS.maxDepth} levels (aliases)`] };
    }
    const copy: Record<string, unknown> = isList ? [] as unknown as Record<string, unknown> : {};
    setKey(into, key, copy);
    // Pushed last to first, so that keys are set in the file's order.
    const entries = Object.entries(from);
    for (let i = entries.length - 1; i >= 0; i--) {
      stack.push({ from: entries[i][1], into: copy, key: entries[i][0], depth: depth + 1 });
    }
  }
  return { value: out.value };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Sets a key, including `__proto__` as an ordinary key (as the `yaml` package does). */
function setKey(into: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") {
    Object.defineProperty(into, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else into[key] = value;
}

function position(lines: LineCounter, offset: number | undefined): string {
  if (offset === undefined || offset < 0) return "(position unknown)";
  const { line, col } = lines.linePos(offset);
  return `at line ${line}, column ${col}`;
}

/** Line and column of an offset, counted in the text (once, for an error). */
function textPosition(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split("\n").length;
  return `at line ${line}, column ${offset - before.lastIndexOf("\n")}`;
}

function errorName(err: unknown): string {
  return err instanceof Error ? err.name : typeof err;
}

/** UTF-8 length of a string without encoding it (a lone surrogate counts as U+FFFD). */
function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c < 0xdc00 && isLowSurrogate(text.charCodeAt(i + 1))) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c < 0xe000;
}
