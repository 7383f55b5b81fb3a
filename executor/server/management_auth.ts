/**
 * Authentication of management calls. The operator's tooling asks for a single-use challenge
 * token (GetChallengeToken), then signs it with the operator's key. Two signatures are accepted:
 *
 * - **reference** (what the Go `AuthenticatedExecutorClient`, and so `hgctl`, sends): the
 *   operator's key signs keccak256(keccak256(utf8(token))) — ECDSA (65 bytes, recovering to the
 *   operator's address) or BN254 (64 bytes, standard hash-to-G1, verifying against the operator's
 *   BLS public key). It binds the token only, not what the call does;
 * - **bound** (this project's clients): the operator's ECDSA key signs
 *   keccak256("hourglass-management-auth-v1" ‖ token ‖ method ‖ keccak256(request bytes)), so a
 *   token seen in transit cannot be spent on another call or another payload.
 *
 * `requireRequestBinding` refuses the reference form. Either way a token is spent by its first
 * use (as the reference does, a failed attempt included) and expires after its TTL; failures
 * answer Unauthenticated, as the Go executor does. Signatures are checked by recovering or
 * verifying against public keys — never by re-signing with the executor's own key.
 * @module
 */

import { concatBytes } from "@noble/hashes/utils.js";
import { keccak256 } from "../signing/keccak.ts";
import { ECDSA_SIGNATURE_LENGTH, recoverAddress, sameAddress } from "../signing/ecdsa.ts";
import {
  BN254_SIGNATURE_LENGTH,
  type Bn254PublicKey,
  verifyBn254Standard,
} from "../signing/bn254.ts";
import { TaskError } from "../task/errors.ts";

const DOMAIN = "hourglass-management-auth-v1";
const enc = new TextEncoder();

/** The digest a bound management signature covers. */
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
 * The 32 bytes a reference client's signer hashes and signs: keccak256(utf8(token))
 * (ponos `auth.ConstructSignedMessage`). The signature covers keccak256 of it.
 */
export function referenceAuthMessage(token: string): Uint8Array {
  return keccak256(enc.encode(token));
}

/** keccak256(keccak256(utf8(token))): the digest a reference management signature is over. */
export function referenceAuthDigest(token: string): Uint8Array {
  return keccak256(referenceAuthMessage(token));
}

/**
 * The bytes a bound signature covers: the request without its `auth` field, encoded the way
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
  // Proto3 defaults only: "0" is a real string value (the management requests have no 64-bit
  // integers, which grpc-js would hand over as strings).
  if (value === null || value === undefined || value === "" || value === 0 || value === false) {
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

/** Which signature form authenticated a call (for logs and metrics). */
export type ManagementAuthScheme = "bound" | "reference-ecdsa" | "reference-bn254";

/** Settings of {@linkcode ManagementAuth}. */
export interface ManagementAuthOptions {
  /** The operator this executor serves; ECDSA signatures must recover to it. */
  operatorAddress: string;
  /** The operator's BLS public key, when it has one: accepts reference BN254 signatures. */
  bn254PublicKey?: Bn254PublicKey;
  /** How long a token is valid. */
  ttlMs: number;
  /** Refuse the reference (token-only) form; accept only bound signatures. */
  requireRequestBinding?: boolean;
  /** Most tokens outstanding at once; beyond it GetChallengeToken answers RESOURCE_EXHAUSTED. */
  maxOutstanding?: number;
  /** Tokens one peer may get per second (burst: twice that). */
  perPeerPerSecond?: number;
  /** Clock, for tests. */
  now?: () => number;
}

const DEFAULT_MAX_OUTSTANDING = 1024;
const DEFAULT_PER_PEER_PER_SECOND = 10;
const MAX_TRACKED_PEERS = 4096;

/** Issues and checks challenge tokens for one operator. */
export class ManagementAuth {
  // Insertion order is expiry order (one TTL for all), so expired tokens sit at the front.
  readonly #tokens = new Map<string, number>();
  readonly #peers = new Map<string, { tokens: number; at: number }>();
  readonly #options: ManagementAuthOptions;
  readonly #now: () => number;

  constructor(options: ManagementAuthOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /**
   * A new token for `operatorAddress` (which must be ours) and its expiry in unix seconds.
   * Codes as the Go executor: InvalidArgument without an address, PermissionDenied for another.
   */
  issue(operatorAddress: string, peer = "unknown"): { token: string; expiresAt: number } {
    if (!operatorAddress) throw new TaskError("InvalidArgument", "operator address is required");
    if (!sameAddress(operatorAddress, this.#options.operatorAddress)) {
      throw new TaskError(
        "PermissionDenied",
        `operator address mismatch: this executor serves operator ${this.#options.operatorAddress}`,
      );
    }
    this.#sweep();
    this.#takePeerToken(peer);
    if (this.#tokens.size >= (this.#options.maxOutstanding ?? DEFAULT_MAX_OUTSTANDING)) {
      throw new TaskError(
        "ResourceExhausted",
        "too many challenge tokens outstanding; use or let some expire, then retry",
      );
    }
    const bytes = crypto.getRandomValues(new Uint8Array(32));
    const token = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
    const expires = this.#now() + this.#options.ttlMs;
    this.#tokens.set(token, expires);
    return { token, expiresAt: Math.floor(expires / 1000) };
  }

  /**
   * Checks a request's auth and spends its token; returns the form that matched. Throws
   * TaskError Unauthenticated naming what is wrong (never echoing the token or signature).
   * `requestBytes` is only computed when a bound signature has to be checked.
   */
  verify(
    method: string,
    auth: { challengeToken: string; signature: Uint8Array } | null | undefined,
    requestBytes: () => Uint8Array,
  ): ManagementAuthScheme {
    if (!auth?.challengeToken) {
      throw new TaskError("Unauthenticated", `${method}: missing authentication`);
    }
    const expires = this.#tokens.get(auth.challengeToken);
    this.#tokens.delete(auth.challengeToken);
    if (expires === undefined) {
      throw new TaskError(
        "Unauthenticated",
        `${method}: invalid challenge token: unknown or already used`,
      );
    }
    if (expires < this.#now()) {
      throw new TaskError("Unauthenticated", `${method}: invalid challenge token: expired`);
    }
    const signature = auth.signature instanceof Uint8Array ? auth.signature : new Uint8Array();
    const scheme = this.#check(method, auth.challengeToken, signature, requestBytes);
    if (scheme === undefined) {
      throw new TaskError(
        "Unauthenticated",
        this.#options.requireRequestBinding
          ? `${method}: invalid signature (this executor requires signatures bound to the ` +
            `method and request; token-only signatures are refused)`
          : `${method}: invalid signature: not the operator's over this challenge token`,
      );
    }
    return scheme;
  }

  #check(
    method: string,
    token: string,
    signature: Uint8Array,
    requestBytes: () => Uint8Array,
  ): ManagementAuthScheme | undefined {
    const operator = this.#options.operatorAddress;
    if (signature.length === ECDSA_SIGNATURE_LENGTH) {
      if (recoversTo(managementAuthDigest(token, method, requestBytes()), signature, operator)) {
        return "bound";
      }
      if (this.#options.requireRequestBinding) return undefined;
      if (recoversTo(referenceAuthDigest(token), signature, operator)) return "reference-ecdsa";
      return undefined;
    }
    if (signature.length === BN254_SIGNATURE_LENGTH && !this.#options.requireRequestBinding) {
      const key = this.#options.bn254PublicKey;
      if (key === undefined) return undefined;
      try {
        return verifyBn254Standard(referenceAuthDigest(token), signature, key)
          ? "reference-bn254"
          : undefined;
      } catch {
        return undefined; // not a point on the curve: just an invalid signature
      }
    }
    return undefined;
  }

  /** Removes expired tokens: O(expired), as they are the oldest. */
  #sweep(): void {
    const now = this.#now();
    for (const [token, expires] of this.#tokens) {
      if (expires >= now) break;
      this.#tokens.delete(token);
    }
  }

  /** A token bucket per peer (address of the gRPC caller); throws ResourceExhausted when empty. */
  #takePeerToken(peer: string): void {
    const rate = this.#options.perPeerPerSecond ?? DEFAULT_PER_PEER_PER_SECOND;
    const burst = rate * 2;
    const now = this.#now();
    const bucket = this.#peers.get(peer) ?? { tokens: burst, at: now };
    bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * rate);
    bucket.at = now;
    if (bucket.tokens < 1) {
      throw new TaskError("ResourceExhausted", "too many challenge tokens requested; slow down");
    }
    bucket.tokens -= 1;
    this.#peers.delete(peer); // re-insert: the map stays in last-use order
    this.#peers.set(peer, bucket);
    if (this.#peers.size > MAX_TRACKED_PEERS) {
      this.#peers.delete(this.#peers.keys().next().value!);
    }
  }
}

function recoversTo(digest: Uint8Array, signature: Uint8Array, address: string): boolean {
  try {
    return sameAddress(recoverAddress(digest, signature), address);
  } catch {
    return false; // malformed r, s or v: not the operator's signature
  }
}
