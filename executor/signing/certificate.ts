/**
 * The digests a task result is signed over: EigenLayer's certificate digests, exactly as the
 * genuine contracts compute them (and so as the Go executor signs and the Go aggregator and the
 * TaskMailbox verify):
 *
 * - message hash = `TaskMailbox.getMessageHash(taskHash, result)`
 *   = keccak256(abi.encode(bytes32 taskId, bytes output)) — the output ABI-encoded, not pre-hashed;
 * - ECDSA: `ECDSACertificateVerifier.calculateCertificateDigestBytes(referenceTimestamp, messageHash)`
 *   = "\x19\x01" ‖ domainSeparator ‖ keccak256(abi.encode(ECDSA_CERTIFICATE_TYPEHASH,
 *   referenceTimestamp, messageHash)), where the EIP-712 domain has no chain id:
 *   keccak256(abi.encode(keccak256("EIP712Domain(string name,string version,address
 *   verifyingContract)"), keccak256("EigenLayer"), keccak256(majorVersion), verifier)); the
 *   signature is over keccak256 of those 66 bytes (`calculateCertificateDigest`);
 * - BN254: `BN254CertificateVerifier.calculateCertificateDigest(referenceTimestamp, messageHash)`
 *   = keccak256(abi.encode(BN254_CERTIFICATE_TYPEHASH, referenceTimestamp, messageHash)), signed
 *   with the Solidity-compatible hash-to-G1.
 *
 * Computing them here costs a few keccak256 calls (microseconds) where the Go executor makes
 * two `eth_call`s per task. tests/certificate_digest_test.ts compares every function with the
 * deployed contracts through `eth_call`.
 * @module
 */

import { bigIntToBytes, concatBytes } from "./_bytes.ts";
import { addressWord, taskIdWord, type UintInput, uintWord } from "./digests.ts";
import { keccak256 } from "./keccak.ts";

const UINT32_MAX = 0xffff_ffffn;
const enc = new TextEncoder();

/** `keccak256("ECDSACertificate(uint32 referenceTimestamp,bytes32 messageHash)")`. */
export const ECDSA_CERTIFICATE_TYPEHASH = keccak256(
  enc.encode("ECDSACertificate(uint32 referenceTimestamp,bytes32 messageHash)"),
);
/** `keccak256("BN254Certificate(uint32 referenceTimestamp,bytes32 messageHash)")`. */
export const BN254_CERTIFICATE_TYPEHASH = keccak256(
  enc.encode("BN254Certificate(uint32 referenceTimestamp,bytes32 messageHash)"),
);
/** The EIP-712 domain type the certificate verifiers use: without chain id. */
export const EIP712_DOMAIN_TYPEHASH_NO_CHAINID = keccak256(
  enc.encode("EIP712Domain(string name,string version,address verifyingContract)"),
);
const EIGENLAYER_NAME_HASH = keccak256(enc.encode("EigenLayer"));
const EIP191_PREFIX = new Uint8Array([0x19, 0x01]);

/** The ECDSA certificate verifier a digest is bound to. */
export interface CertificateVerifierRef {
  /** The verifier contract's address (the EIP-712 `verifyingContract`). */
  address: string;
  /**
   * Its `version()` (e.g. "1.8.0") or just the major version ("1"): only the first character
   * enters the domain, as `SemVerMixin._majorVersion()` does.
   */
  version: string;
}

/**
 * `TaskMailbox.getMessageHash(taskHash, result)`: keccak256(abi.encode(bytes32, bytes)).
 * RangeError naming the field on a malformed task id.
 */
export function taskMessageHash(taskId: string, output: Uint8Array): Uint8Array {
  if (!(output instanceof Uint8Array)) throw new RangeError("output must be bytes");
  const padded = Math.ceil(output.length / 32) * 32;
  const tail = new Uint8Array(padded);
  tail.set(output);
  return keccak256(concatBytes(
    taskIdWord(taskId, "taskId"),
    bigIntToBytes(64n, 32), // offset of the dynamic `bytes` after the two head words
    bigIntToBytes(BigInt(output.length), 32),
    tail,
  ));
}

// An executor signs for one verifier (two during a migration): the separator is computed once.
const MAX_CACHED_DOMAINS = 16;
const domains = new Map<string, Uint8Array>();

/** The EIP-712 domain separator of an ECDSA certificate verifier (no chain id). */
export function ecdsaDomainSeparator(verifier: CertificateVerifierRef): Uint8Array {
  return cachedDomainSeparator(verifier).slice();
}

function cachedDomainSeparator(verifier: CertificateVerifierRef): Uint8Array {
  const key = `${verifier.address.toLowerCase()}/${verifier.version}`;
  const cached = domains.get(key);
  if (cached) return cached;
  const separator = computeDomainSeparator(verifier);
  if (domains.size >= MAX_CACHED_DOMAINS) domains.clear();
  domains.set(key, separator);
  return separator;
}

function computeDomainSeparator(verifier: CertificateVerifierRef): Uint8Array {
  return keccak256(concatBytes(
    EIP712_DOMAIN_TYPEHASH_NO_CHAINID,
    EIGENLAYER_NAME_HASH,
    keccak256(majorVersion(verifier.version)),
    addressWord(verifier.address, "verifier address"),
  ));
}

/**
 * `ECDSACertificateVerifier.calculateCertificateDigestBytes(referenceTimestamp, messageHash)`:
 * the 66 bytes "\x19\x01" ‖ domainSeparator ‖ structHash.
 */
export function ecdsaCertificateDigestBytes(
  referenceTimestamp: UintInput,
  messageHash: Uint8Array,
  verifier: CertificateVerifierRef,
): Uint8Array {
  const structHash = keccak256(concatBytes(
    ECDSA_CERTIFICATE_TYPEHASH,
    uintWord(referenceTimestamp, "referenceTimestamp", UINT32_MAX),
    messageHashWord(messageHash),
  ));
  return concatBytes(EIP191_PREFIX, cachedDomainSeparator(verifier), structHash);
}

/**
 * `ECDSACertificateVerifier.calculateCertificateDigest`: keccak256 of the digest bytes — what an
 * ECDSA `result_signature` signs.
 */
export function ecdsaCertificateDigest(
  referenceTimestamp: UintInput,
  messageHash: Uint8Array,
  verifier: CertificateVerifierRef,
): Uint8Array {
  return keccak256(ecdsaCertificateDigestBytes(referenceTimestamp, messageHash, verifier));
}

/**
 * `BN254CertificateVerifier.calculateCertificateDigest(referenceTimestamp, messageHash)` — what
 * a BN254 `result_signature` signs (Solidity-compatible hash-to-G1). Pure: no verifier address.
 */
export function bn254CertificateDigest(
  referenceTimestamp: UintInput,
  messageHash: Uint8Array,
): Uint8Array {
  return keccak256(concatBytes(
    BN254_CERTIFICATE_TYPEHASH,
    uintWord(referenceTimestamp, "referenceTimestamp", UINT32_MAX),
    messageHashWord(messageHash),
  ));
}

/**
 * The major version as `SemVerMixin._majorVersion()` takes it: the first byte of `version()`,
 * whatever it is (a deployment whose version were "v1.8.0" would sign over "v"; this does the
 * same rather than guess). An empty version is refused.
 */
export function majorVersion(version: string): Uint8Array {
  const bytes = typeof version === "string" ? enc.encode(version) : new Uint8Array();
  if (bytes.length === 0) throw new RangeError("certificate verifier version must not be empty");
  return bytes.subarray(0, 1);
}

function messageHashWord(messageHash: Uint8Array): Uint8Array {
  if (!(messageHash instanceof Uint8Array) || messageHash.length !== 32) {
    throw new RangeError("messageHash must be 32 bytes");
  }
  return messageHash;
}
