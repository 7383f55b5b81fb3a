/**
 * `docs/operator-config.md`: every setting of the operator with its flag, `OPERATOR_*` variable
 * and config-file key, from `shared/config/operator_config.ts` (the schema the operator validates
 * with and the flag table), and an example file of the defaults.
 * @module
 */

import { z } from "zod";
import { OPERATOR_SETTINGS, OperatorConfig } from "../../shared/config/operator_config.ts";
import { configLimitsText } from "./config_limits.ts";
import { bullet, code, generatedHeader, paragraph, table, text } from "./markdown.ts";
import { type KeyRow, type SchemaNode, schemaRows } from "./schema_rows.ts";

/** Path of the generated file, relative to the repository root. */
export const OPERATOR_CONFIG_DOC = "docs/operator-config.md";

/** One row per key of the settings (sections included), from the schema's input side. */
export function operatorConfigRows(): KeyRow[] {
  const { $schema: _, ...root } = z.toJSONSchema(OperatorConfig, {
    io: "input",
    unrepresentable: "throw",
  });
  return schemaRows(root as SchemaNode);
}

/** Renders docs/operator-config.md. */
export function renderOperatorConfigDoc(): string {
  const rows = new Map(operatorConfigRows().map((r) => [r.path, r]));
  const settings = OPERATOR_SETTINGS.map((s) => {
    const row = rows.get(s.key);
    if (row === undefined) throw new Error(`No schema row for operator setting ${s.key}`);
    return [
      code(`--${s.flag}`),
      code(s.env),
      code(s.key),
      code(row.type),
      s.default === undefined ? "unset" : code(String(s.default)),
      row.rules.join("; "),
      text(s.description),
    ];
  });
  return [
    generatedHeader("shared/config/operator_config.ts"),
    "",
    "# Operator configuration reference",
    "",
    INTRO,
    "",
    "## Settings",
    "",
    table(
      ["Flag", "Variable", "Config key", "Type", "Default", "Validation", "Description"],
      settings,
    ),
    "",
    "## Example file",
    "",
    paragraph("Every key at its default; the commented keys are unset by default."),
    "",
    "```yaml",
    ...exampleFile(),
    "```",
    "",
  ].join("\n");
}

/** The config file with every key at its default, sections as nested mappings. */
function exampleFile(): string[] {
  const lines: string[] = [];
  let section = "";
  for (const s of OPERATOR_SETTINGS) {
    const parent = s.path.slice(0, -1).join(".");
    if (parent !== section && parent !== "") lines.push(`${parent}:`);
    section = parent;
    const indent = "  ".repeat(s.path.length - 1);
    const key = s.path[s.path.length - 1];
    lines.push(
      s.default === undefined
        ? `${indent}# ${key}: (unset)`
        : `${indent}${key}: ${JSON.stringify(s.default)}`,
    );
  }
  return lines;
}

const INTRO = [
  paragraph(
    "The operator takes its settings from flags, from `OPERATOR_*` environment variables and " +
      "from an optional YAML file (`--config <file>`), and validates them with one schema " +
      "(`shared/config/operator_config.ts`). Each setting has all three names, below.",
  ),
  "",
  bullet(
    "Precedence: a flag wins over a variable, a variable over the file, the file over the " +
      "default.",
  ),
  bullet(
    "Flags are Go-style: `--name=value` or `--name value`; a bool flag alone means true " +
      "(`--leader-elect`), `--leader-elect=false` turns it off. A variable's name is " +
      "`OPERATOR_` and the flag's name in upper case, `_` for `-`. The file's keys are camelCase, " +
      "with the sections `leaderElection` and `kubeApi`.",
  ),
  bullet(
    "Unknown flags, unknown keys of the file (at every level) and unknown `OPERATOR_*` " +
      "variables are errors. Variables of a Kubernetes Service link (`OPERATOR_SERVICE_HOST`, " +
      "`OPERATOR_PORT_…`, from a Service whose name starts with `operator`) are not read.",
  ),
  bullet(
    "Every source is checked in full, also values a later source overrides, and every problem " +
      "is reported at once, naming its source and never echoing a value: " +
      "`--concurrency: must be ≥ 1`, `OPERATOR_LOG_LEVEL: …`, `config.yaml: leaderElection.id: …`. " +
      "The operator then exits with code 2, as it does for a malformed command line.",
  ),
  bullet(configLimitsText("The `--config` file")),
  bullet(
    "`--help` lists every flag with its default; `--version` prints the version. The chart " +
      "`hourglass-operator` passes its values as flags.",
  ),
].join("\n");
