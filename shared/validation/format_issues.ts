/**
 * Turns zod issues into lines a person can act on: `avsPerformers[1].image.tag: required`.
 * Values are never echoed, since some are secrets.
 * @module
 */

import type { z } from "zod";

/** Formats a path like `avsPerformers[1].image.tag`; a key that may be a secret is not shown. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    out += typeof part === "number" ? `[${part}]` : `${out === "" ? "" : "."}${shownKey(part)}`;
  }
  return out === "" ? "(root)" : out;
}

/**
 * Keys come from the input too: a value written where a key goes (`{0xab…}` in flow style) is a
 * key. A key is shown as it is when it looks like a name (letters, digits, `_ . / -`, at most 64
 * characters, no long hex or mixed letter-and-digit runs), else as `<key of N characters>`.
 */
export function shownKey(key: PropertyKey): string {
  const text = String(key);
  return looksLikeName(text) ? text : `<key of ${text.length} characters>`;
}

function looksLikeName(text: string): boolean {
  if (!/^[A-Za-z0-9_.\/-]{1,64}$/.test(text) || /[0-9a-fA-F]{16}/.test(text)) return false;
  // A long run of letters with digits in more than one place reads as a token (base64, hex).
  return (text.match(/[A-Za-z0-9]{20,}/g) ?? []).every((run) =>
    (run.match(/[0-9]+/g) ?? []).length <= 1
  );
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
