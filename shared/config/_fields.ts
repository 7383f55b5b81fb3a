/**
 * Field schemas the config modules share (the executor's and the operator's). Messages name what
 * is expected and never echo the value, since some values are secrets.
 * @module
 */

import { z } from "zod";
import { ADDRESS_PATTERN } from "../api/performer.ts";
import { type BindAddress, parseBindAddress } from "../runtime/bind_address.ts";
import { LOG_LEVELS, type LogFormat } from "../runtime/log.ts";

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

/** Lowest level logged. */
export const logLevel = z.enum(LOG_LEVELS).default("info").meta({
  description: "Lowest level logged.",
});

const LOG_FORMATS = ["json", "text"] as const satisfies readonly LogFormat[];

/** Format of the log lines. */
export const logFormat = z.enum(LOG_FORMATS).default("json").meta({
  description: "Log lines on stderr: one JSON object each, or text with key=value fields.",
});

/** A Kubernetes namespace name (an RFC 1123 label). */
export const NAMESPACE_PATTERN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** A Kubernetes namespace name. */
export const namespaceName = z.string({ error: requiredOr("a namespace name") }).regex(
  NAMESPACE_PATTERN,
  "must be a valid namespace name",
);

/** Where the kubeconfig comes from: a file, else found the way kubectl finds it. */
export const kubeConfigPath = z.string().optional().meta({
  description: "A kubeconfig file. Unset: the pod's service account inside a pod, else " +
    "KUBECONFIG or ~/.kube/config, as kubectl looks.",
});

/**
 * A listen address in the Go style of controller-runtime's flags (`:8080`, `127.0.0.1:8080`,
 * `[::1]:8080`; `0` disables), parsed by `shared/runtime/bind_address.ts`. The default is given
 * as the string a user would write.
 */
export function bindAddress(defaultValue: string) {
  return z.string({ error: requiredOr('an address such as ":8080"') })
    .transform((text, ctx): BindAddress | undefined => {
      try {
        return parseBindAddress("", text);
      } catch {
        ctx.addIssue({
          code: "custom",
          message: 'must be ":port", "host:port", "[ipv6]:port" or "0" to disable',
        });
        return z.NEVER;
      }
    }).prefault(defaultValue);
}
