/**
 * Key derivation and AES-128-CTR shared by the keystore formats (folder-private).
 *
 * Parameters come from untrusted files, so they are validated and bounded before use: an
 * unbounded scrypt `n` or PBKDF2 `c` in a keystore would otherwise let a file stall start-up or
 * exhaust memory. Scrypt's memory (128·n·r bytes) is capped by {@linkcode scryptMemoryCap}: half
 * the process's cgroup memory limit, so that decrypting a key at start-up cannot get the pod
 * OOM-killed; scrypt derivations run one at a time, so two keystores never add up.
 * @module
 */

import { scryptAsync } from "@noble/hashes/scrypt.js";
import { bytesToHex, concatBytes, constantTimeEqual, hexToBytes, wipe } from "./_bytes.ts";
import { KeystoreError } from "./errors.ts";

/** Derived key length both formats use: 16 bytes AES key ‖ 16 bytes MAC/checksum key. */
export const DERIVED_KEY_LENGTH = 32;
/** The scrypt memory cap without a cgroup limit: 1 GiB (geth's standard n = 2^18, r = 8: 256 MiB). */
const MAX_SCRYPT_MEMORY = 1024 ** 3;
const MiB = 2 ** 20;
const MAX_PBKDF2_ITERATIONS = 10_000_000;

/** The KDFs both keystore formats name. */
export type KdfName = "scrypt" | "pbkdf2";

/** Scrypt parameters. */
export interface ScryptParams {
  /** CPU/memory cost, a power of two. */
  n: number;
  /** Block size. */
  r: number;
  /** Parallelism. */
  p: number;
}

/**
 * What both formats keep of a secret: a key derivation, the AES-128-CTR ciphertext under
 * DK[0..16], and a check value, a hash of DK[16..32] ‖ ciphertext that tells a wrong password.
 */
export interface SealedSecret {
  /** KDF name, as read (untrusted). */
  kdf: unknown;
  /** KDF parameters, as read (untrusted). */
  kdfParams: unknown;
  iv: Uint8Array;
  ciphertext: Uint8Array;
  /** The stored check value. */
  check: Uint8Array;
}

/** How a format checks the derived key: its hash, and its name in the wrong-password error. */
export interface KeyCheck {
  hash: (bytes: Uint8Array) => Uint8Array;
  name: string;
}

/**
 * Derives the key, verifies the check value (WrongPassword when it differs) and decrypts; the
 * derived key is wiped whatever happens.
 */
export async function openSecret(
  sealed: SealedSecret,
  password: Uint8Array,
  options: { check: KeyCheck; source: string },
): Promise<Uint8Array> {
  const { check, source } = options;
  const dk = await deriveKey(sealed.kdf, sealed.kdfParams, password, source);
  try {
    const computed = check.hash(concatBytes(dk.subarray(16, 32), sealed.ciphertext));
    if (!constantTimeEqual(computed, sealed.check)) {
      throw new KeystoreError(
        "WrongPassword",
        `Cannot decrypt keystore ${source}: wrong password (${check.name} mismatch)`,
      );
    }
    return await aes128Ctr(dk.subarray(0, 16), sealed.iv, sealed.ciphertext);
  } finally {
    wipe(dk);
  }
}

/** Options of sealing a secret; fixed salt/iv are for test vectors only. */
export interface SealOptions {
  /** KDF (default scrypt). */
  kdf?: KdfName;
  /** Scrypt cost (default n = 262144, r = 8, p = 1: geth's standard, EIP-2335's suggestion). */
  scrypt?: ScryptParams;
  /** PBKDF2 iterations (default 262144). */
  pbkdf2Iterations?: number;
  /** Salt (default 32 random bytes). */
  salt?: Uint8Array;
  /** IV (default 16 random bytes). */
  iv?: Uint8Array;
}

/** A sealed secret as a keystore writes it: KDF name and parameters, hex IV, ciphertext, check. */
export interface SealedParts {
  kdf: KdfName;
  kdfParams: Record<string, unknown>;
  iv: string;
  ciphertext: string;
  check: string;
}

/** Encrypts `secret` under a key derived from `password`; `hash` makes the check value. */
export async function sealSecret(
  secret: Uint8Array,
  password: Uint8Array,
  options: SealOptions & { hash: (bytes: Uint8Array) => Uint8Array },
): Promise<SealedParts> {
  const salt = options.salt ?? crypto.getRandomValues(new Uint8Array(32));
  const iv = options.iv ?? crypto.getRandomValues(new Uint8Array(16));
  const kdf = options.kdf ?? "scrypt";
  const scrypt = options.scrypt ?? { n: 262144, r: 8, p: 1 };
  const c = options.pbkdf2Iterations ?? 262144;
  const dk = kdf === "scrypt"
    ? await scryptKey(password, salt, scrypt)
    : await pbkdf2Key(password, salt, c);
  try {
    const ciphertext = await aes128Ctr(dk.subarray(0, 16), iv, secret);
    const check = options.hash(concatBytes(dk.subarray(16, 32), ciphertext));
    const kdfParams = kdf === "scrypt"
      ? { dklen: 32, n: scrypt.n, p: scrypt.p, r: scrypt.r, salt: bytesToHex(salt, false) }
      : { c, dklen: 32, prf: "hmac-sha256", salt: bytesToHex(salt, false) };
    return {
      kdf,
      kdfParams,
      iv: bytesToHex(iv, false),
      ciphertext: bytesToHex(ciphertext, false),
      check: bytesToHex(check, false),
    };
  } finally {
    wipe(dk);
  }
}

/** How much memory scrypt may use, and why that much (for the error that refuses more). */
export interface ScryptMemoryCap {
  bytes: number;
  /** E.g. "half of the memory limit 1024 MiB in /sys/fs/cgroup/memory.max". */
  reason: string;
}

/** cgroup v2, then v1: the files that hold the memory limit of the process's own cgroup. */
const CGROUP_LIMIT_FILES = [
  "/sys/fs/cgroup/memory.max",
  "/sys/fs/cgroup/memory/memory.limit_in_bytes",
];

/**
 * The scrypt memory cap: half the cgroup memory limit (the other half for the runtime, its heap
 * and the rest of the executor: a bare Deno peaks at 128·n·r + ~50 MiB while deriving), at most
 * 1 GiB; 1 GiB where no limit is set or readable. The chart's 1Gi limit gives 512 MiB: geth's
 * and the EigenLayer CLI's standard n = 2^18, r = 8 (256 MiB) fits, n = 2^20 does not.
 * `read` returns a file's text or undefined (tests pass their own).
 */
export function scryptMemoryCap(
  read: (path: string) => string | undefined = readOptional,
): ScryptMemoryCap {
  for (const path of CGROUP_LIMIT_FILES) {
    const text = read(path)?.trim();
    if (text === undefined) continue;
    const limit = /^\d+$/.test(text) ? Number(text) : Infinity; // "max": no limit
    // cgroup v1 writes "no limit" as a huge page-aligned number (2^63 − 4096).
    if (!Number.isSafeInteger(limit) || limit / 2 >= MAX_SCRYPT_MEMORY) break;
    return {
      bytes: Math.floor(limit / 2),
      reason: `half of the memory limit ${mib(limit)} in ${path}`,
    };
  }
  return { bytes: MAX_SCRYPT_MEMORY, reason: "the executor's maximum" };
}

function readOptional(path: string): string | undefined {
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return undefined;
  }
}

let defaultCap: ScryptMemoryCap | undefined;

/** Options of {@linkcode deriveKey}. */
export interface DeriveKeyOptions {
  /** The scrypt memory cap; {@linkcode scryptMemoryCap} of this process by default. */
  scryptCap?: ScryptMemoryCap;
}

/** Derives the 32-byte key with the named KDF and its (untrusted) parameters. */
export async function deriveKey(
  kdf: unknown,
  params: unknown,
  password: Uint8Array,
  label: string,
  options: DeriveKeyOptions = {},
): Promise<Uint8Array> {
  const at = `Cannot decrypt keystore ${label}`;
  if (typeof params !== "object" || params === null) {
    throw new KeystoreError("KeystoreMalformed", `${at}: KDF parameters are missing`);
  }
  const p = params as Record<string, unknown>;
  if (p.dklen !== DERIVED_KEY_LENGTH) {
    throw new KeystoreError("KeystoreUnsupported", `${at}: dklen must be ${DERIVED_KEY_LENGTH}`);
  }
  const salt = field(() => hexToBytes(p.salt as string, "salt"), at);
  if (salt.length === 0) throw new KeystoreError("KeystoreMalformed", `${at}: salt is empty`);
  if (kdf === "scrypt") {
    const cap = options.scryptCap ?? (defaultCap ??= scryptMemoryCap());
    return await scryptKey(password, salt, scryptParams(p, at, cap));
  }
  if (kdf === "pbkdf2") return await pbkdf2Key(password, salt, pbkdf2Iterations(p, at));
  throw new KeystoreError(
    "KeystoreUnsupported",
    `${at}: KDF ${JSON.stringify(kdf)} is not supported`,
  );
}

// The derivation running now: the next one waits for it, so two keystores loaded at once
// (ECDSA and BLS, as loadSigningKeys does) never hold their scrypt memory together. It costs no
// time: noble's scrypt runs on this one thread either way.
let scryptQueue: Promise<unknown> = Promise.resolve();

/** Scrypt through noble's async variant, which yields to the event loop while it works. */
export function scryptKey(
  password: Uint8Array,
  salt: Uint8Array,
  params: ScryptParams,
): Promise<Uint8Array> {
  const run = scryptQueue.then(() =>
    scryptAsync(password, salt, {
      N: params.n,
      r: params.r,
      p: params.p,
      dkLen: DERIVED_KEY_LENGTH,
      maxmem: MAX_SCRYPT_MEMORY + 128 * params.r * (params.p + 1),
    })
  );
  scryptQueue = run.catch(() => {});
  return run;
}

/** PBKDF2-HMAC-SHA256 through WebCrypto (native, far faster than JS for 262144 rounds). */
export async function pbkdf2Key(
  password: Uint8Array,
  salt: Uint8Array,
  iterations: number,
): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", password as BufferSource, "PBKDF2", false, [
    "deriveBits",
  ]);
  const bits = await crypto.subtle.deriveBits(
    { name: "PBKDF2", hash: "SHA-256", salt: salt as BufferSource, iterations },
    key,
    DERIVED_KEY_LENGTH * 8,
  );
  return new Uint8Array(bits);
}

/** AES-128-CTR with a 128-bit big-endian block counter, as Go's `cipher.NewCTR` (both ways). */
export async function aes128Ctr(
  key: Uint8Array,
  iv: Uint8Array,
  data: Uint8Array,
): Promise<Uint8Array> {
  const cryptoKey = await crypto.subtle.importKey("raw", key as BufferSource, "AES-CTR", false, [
    "encrypt",
  ]);
  const out = await crypto.subtle.encrypt(
    { name: "AES-CTR", counter: iv as BufferSource, length: 128 },
    cryptoKey,
    data as BufferSource,
  );
  return new Uint8Array(out);
}

/** Validates the cipher name and IV of a keystore. */
export function aesIv(cipher: unknown, iv: unknown, at: string): Uint8Array {
  if (cipher !== "aes-128-ctr") {
    throw new KeystoreError(
      "KeystoreUnsupported",
      `${at}: cipher ${JSON.stringify(cipher)} is not supported (only aes-128-ctr)`,
    );
  }
  return field(() => hexToBytes(iv as string, "iv", { length: 16 }), at);
}

/** Runs a field parser, turning its RangeError into a KeystoreMalformed error. */
export function field<T>(parse: () => T, at: string): T {
  try {
    return parse();
  } catch (cause) {
    throw new KeystoreError("KeystoreMalformed", `${at}: ${(cause as Error).message}`, { cause });
  }
}

function scryptParams(p: Record<string, unknown>, at: string, cap: ScryptMemoryCap): ScryptParams {
  const { n, r, p: parallel } = p;
  const valid = isInt(n) && n >= 2 && (n & (n - 1)) === 0 && isInt(r) && r >= 1 && r <= 32 &&
    isInt(parallel) && parallel >= 1 && parallel <= 16;
  if (!valid) {
    throw new KeystoreError(
      "KeystoreMalformed",
      `${at}: scrypt needs n a power of two ≥ 2, 1 ≤ r ≤ 32 and 1 ≤ p ≤ 16`,
    );
  }
  const needed = 128 * n * r;
  if (needed > cap.bytes) {
    throw new KeystoreError(
      "KeystoreUnsupported",
      `${at}: scrypt n=${n}, r=${r}, p=${parallel} needs ${mib(needed)} of memory, more than ` +
        `the ${mib(cap.bytes)} allowed (${cap.reason}); re-encrypt the key with lighter ` +
        `parameters (geth's and the EigenLayer CLI's standard n=262144, r=8, p=1 needs ` +
        `256 MiB; light n=4096, r=8, p=6 needs 4 MiB), or raise the memory limit`,
    );
  }
  return { n, r, p: parallel };
}

function pbkdf2Iterations(p: Record<string, unknown>, at: string): number {
  if (p.prf !== "hmac-sha256") {
    throw new KeystoreError(
      "KeystoreUnsupported",
      `${at}: PBKDF2 prf ${JSON.stringify(p.prf)} is not supported (only hmac-sha256)`,
    );
  }
  if (!isInt(p.c) || p.c < 1 || p.c > MAX_PBKDF2_ITERATIONS) {
    throw new KeystoreError(
      "KeystoreMalformed",
      `${at}: PBKDF2 c must be an integer from 1 to ${MAX_PBKDF2_ITERATIONS}`,
    );
  }
  return p.c;
}

function isInt(v: unknown): v is number {
  return typeof v === "number" && Number.isSafeInteger(v);
}

/** Bytes as MiB, or GiB from 1 GiB on ("256 MiB", "1 GiB", "1024 GiB"). */
function mib(bytes: number): string {
  const [size, unit] = bytes >= 1024 * MiB ? [bytes / (1024 * MiB), "GiB"] : [bytes / MiB, "MiB"];
  return `${Number.isInteger(size) ? size : size.toFixed(1)} ${unit}`;
}
