/**
 * `docs/performer-api.md`: the Performer resource as the API server sees it, generated from the
 * same source as the CRD (`openApiSchema` over the zod schemas of `shared/api/performer.ts`):
 * names, printer columns, and every spec and status field with its validation.
 * @module
 */

import { Affinity } from "../../shared/api/core_types.ts";
import { openApiSchema, performerCrd } from "../../shared/api/crd.ts";
import {
  CONDITION_TYPES,
  PerformerSpec,
  PerformerStatus,
  PRINTER_COLUMNS,
  ROOT_VALIDATIONS,
} from "../../shared/api/performer.ts";
import { bullet, code, generatedHeader, paragraph, table, text } from "./markdown.ts";
import { type KeyRow, type SchemaNode, schemaRows } from "./schema_rows.ts";

/** Path of the generated file, relative to the repository root. */
export const PERFORMER_API_DOC = "docs/performer-api.md";

const AFFINITY_REFERENCE =
  "https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#scheduling";

/** One row per spec field (`spec.…`), from the CRD's schema. */
export function specRows(): KeyRow[] {
  const affinity = JSON.stringify(openApiSchema(Affinity));
  return schemaRows(openApiSchema(PerformerSpec), "spec", {
    // core/v1 Affinity is Kubernetes' own type, passed to the pod unchanged: link, do not copy.
    collapse: (node) =>
      JSON.stringify(node) === affinity
        ? {
          type: "object",
          note: `Keys: nodeAffinity, podAffinity, podAntiAffinity, as in the ` +
            `[Pod API](${AFFINITY_REFERENCE}).`,
        }
        : undefined,
  });
}

/** One row per status field (`status.…`), from the CRD's schema. */
export function statusRows(): KeyRow[] {
  return schemaRows(openApiSchema(PerformerStatus), "status");
}

/** Renders docs/performer-api.md. */
export function renderPerformerApiDoc(): string {
  return [
    generatedHeader("shared/api/performer.ts (the source of the CRD)"),
    "",
    "# Performer API reference",
    "",
    paragraph(
      "A `Performer` asks the operator for one performer pod behind a stable Service. The CRD " +
        "(`crds/hourglass.eigenlayer.io_performers.yaml`) is generated from the same schema " +
        "as this page.",
    ),
    "",
    "## Resource",
    "",
    resourceTable(),
    "",
    paragraph(
      "Use a DNS-1123 label as `metadata.name` (lower-case letters, digits and `-`): the " +
        "operator names the Service `performer-<name>`, and a Service name must be such a label " +
        "of at most 63 characters. The API server checks the length:",
    ),
    "",
    ...ROOT_VALIDATIONS.map((v) => bullet(`CEL ${code(v.rule)}: ${text(v.message)}`)),
    "",
    "## Columns of `kubectl get performers`",
    "",
    table(
      ["Column", "Type", "JSON path"],
      PRINTER_COLUMNS.map((c) => [c.name, c.type, code(c.jsonPath)]),
    ),
    "",
    "## spec",
    "",
    paragraph(
      "Written by users, or by the executor in kubernetes mode. `a[].b` is field `b` of every " +
        "item of list `a`; `<key>` stands for any map key.",
    ),
    "",
    fieldTable(specRows()),
    "",
    "## status",
    "",
    paragraph(
      "Written by the operator through the status subresource. Condition types: " +
        `${CONDITION_TYPES.map((t) => code(t)).join(", ")}.`,
    ),
    "",
    fieldTable(statusRows()),
    "",
  ].join("\n");
}

function fieldTable(rows: KeyRow[]): string {
  return table(
    ["Field", "Type", "Required / default", "Validation", "Description"],
    rows.map((r) => [
      code(r.path),
      code(r.type),
      r.presence,
      r.rules.join("; "),
      text(r.description),
    ]),
  );
}

function resourceTable(): string {
  const crd = performerCrd() as SchemaNode & {
    metadata: { name: string };
    spec: {
      group: string;
      scope: string;
      names: { kind: string; plural: string; singular: string; shortNames: string[] };
      versions: { name: string; subresources: Record<string, unknown> }[];
    };
  };
  const { spec } = crd;
  const names = spec.names as typeof spec.names & { categories: string[] };
  const rows = [
    ["CRD", code(crd.metadata.name)],
    ["apiVersion", code(`${spec.group}/${spec.versions[0].name}`)],
    ["kind", code(names.kind)],
    ["plural / singular", `${code(names.plural)} / ${code(names.singular)}`],
    ["short names", names.shortNames.map((n) => code(n)).join(", ")],
    ["categories", names.categories.map((n) => code(n)).join(", ")],
    ["scope", spec.scope],
    ["subresources", Object.keys(spec.versions[0].subresources).map((n) => code(n)).join(", ")],
  ];
  return table(["", "Value"], rows);
}
