/**
 * Authentication of management calls. The operator's tooling asks for a single-use challenge
 * token, then signs, with the operator's ECDSA key, a digest binding the token to the method and
 * to the exact request (with its auth field cleared):
 *
 *   keccak256("hourglass-management-auth-v1" ‖ token ‖ method ‖ keccak256(request bytes))
 *
 * The executor checks it by recovering the signer and comparing with the configured operator
 * address — never by re-signing with a key of its own. A token works once, for a limited time.
 * @module
 */

import { concatBytes } from "@noble/hashes/utils.js";
import { keccak256 } from "../signing/keccak.ts";
import { recoverAddress, sameAddress } from "../signing/ecdsa.ts";
import { TaskError } from "../task/errors.ts";

const DOMAIN = "hourglass-management-auth-v1";
const enc = new TextEncoder();

/** The digest a management request's signature covers. */
export function managementAuthDigest(
  token: string,
  method: string,
  requestBytes: Uint8Array,
): Uint8Array {
  return keccak256(
    concatBytes(enc.encode(DOMAIN), enc.encode(token), enc.encode(method), keccak256(requestBytes)),
  );
}

/**
 * The bytes a management signature covers: the request without its `auth` field, encoded the way
 * proto3 encoders that omit default values do (Go's, for one). grpc-js decodes with defaults
 * filled in, so they are stripped first; both sides then agree whatever library built the request.
 */
export function canonicalRequestBytes(
  serialize: (value: object) => Uint8Array,
  request: Record<string, unknown>,
): Uint8Array {
  const { auth: _auth, ...rest } = request;
  return new Uint8Array(serialize((withoutDefaults(rest) ?? {}) as object));
}

function withoutDefaults(value: unknown): unknown {
  if (
    value === null || value === undefined || value === "" || value === 0 || value === false ||
    value === "0"
  ) {
    return undefined;
  }
  if (value instanceof Uint8Array) return value.length === 0 ? undefined : value;
  if (Array.isArray(value)) {
    const items = value.map((v) => withoutDefaults(v) ?? {});
    return items.length === 0 ? undefined : items;
  }
  if (typeof value === "object") {
    const entries = Object.entries(value).map(([k, v]) => [k, withoutDefaults(v)] as const)
      .filter(([, v]) => v !== undefined);
    return entries.length === 0 ? undefined : Object.fromEntries(entries);
  }
  return value;
}

/** Issues and checks challenge tokens for one operator address. */
export class ManagementAuth {
  readonly #tokens = new Map<string, number>();
  readonly #operator: string;
  readonly #ttlMs: number;

  constructor(operatorAddress: string, ttlMs: number) {
    this.#operator = operatorAddress;
    this.#ttlMs = ttlMs;
  }

  /** A new token for `operatorAddress` (which must be ours) and its expiry in unix seconds. */
  issue(operatorAddress: string): { token: string; expiresAt: number } {
    if (!sameAddress(operatorAddress || "0x", this.#operator)) {
      throw new TaskError(
        "PermissionDenied",
        `This executor serves operator ${this.#operator}, not ${operatorAddress}`,
      );
    }
    this.#sweep();
    const bytes = crypto.getRandomValues(new Uint8Array(32));
    const token = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
    const expires = Date.now() + this.#ttlMs;
    this.#tokens.set(token, expires);
    return { token, expiresAt: Math.floor(expires / 1000) };
  }

  /** Checks a request's auth; consumes the token when the signature is the operator's. */
  verify(
    method: string,
    auth: { challengeToken: string; signature: Uint8Array } | null | undefined,
    requestBytes: Uint8Array,
  ): void {
    if (!auth?.challengeToken) {
      throw new TaskError("PermissionDenied", `${method}: auth is required`);
    }
    const expires = this.#tokens.get(auth.challengeToken);
    if (expires === undefined || expires < Date.now()) {
      throw new TaskError(
        "PermissionDenied",
        `${method}: unknown, used or expired challenge token`,
      );
    }
    let signer: string;
    try {
      signer = recoverAddress(
        managementAuthDigest(auth.challengeToken, method, requestBytes),
        auth.signature,
      );
    } catch (err) {
      throw new TaskError("PermissionDenied", `${method}: malformed auth signature`, {
        cause: err,
      });
    }
    if (!sameAddress(signer, this.#operator)) {
      throw new TaskError("PermissionDenied", `${method}: not signed by the operator's key`);
    }
    this.#tokens.delete(auth.challengeToken);
  }

  #sweep(): void {
    const now = Date.now();
    for (const [token, expires] of this.#tokens) if (expires < now) this.#tokens.delete(token);
  }
}
