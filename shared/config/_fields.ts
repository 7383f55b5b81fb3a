/**
 * Field schemas the config modules share. Messages name what is expected and never echo the
 * value, since some values are secrets.
 * @module
 */

import { z } from "zod";
import { ADDRESS_PATTERN } from "../api/performer.ts";

/** Message for a missing value, or for a value of the wrong type. */
export function requiredOr(expected: string) {
  return (issue: { input?: unknown }) =>
    issue.input === undefined ? "required" : `must be ${expected}`;
}

/** A 0x-prefixed 20-byte address, in any letter case. */
export const address = z.string({ error: requiredOr("a 0x address") }).regex(
  ADDRESS_PATTERN,
  "must be a 0x-prefixed address of 40 hex digits",
);

/** An EVM chain id. */
export const chainId = z.int({ error: requiredOr("a positive integer") }).min(
  1,
  "must be a positive integer",
);
