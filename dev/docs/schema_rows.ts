/**
 * Turns a JSON schema (zod's `z.toJSONSchema` output, or the CRD's structural OpenAPI schema)
 * into one documentation row per key path: `avsPerformers[].image.tag`, with its type, whether
 * it is required or what it defaults to, its validation rules and its description. The rows come
 * from the schema itself, so the reference cannot drift from what the code accepts.
 * @module
 */

import { DURATION_BOUNDS_KEY } from "../../shared/config/duration.ts";
import { code } from "./markdown.ts";

/** A JSON-schema node. */
export type SchemaNode = { [key: string]: unknown };

/** One documented key. Every field but `path` and `description` is Markdown already. */
export interface KeyRow {
  /** `a.b[].c`; `[]` marks list items. */
  path: string;
  /** `string`, `int32`, `[]object`, `map[string]string`, `duration`… */
  type: string;
  /** `required`, `optional`, or `default` and the value. */
  presence: string;
  /** Validation rules: enum, pattern, bounds (of durations too), CEL. */
  rules: string[];
  /** The schema's description (plain text). */
  description: string;
}

/** A subtree documented by one row (e.g. a Kubernetes core type) instead of key by key. */
export interface Collapse {
  type: string;
  /** Appended to the row's description, e.g. where the subtree is documented. */
  note: string;
}

/** Options of `schemaRows`. */
export interface WalkOptions {
  /** Asked for every key; a Collapse stops the walk at that key. */
  collapse?: (node: SchemaNode, path: string) => Collapse | undefined;
  /** A more precise name for a scalar (e.g. `duration` for a pattern); its pattern is not listed. */
  namedType?: (node: SchemaNode) => string | undefined;
}

const SAFE_BOUNDS = new Set([Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER]);
const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/** The rows of every key below `root`, depth first, paths prefixed with `prefix`. */
export function schemaRows(root: SchemaNode, prefix = "", options: WalkOptions = {}): KeyRow[] {
  const rows: KeyRow[] = [];
  walkChildren(root, prefix, options, rows);
  return rows;
}

/** Rows for the keys below `node`: object properties, union forms, list items or map values. */
function walkChildren(node: SchemaNode, path: string, options: WalkOptions, rows: KeyRow[]) {
  const forms = objectForms(node);
  if (isNode(node.properties)) {
    const required = new Set(strings(node.required));
    for (const [key, child] of Object.entries(node.properties)) {
      visit(asNode(child), join(path, key), required.has(key) ? "required" : "optional");
    }
  } else if (forms) {
    for (const [key, field] of formFields(forms)) {
      visit(field.node, join(path, key), field.presence);
    }
  } else if (node.type === "array" && isNode(node.items)) {
    walkChildren(node.items, `${path}[]`, options, rows);
  } else if (isNode(node.additionalProperties)) {
    walkChildren(node.additionalProperties, `${path}.<key>`, options, rows);
  }

  function visit(child: SchemaNode, childPath: string, presence: string) {
    const collapsed = options.collapse?.(child, childPath);
    rows.push({
      path: childPath,
      type: collapsed?.type ?? typeOf(child, options),
      presence: child.default === undefined ? presence : `default ${code(json(child.default))}`,
      rules: collapsed ? [] : rulesOf(child, options),
      description: [str(child.description), collapsed?.note].filter(Boolean).join(" "),
    });
    if (!collapsed) walkChildren(child, childPath, options, rows);
  }
}

/** The object alternatives of an `anyOf` of objects (e.g. two shapes of a key), else undefined. */
function objectForms(node: SchemaNode): SchemaNode[] | undefined {
  if (node["x-kubernetes-int-or-string"] === true || !Array.isArray(node.anyOf)) return undefined;
  const forms = node.anyOf.map(asNode);
  return forms.every((f) => isNode(f.properties)) ? forms : undefined;
}

/** The fields of all forms, each with the forms it belongs to ("required in form 2"). */
function formFields(forms: SchemaNode[]): Map<string, { node: SchemaNode; presence: string }> {
  const fields = new Map<string, { node: SchemaNode; presence: string }>();
  forms.forEach((form, i) => {
    const required = new Set(strings(form.required));
    for (const [key, child] of Object.entries(asNode(form.properties))) {
      const here = `${required.has(key) ? "required" : "optional"} in form ${i + 1}`;
      const seen = fields.get(key);
      fields.set(key, {
        node: seen?.node ?? asNode(child),
        presence: seen ? `${seen.presence}; ${here}` : here,
      });
    }
  });
  return fields;
}

/** The type column: Kubernetes' notation (`[]string`, `map[string]string`, `int32`). */
export function typeOf(node: SchemaNode, options: WalkOptions = {}): string {
  const named = options.namedType?.(node);
  if (named) return named;
  if (node["x-kubernetes-int-or-string"] === true) return "int-or-string";
  if (objectForms(node)) return "object";
  if (Array.isArray(node.anyOf)) {
    return node.anyOf.map((n) => typeOf(asNode(n), options)).join(" or ");
  }
  switch (node.type) {
    case "array":
      return `[]${isNode(node.items) ? typeOf(node.items, options) : "any"}`;
    case "object":
      return isNode(node.additionalProperties) && !isNode(node.properties)
        ? `map[string]${typeOf(node.additionalProperties, options)}`
        : "object";
    case "integer":
      return str(node.format) ?? (node.maximum === INT32_MAX ? "int32" : "integer");
    case "string":
      return node.format === "date-time" ? "date-time" : "string";
    default:
      return str(node.type) ?? "any";
  }
}

/** The validation column's rules. */
export function rulesOf(node: SchemaNode, options: WalkOptions = {}): string[] {
  const rules: string[] = [];
  const forms = objectForms(node);
  if (forms) {
    rules.push(
      `one of: ${
        forms.map((f, i) =>
          `form ${i + 1} ${code(`{${Object.keys(asNode(f.properties)).join(", ")}}`)}`
        ).join("; ")
      }`,
    );
  }
  if (node.const !== undefined) rules.push(`must be ${code(json(node.const))}`);
  if (Array.isArray(node.enum)) {
    rules.push(`one of ${node.enum.map((v) => code(String(v))).join(", ")}`);
  }
  if (typeof node.pattern === "string" && !options.namedType?.(node)) {
    rules.push(`pattern ${code(node.pattern)}`);
  }
  pushRange(
    rules,
    lengthBounds(node),
    (min, max) => min === 1 && max === undefined ? "non-empty" : range(min, max, "characters"),
  );
  pushRange(rules, numberBounds(node), (min, max) => range(min, max));
  const above = num(node.exclusiveMinimum);
  const below = num(node.exclusiveMaximum);
  if (above !== undefined) rules.push(`greater than ${above}`);
  if (below !== undefined) rules.push(`less than ${below}`);
  pushRange(
    rules,
    [num(node.minItems), num(node.maxItems)],
    (min, max) => range(min, max, "items"),
  );
  for (const rule of validations(node)) rules.push(rule);
  const durations = asNode(node[DURATION_BOUNDS_KEY]);
  if (typeof durations.min === "string" && typeof durations.max === "string") {
    rules.push(`${code(durations.min)} to ${code(durations.max)}`);
  }
  if (node["x-kubernetes-list-type"] === "map") {
    rules.push(
      `list map keyed by ${strings(node["x-kubernetes-list-map-keys"]).map(code).join(", ")}`,
    );
  }
  return rules;
}

function lengthBounds(node: SchemaNode): [number | undefined, number | undefined] {
  return [num(node.minLength), num(node.maxLength)];
}

/** Numeric bounds that say something: not the safe-integer or int32 limits zod adds by itself. */
function numberBounds(node: SchemaNode): [number | undefined, number | undefined] {
  const min = num(node.minimum);
  const max = num(node.maximum);
  const implicit = (v: number | undefined) =>
    v === undefined || SAFE_BOUNDS.has(v) || v === INT32_MIN || v === INT32_MAX;
  return [implicit(min) ? undefined : min, implicit(max) ? undefined : max];
}

function pushRange(
  rules: string[],
  [min, max]: [number | undefined, number | undefined],
  render: (min: number | undefined, max: number | undefined) => string,
): void {
  if (min !== undefined || max !== undefined) rules.push(render(min, max));
}

function range(min: number | undefined, max: number | undefined, unit = ""): string {
  // "at least 1 item", "1 to 316 characters": the unit is singular only for exactly one.
  const one = max === 1 || (max === undefined && min === 1);
  const suffix = unit ? ` ${one ? unit.replace(/s$/, "") : unit}` : "";
  if (min !== undefined && max !== undefined) return `${min} to ${max}${suffix}`;
  return min !== undefined ? `at least ${min}${suffix}` : `at most ${max}${suffix}`;
}

/** CEL rules (`x-kubernetes-validations`) with their messages. */
function validations(node: SchemaNode): string[] {
  const list = Array.isArray(node["x-kubernetes-validations"])
    ? node["x-kubernetes-validations"]
    : [];
  return list.map(asNode).map((v) => `CEL ${code(String(v.rule))}: ${str(v.message) ?? ""}`.trim());
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

/** JSON for a default or const value (strings bare, as a user writes them in YAML). */
function json(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

function isNode(value: unknown): value is SchemaNode {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function asNode(value: unknown): SchemaNode {
  return isNode(value) ? value : {};
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

function str(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

function num(value: unknown): number | undefined {
  return typeof value === "number" ? value : undefined;
}
