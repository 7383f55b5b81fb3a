/**
 * Web3 Secret Storage v3 keystores (geth's `accounts/keystore`, `keystore.EncryptDataV3`):
 *
 * - derived key DK = scrypt or PBKDF2-HMAC-SHA256(password, salt), 32 bytes;
 * - ciphertext = AES-128-CTR(key DK[0..16], iv, secret);
 * - mac = keccak256(DK[16..32] ‖ ciphertext), checked before decrypting.
 *
 * The password is used as its UTF-8 bytes, unnormalised, as geth does. eigensdk-go BLS keys and
 * Hourglass "legacy" keystores reuse this `crypto` section; `keystore.ts` interprets the secret.
 * @module
 */

import { hexToBytes } from "./_bytes.ts";
import { aesIv, field, openSecret, sealSecret } from "./_kdf.ts";
import type { SealOptions } from "./_kdf.ts";
import { KeystoreError } from "./errors.ts";
import { keccak256 } from "./keccak.ts";

/** The `crypto` section of a v3 keystore. */
export interface Web3KeystoreCrypto {
  /** Always "aes-128-ctr". */
  cipher: string;
  /** AES parameters. */
  cipherparams: { iv: string };
  /** Hex ciphertext. */
  ciphertext: string;
  /** "scrypt" or "pbkdf2". */
  kdf: string;
  /** KDF parameters (dklen, salt, and n/r/p or c/prf). */
  kdfparams: Record<string, unknown>;
  /** Hex keccak256 MAC. */
  mac: string;
}

/** A v3 keystore document (extra fields such as `pubKey` are kept as they are). */
export interface Web3Keystore {
  /** The encrypted secret. */
  crypto: Web3KeystoreCrypto;
  /** 3 for standard files. */
  version?: number;
  /** UUID. */
  id?: string;
  /** Address (40 hex digits, no 0x) in geth ECDSA keystores. */
  address?: string;
  [key: string]: unknown;
}

/** Options of {@linkcode decryptWeb3Keystore}. */
export interface DecryptOptions {
  /** How errors name the keystore, e.g. its file path. */
  source?: string;
}

/** Decrypts a v3 keystore (parsed JSON) to its secret bytes; KeystoreError on failure. */
export async function decryptWeb3Keystore(
  keystore: unknown,
  password: string,
  options: DecryptOptions = {},
): Promise<Uint8Array> {
  const source = options.source ?? "(inline)";
  const at = `Cannot decrypt keystore ${source}`;
  const c = cryptoSection(keystore, at);
  const iv = aesIv(c.cipher, c.cipherparams?.iv, at);
  const ciphertext = field(() => hexToBytes(c.ciphertext, "ciphertext"), at);
  const mac = field(() => hexToBytes(c.mac, "mac", { length: 32 }), at);
  return await openSecret(
    { kdf: c.kdf, kdfParams: c.kdfparams, iv, ciphertext, check: mac },
    new TextEncoder().encode(password),
    { check: MAC, source },
  );
}

/** The v3 check of the derived key: keccak256, stored as `mac`. */
const MAC = { hash: keccak256, name: "MAC" };

/** Options of {@linkcode encryptWeb3Keystore}; fixed salt/iv are for test vectors only. */
export interface EncryptOptions extends SealOptions {
  /** Extra top-level fields, e.g. `address` or `pubKey`. */
  extra?: Record<string, unknown>;
}

/** Encrypts a secret into a v3 keystore document (used to build test fixtures). */
export async function encryptWeb3Keystore(
  secret: Uint8Array,
  password: string,
  options: EncryptOptions = {},
): Promise<Web3Keystore> {
  const { extra, ...seal } = options;
  const sealed = await sealSecret(secret, new TextEncoder().encode(password), {
    ...seal,
    hash: keccak256,
  });
  return {
    ...extra,
    crypto: {
      cipher: "aes-128-ctr",
      cipherparams: { iv: sealed.iv },
      ciphertext: sealed.ciphertext,
      kdf: sealed.kdf,
      kdfparams: sealed.kdfParams,
      mac: sealed.check,
    },
    id: crypto.randomUUID(),
    version: 3,
  };
}

function cryptoSection(keystore: unknown, at: string): Web3KeystoreCrypto {
  const doc = keystore as Record<string, unknown> | null;
  // Early MyEtherWallet files spell the section "Crypto".
  const c = (typeof doc === "object" && doc !== null) ? (doc.crypto ?? doc.Crypto) : undefined;
  if (typeof c !== "object" || c === null || typeof (c as Web3KeystoreCrypto).kdf !== "string") {
    throw new KeystoreError(
      "KeystoreMalformed",
      `${at}: not a Web3 Secret Storage v3 keystore (no crypto.kdf)`,
    );
  }
  return c as Web3KeystoreCrypto;
}
