/**
 * Loads operator keys from keystores given as a file path or as an inline JSON string.
 *
 * ECDSA: Web3 Secret Storage v3 (geth, eigensdk-go `ecdsa.WriteKey`); the secret is the 32-byte
 * private key, checked against the file's `address` when present.
 *
 * BN254: the decrypted secret is the private scalar as **big-endian bytes** (not a decimal string):
 * eigensdk-go `ReadPrivateKeyFromFile` does `fr.Element.SetBytes(secret)`, eigensdk-rs
 * `from_be_bytes_mod_order(secret)`, crypto-libs `big.Int.SetBytes(secret)` (which may be shorter
 * than 32 bytes); the eigensdk-go test keystore `crypto/utils/test_data/bls_keys/keys/1.bls.key.json`
 * decrypts to 32 such bytes (see `keystore_test.ts`). Three containers are accepted:
 * - eigensdk-go: v3 `crypto` plus `"pubKey": "E([x,y])"` (the G1 public key in decimal);
 * - Hourglass "legacy": v3 `crypto` plus `publicKey` (hex) and `"curveType": "bn254"`;
 * - Hourglass EIP-2335: version 4 modules plus `pubkey` (hex of the 128-byte G2 key) and
 *   `"curveType": "bn254"`.
 * A recorded public key must match the decrypted key, so a keystore of another curve (BLS12-381)
 * or a corrupted one fails here, at start-up, instead of producing useless signatures.
 * @module
 */

import { isAbsolute, join } from "node:path";
import { bytesToHex, hexToBytes, wipe } from "./_bytes.ts";
import { Bn254Key, encodeG1 } from "./bn254.ts";
import { EcdsaKey, sameAddress } from "./ecdsa.ts";
import { decryptEip2335Keystore, isEip2335Keystore } from "./eip2335_keystore.ts";
import { KeystoreError } from "./errors.ts";
import { decryptWeb3Keystore } from "./web3_keystore.ts";

const MAX_KEYSTORE_SIZE = 1024 * 1024; // real keystores are about 1 KB

/** Where a keystore comes from: a file, or the JSON text itself. */
export type KeystoreSource =
  | { keystoreFile: string; keystore?: undefined }
  | { keystore: string; keystoreFile?: undefined };

/** Options of the loaders. */
export interface LoadKeystoreOptions {
  /** Directory that relative `keystoreFile` paths are resolved against (default: the cwd). */
  baseDir?: string;
  /** How errors name an inline keystore, e.g. its config path (default "(inline keystore)"). */
  label?: string;
}

/** A parsed keystore document and how errors should name it. */
export interface KeystoreDocument {
  /** Parsed JSON. */
  doc: Record<string, unknown>;
  /** File path or label. */
  label: string;
}

/** Reads and parses a keystore from a file or inline JSON; KeystoreError on failure. */
export async function readKeystore(
  source: KeystoreSource,
  options: LoadKeystoreOptions = {},
): Promise<KeystoreDocument> {
  let label = options.label ?? "(inline keystore)";
  let text = source.keystore;
  if (source.keystoreFile !== undefined) {
    const path = options.baseDir !== undefined && !isAbsolute(source.keystoreFile)
      ? join(options.baseDir, source.keystoreFile)
      : source.keystoreFile;
    label = path;
    try {
      text = await Deno.readTextFile(path);
    } catch (cause) {
      throw new KeystoreError(
        "KeystoreUnreadable",
        `Cannot read keystore ${label}: ${(cause as Error).message}`,
        { cause },
      );
    }
  }
  if (typeof text !== "string" || text.length > MAX_KEYSTORE_SIZE) {
    throw new KeystoreError(
      "KeystoreMalformed",
      `Cannot parse keystore ${label}: too large or empty`,
    );
  }
  return { doc: parseJsonObject(text, label), label };
}

/** Loads a secp256k1 key from a v3 keystore. */
export async function loadEcdsaKeystore(
  source: KeystoreSource,
  password: string,
  options: LoadKeystoreOptions = {},
): Promise<EcdsaKey> {
  const { doc, label } = await readKeystore(source, options);
  const at = `Cannot load ECDSA key from keystore ${label}`;
  if (isEip2335Keystore(doc)) {
    throw new KeystoreError("KeystoreUnsupported", `${at}: EIP-2335 keystores hold BLS keys`);
  }
  const secret = await decryptWeb3Keystore(doc, password, { source: label });
  let key: EcdsaKey;
  try {
    key = EcdsaKey.fromBytes(secret);
  } catch (cause) {
    throw new KeystoreError("KeyInvalid", `${at}: ${(cause as Error).message}`, { cause });
  } finally {
    wipe(secret);
  }
  if (typeof doc.address === "string" && doc.address !== "") {
    const recorded = doc.address.startsWith("0x") ? doc.address : `0x${doc.address}`;
    if (!sameAddress(recorded, key.address)) {
      throw new KeystoreError(
        "KeyMismatch",
        `${at}: the key's address ${key.address} differs from the keystore's ${recorded}`,
      );
    }
  }
  return key;
}

/** Loads a BN254 key from an eigensdk-go, Hourglass legacy or Hourglass EIP-2335 keystore. */
export async function loadBn254Keystore(
  source: KeystoreSource,
  password: string,
  options: LoadKeystoreOptions = {},
): Promise<Bn254Key> {
  const { doc, label } = await readKeystore(source, options);
  const at = `Cannot load BN254 key from keystore ${label}`;
  if (doc.curveType !== undefined && String(doc.curveType).toLowerCase() !== "bn254") {
    throw new KeystoreError(
      "KeystoreUnsupported",
      `${at}: curveType is ${JSON.stringify(doc.curveType)}, expected "bn254"`,
    );
  }
  const secret = isEip2335Keystore(doc)
    ? await decryptEip2335Keystore(doc, password, { source: label })
    : await decryptWeb3Keystore(doc, password, { source: label });
  let key: Bn254Key;
  try {
    key = Bn254Key.fromBytes(secret);
  } catch (cause) {
    throw new KeystoreError(
      "KeyInvalid",
      `${at}: the decrypted secret (${secret.length} bytes) is not a BN254 scalar ` +
        "(expected 1 to 32 big-endian bytes, not zero mod r)",
      { cause },
    );
  } finally {
    wipe(secret);
  }
  checkRecordedPublicKey(doc, key, at);
  return key;
}

/** Compares the public key a keystore records (if any) with the decrypted key. */
function checkRecordedPublicKey(doc: Record<string, unknown>, key: Bn254Key, at: string): void {
  for (const name of ["pubKey", "publicKey", "pubkey"]) {
    const value = doc[name];
    if (typeof value !== "string" || value === "") continue;
    const recorded = recordedPublicKey(value);
    if (recorded === undefined) {
      throw new KeystoreError(
        "KeystoreUnsupported",
        `${at}: ${name} is neither a BN254 G1 nor a G2 public key (a BLS12-381 keystore?)`,
      );
    }
    const actual = recorded.length === 64 ? key.publicKeyG1 : key.publicKeyG2;
    if (bytesToHex(recorded) !== bytesToHex(actual)) {
      throw new KeystoreError(
        "KeyMismatch",
        `${at}: the decrypted key does not match the keystore's ${name}`,
      );
    }
  }
}

/** Decodes "E([x,y])" (gnark G1 String) or hex of a 64-byte G1 / 128-byte G2 encoding. */
function recordedPublicKey(value: string): Uint8Array | undefined {
  const g1 = /^E\(\[(\d+),(\d+)\]\)$/.exec(value.replace(/\s+/g, ""));
  if (g1 !== null) {
    try {
      return encodeG1({ x: BigInt(g1[1]), y: BigInt(g1[2]) });
    } catch {
      return undefined;
    }
  }
  try {
    const bytes = hexToBytes(value, "public key");
    return bytes.length === 64 || bytes.length === 128 ? bytes : undefined;
  } catch {
    return undefined;
  }
}

function parseJsonObject(text: string, label: string): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    // V8's SyntaxError quotes the input around the error; the input may be a mistyped secret
    // (a raw private key pasted where a keystore belongs), so neither it nor its message is kept.
    throw new KeystoreError("KeystoreMalformed", `Cannot parse keystore ${label}: not valid JSON`);
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
    throw new KeystoreError(
      "KeystoreMalformed",
      `Cannot parse keystore ${label}: not a JSON object`,
    );
  }
  return doc as Record<string, unknown>;
}
