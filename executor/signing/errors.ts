/**
 * Domain errors of the signing module. Callers branch on `reason` (a stable string used in
 * metrics, logs and gRPC status mapping), never on message text.
 *
 * Messages and causes never carry key material or passwords.
 * @module
 */

import { ReasonError } from "../../shared/errors/reason_error.ts";

/** Why a signature was refused. */
export type SignatureErrorReason =
  /** The bytes are not a signature of any supported scheme (length, v, s range, point encoding). */
  | "SignatureMalformed"
  /** A well-formed signature that does not verify for the expected signer. */
  | "SignatureInvalid"
  /** The signature needs a key the aggregator entry does not have (e.g. no `blsPublicKey`). */
  | "AggregatorKeyMissing"
  /** The configured aggregator key itself is unusable. */
  | "AggregatorKeyInvalid";

/** A signature was refused; map every reason to gRPC PermissionDenied. */
export class SignatureError extends ReasonError<SignatureErrorReason> {}

/** Why a keystore could not be turned into a key. */
export type KeystoreErrorReason =
  /** The file could not be read. */
  | "KeystoreUnreadable"
  /** Not JSON, or a required field is missing or has the wrong shape. */
  | "KeystoreMalformed"
  /** A KDF, cipher, curve or version this module does not implement. */
  | "KeystoreUnsupported"
  /** The password does not match (MAC / checksum mismatch). */
  | "WrongPassword"
  /** Decryption worked but the key does not match the keystore's public key or address. */
  | "KeyMismatch"
  /** A configured private key (inline or decrypted) is not a valid key for its curve. */
  | "KeyInvalid";

/** A keystore could not be loaded. */
export class KeystoreError extends ReasonError<KeystoreErrorReason> {}
