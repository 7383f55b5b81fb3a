/**
 * Turns zod issues into lines a person can act on: `avsPerformers[1].image.tag: required`.
 * Values are never echoed, since some are secrets.
 * @module
 */

import type { z } from "zod";

/** Formats a path like `avsPerformers[1].image.tag`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    out += typeof part === "number" ? `[${part}]` : `${out === "" ? "" : "."}${String(part)}`;
  }
  return out === "" ? "(root)" : out;
}

/** Turns zod issues into `path: message` lines, one per unknown key. */
export function formatIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  const lines: string[] = [];
  for (const issue of issues) {
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) {
        lines.push(`${formatPath([...issue.path, key])}: unknown key`);
      }
    } else if (issue.code === "invalid_type" && issue.message.endsWith("received undefined")) {
      lines.push(`${formatPath(issue.path)}: required`);
    } else {
      lines.push(`${formatPath(issue.path)}: ${issue.message}`);
    }
  }
  return lines;
}
