/**
 * The limits of a config file in words, from `CONFIG_LIMITS` (`shared/config/_yaml.ts`), for
 * both generated references: the executor's config and the operator's `--config` file.
 * @module
 */

import { CONFIG_LIMITS } from "../../shared/config/load.ts";

/** One paragraph on the file's limits, aliases and how errors are reported. */
export function configLimitsText(file: string): string {
  const l = CONFIG_LIMITS;
  return `${file} may be at most ${l.maxBytes / 1024 / 1024} MiB, nested at most ` +
    `${l.maxDepth} levels deep, with at most ${l.maxAliases} aliases (\`*name\`; anchors and ` +
    `aliases work as in Go's YAML, each use a copy), ${l.maxValues.toLocaleString("en-US")} ` +
    `values (aliases expanded) and ${l.maxTokens.toLocaleString("en-US")} tokens; beyond, it ` +
    `is an error naming the file and the limit. Only ` +
    `YAML 1.2's core tags are read (\`!!str\`, \`!!int\`…). A YAML syntax error is reported by ` +
    `its code, line and column, without quoting the file. An error message lists the first ` +
    `${l.maxProblems} problems and counts the rest.`;
}
