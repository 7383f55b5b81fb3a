/**
 * EIP-2335 (version 4) keystores, the format Hourglass tooling writes for BN254 keys
 * (Layr-Labs/crypto-libs `pkg/keystore`, with an extra `"curveType": "bn254"` field):
 *
 * - password: NFKD-normalised, C0/C1 control characters and DEL removed, UTF-8;
 * - DK = scrypt or PBKDF2-HMAC-SHA256(password, salt), 32 bytes;
 * - checksum = SHA-256(DK[16..32] ‖ cipher.message), checked before decrypting;
 * - secret = AES-128-CTR(key DK[0..16], iv, cipher.message).
 * @module
 */

import { sha256 } from "@noble/hashes/sha2.js";
import { hexToBytes } from "./_bytes.ts";
import { aesIv, field, openSecret, sealSecret } from "./_kdf.ts";
import type { SealOptions } from "./_kdf.ts";
import { KeystoreError } from "./errors.ts";

/** One EIP-2335 crypto module. */
export interface Eip2335Module {
  /** Function name ("scrypt", "pbkdf2", "sha256", "aes-128-ctr"). */
  function: string;
  /** Function parameters. */
  params: Record<string, unknown>;
  /** Hex payload (empty for the KDF). */
  message: string;
}

/** An EIP-2335 keystore document. */
export interface Eip2335Keystore {
  /** The three crypto modules. */
  crypto: { kdf: Eip2335Module; checksum: Eip2335Module; cipher: Eip2335Module };
  /** Hex public key (for Hourglass BN254 keys: the 128-byte G2 encoding). */
  pubkey: string;
  /** Derivation path (may be empty). */
  path: string;
  /** UUID. */
  uuid: string;
  /** Always 4. */
  version: number;
  /** Optional description. */
  description?: string;
  /** Hourglass extension: "bn254" or "bls381". */
  curveType?: string;
  [key: string]: unknown;
}

/** Whether a parsed document has the EIP-2335 shape (crypto.kdf is a module object). */
export function isEip2335Keystore(doc: unknown): boolean {
  const c = (doc as { crypto?: { kdf?: unknown } } | null)?.crypto;
  return typeof c?.kdf === "object" && c.kdf !== null;
}

/** The password bytes EIP-2335 prescribes: NFKD, control codes stripped, UTF-8. */
export function eip2335Password(password: string): Uint8Array {
  const cleaned = [...password.normalize("NFKD")].filter((ch) => {
    const code = ch.codePointAt(0) ?? 0;
    return !(code <= 0x1f || (code >= 0x7f && code <= 0x9f));
  }).join("");
  return new TextEncoder().encode(cleaned);
}

/** Decrypts an EIP-2335 keystore (parsed JSON) to its secret bytes; KeystoreError on failure. */
export async function decryptEip2335Keystore(
  keystore: unknown,
  password: string,
  options: { source?: string } = {},
): Promise<Uint8Array> {
  const source = options.source ?? "(inline)";
  const at = `Cannot decrypt keystore ${source}`;
  if (!isEip2335Keystore(keystore)) {
    throw new KeystoreError("KeystoreMalformed", `${at}: not an EIP-2335 keystore`);
  }
  const { kdf, checksum, cipher } = (keystore as Eip2335Keystore).crypto;
  if (checksum?.function !== "sha256") {
    throw new KeystoreError("KeystoreUnsupported", `${at}: checksum must be sha256`);
  }
  const iv = aesIv(cipher?.function, cipher?.params?.iv, at);
  const ciphertext = field(() => hexToBytes(cipher.message, "cipher.message"), at);
  const check = field(
    () => hexToBytes(checksum.message, "checksum.message", { length: 32 }),
    at,
  );
  return await openSecret(
    { kdf: kdf.function, kdfParams: kdf.params, iv, ciphertext, check },
    eip2335Password(password),
    { check: CHECKSUM, source },
  );
}

/** EIP-2335's check of the derived key: SHA-256, stored as the checksum module's message. */
const CHECKSUM = { hash: sha256, name: "checksum" };

/** Options of {@linkcode encryptEip2335Keystore}; fixed salt/iv are for test vectors only. */
export interface Eip2335EncryptOptions extends SealOptions {
  /** Hex public key to record. */
  pubkey?: string;
  /** Curve type to record (Hourglass extension). */
  curveType?: string;
}

/** Encrypts a secret into an EIP-2335 keystore document (used to build test fixtures). */
export async function encryptEip2335Keystore(
  secret: Uint8Array,
  password: string,
  options: Eip2335EncryptOptions = {},
): Promise<Eip2335Keystore> {
  const sealed = await sealSecret(secret, eip2335Password(password), { ...options, hash: sha256 });
  const keystore: Eip2335Keystore = {
    crypto: {
      kdf: { function: sealed.kdf, params: sealed.kdfParams, message: "" },
      checksum: { function: "sha256", params: {}, message: sealed.check },
      cipher: { function: "aes-128-ctr", params: { iv: sealed.iv }, message: sealed.ciphertext },
    },
    pubkey: options.pubkey ?? "",
    path: "",
    uuid: crypto.randomUUID(),
    version: 4,
  };
  if (options.curveType !== undefined) keystore.curveType = options.curveType;
  return keystore;
}
