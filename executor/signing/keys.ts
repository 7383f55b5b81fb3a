/**
 * The executor's keys: loading the operator's signing keys from the validated config, signing
 * digests with them, and checking the signatures aggregators put on the tasks they submit.
 * @module
 */

import type { z } from "zod";
import type { OperatorConfig, TrustedAggregator } from "../../shared/config/executor_config.ts";
import {
  BN254_SIGNATURE_LENGTH,
  type Bn254Key,
  Bn254PublicKey,
  verifyBn254Standard,
} from "./bn254.ts";
import { ECDSA_SIGNATURE_LENGTH, EcdsaKey, recoverAddress, sameAddress } from "./ecdsa.ts";
import { KeystoreError, SignatureError } from "./errors.ts";
import { loadBn254Keystore, loadEcdsaKeystore } from "./keystore.ts";

/** `operator.signingKeys` of the executor config. */
export type SigningKeysConfig = z.output<typeof OperatorConfig>["signingKeys"];
/** One `avsPerformers[].aggregators[]` entry. */
export type TrustedAggregatorConfig = z.output<typeof TrustedAggregator>;

/** The operator's loaded keys (at least one is present once the config validated). */
export interface SigningKeys {
  /** secp256k1 key, for ECDSA operator sets. */
  ecdsa?: EcdsaKey;
  /** BN254 key, for BN254 operator sets. */
  bn254?: Bn254Key;
}

/** Signature schemes the executor speaks. */
export type SignatureScheme = "ecdsa" | "bn254";

/** Options of {@linkcode loadSigningKeys}. */
export interface LoadSigningKeysOptions {
  /** Directory relative keystore paths are resolved against (e.g. the config file's). */
  baseDir?: string;
}

/** Loads `operator.signingKeys`: inline hex or keystore files / inline keystores. */
export async function loadSigningKeys(
  config: SigningKeysConfig,
  options: LoadSigningKeysOptions = {},
): Promise<SigningKeys> {
  const [ecdsa, bn254] = await Promise.all([
    config.ecdsa === undefined ? undefined : loadEcdsa(config.ecdsa, options),
    config.bls === undefined ? undefined : loadBls(config.bls, options),
  ]);
  return { ecdsa, bn254 };
}

/** What a successful aggregator-signature check established. */
export type AggregatorSignatureCheck =
  | { scheme: "ecdsa"; signer: string }
  | { scheme: "bn254"; publicKey: string };

/**
 * Checks the signature an aggregator put on a task digest: 65 bytes → ECDSA, the recovered
 * signer must be `aggregator.address`; 64 bytes → BN254 with the standard (RFC 9380) hash-to-G1
 * of the digest, as the Go aggregator signs (crypto-libs `Sign` of keccak256(message)) and the
 * Go executor verifies, against `aggregator.blsPublicKey`. Throws SignatureError (reason SignatureMalformed, SignatureInvalid,
 * AggregatorKeyMissing or AggregatorKeyInvalid); callers answer PermissionDenied.
 */
export function verifyAggregatorSignature(
  digest: Uint8Array,
  signature: Uint8Array,
  aggregator: TrustedAggregatorConfig,
): AggregatorSignatureCheck {
  const length = signature instanceof Uint8Array ? signature.length : undefined;
  if (length === ECDSA_SIGNATURE_LENGTH) {
    const signer = recoverAddress(digest, signature);
    if (!sameAddress(signer, aggregator.address)) {
      throw new SignatureError(
        "SignatureInvalid",
        `Task signature is from ${signer}, not from aggregator ${aggregator.address}`,
      );
    }
    return { scheme: "ecdsa", signer };
  }
  if (length === BN254_SIGNATURE_LENGTH) {
    const publicKey = aggregatorPublicKey(aggregator);
    if (!verifyBn254Standard(digest, signature, publicKey)) {
      throw new SignatureError(
        "SignatureInvalid",
        `Task signature does not verify against the BN254 key of aggregator ${aggregator.address}`,
      );
    }
    return { scheme: "bn254", publicKey: publicKey.toHex() };
  }
  throw new SignatureError(
    "SignatureMalformed",
    `Task signature must be ${ECDSA_SIGNATURE_LENGTH} bytes (ECDSA r‖s‖v) or ` +
      `${BN254_SIGNATURE_LENGTH} bytes (BN254 G1 point), got ${length ?? "no bytes"}`,
  );
}

/**
 * Validates every configured aggregator BLS key up front (start-up, `executor validate`), so a
 * bad key is reported with its config path instead of failing tasks later.
 */
export function checkAggregatorKeys(
  aggregators: readonly TrustedAggregatorConfig[],
  path = "aggregators",
): void {
  aggregators.forEach((aggregator, i) => {
    if (aggregator.blsPublicKey === undefined) return;
    try {
      aggregatorPublicKey(aggregator);
    } catch (cause) {
      throw new SignatureError(
        "AggregatorKeyInvalid",
        `${path}[${i}].blsPublicKey: ${(cause as Error).message}`,
        { cause },
      );
    }
  });
}

// Parsed keys by hex: parsing checks subgroup membership (~0.5 ms) and each key keeps its
// Miller-loop precomputation, so both are done once per configured aggregator, not per task.
const MAX_CACHED_KEYS = 1024;
const publicKeys = new Map<string, Bn254PublicKey>();

function aggregatorPublicKey(aggregator: TrustedAggregatorConfig): Bn254PublicKey {
  const hex = aggregator.blsPublicKey;
  if (hex === undefined) {
    throw new SignatureError(
      "AggregatorKeyMissing",
      `Task has a BN254 signature but aggregator ${aggregator.address} has no blsPublicKey`,
    );
  }
  const id = hex.toLowerCase().replace(/^0x/, "");
  let key = publicKeys.get(id);
  if (key === undefined) {
    try {
      key = Bn254PublicKey.fromHex(hex, `blsPublicKey of aggregator ${aggregator.address}`);
    } catch (cause) {
      throw new SignatureError("AggregatorKeyInvalid", (cause as Error).message, { cause });
    }
    if (publicKeys.size >= MAX_CACHED_KEYS) publicKeys.clear();
    publicKeys.set(id, key);
  }
  return key;
}

async function loadEcdsa(
  config: NonNullable<SigningKeysConfig["ecdsa"]>,
  options: LoadSigningKeysOptions,
): Promise<EcdsaKey> {
  if ("privateKey" in config) {
    try {
      return EcdsaKey.fromHex(config.privateKey, "operator.signingKeys.ecdsa.privateKey");
    } catch (cause) {
      throw new KeystoreError(
        "KeyInvalid",
        `Cannot load ECDSA key: ${(cause as Error).message}`,
        { cause },
      );
    }
  }
  return await loadEcdsaKeystore({ keystoreFile: config.keystoreFile }, config.password, options);
}

async function loadBls(
  config: NonNullable<SigningKeysConfig["bls"]>,
  options: LoadSigningKeysOptions,
): Promise<Bn254Key> {
  const source = config.keystoreFile !== undefined
    ? { keystoreFile: config.keystoreFile }
    : { keystore: config.keystore ?? "" };
  return await loadBn254Keystore(source, config.password, {
    ...options,
    label: "operator.signingKeys.bls.keystore",
  });
}
