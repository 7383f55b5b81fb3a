/**
 * Byte, hex and integer helpers shared by the signing module (folder-private).
 *
 * Every parser takes the name of the field it reads so a bad input fails with a `RangeError` that
 * says which field was wrong. Messages describe the expected shape and never echo the value: some
 * callers parse private keys with these helpers.
 * @module
 */

const HEX = /^[0-9a-fA-F]*$/;

/** Options of {@linkcode hexToBytes}. */
export interface HexOptions {
  /** Exact byte length required; any length when absent. */
  length?: number;
  /** Whether the `0x` prefix is required (true), forbidden (false) or optional (undefined). */
  prefix?: boolean;
}

/** Decodes hex (optionally `0x`-prefixed) into bytes, naming `field` in the error. */
export function hexToBytes(hex: string, field: string, options: HexOptions = {}): Uint8Array {
  if (typeof hex !== "string") throw new RangeError(`${field} must be a hex string`);
  const prefixed = hex.startsWith("0x") || hex.startsWith("0X");
  const digits = prefixed ? hex.slice(2) : hex;
  const shape = options.length === undefined
    ? "hex"
    : `${options.length} bytes of hex (${options.length * 2} digits)`;
  const prefixRule = options.prefix === true ? "0x-prefixed " : "";
  if (
    (options.prefix === true && !prefixed) || (options.prefix === false && prefixed) ||
    digits.length % 2 !== 0 || !HEX.test(digits) ||
    (options.length !== undefined && digits.length !== options.length * 2)
  ) {
    throw new RangeError(`${field} must be ${prefixRule}${shape}`);
  }
  // By character code rather than parseInt per byte: ids and addresses of every task pass here.
  const out = new Uint8Array(digits.length / 2);
  for (let i = 0; i < out.length; i++) {
    out[i] = (nibble(digits.charCodeAt(2 * i)) << 4) | nibble(digits.charCodeAt(2 * i + 1));
  }
  return out;
}

/** The value of a hex digit's character code (already checked to be a hex digit). */
function nibble(code: number): number {
  return code <= 57 ? code - 48 : (code | 0x20) - 87; // 0-9, then a-f / A-F
}

const BYTE_HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, "0"));

/** Encodes bytes as lowercase hex, with a `0x` prefix unless `prefix` is false. */
export function bytesToHex(bytes: Uint8Array, prefix = true): string {
  let hex = "";
  for (const b of bytes) hex += BYTE_HEX[b];
  return prefix ? `0x${hex}` : hex;
}

/** Concatenates byte arrays. */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** Reads bytes as an unsigned big-endian integer. */
export function bytesToBigInt(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt(bytesToHex(bytes));
}

/** Writes a non-negative integer as `length` big-endian bytes (left-padded with zeros). */
export function bigIntToBytes(value: bigint, length = 32): Uint8Array {
  if (value < 0n || value >= 1n << BigInt(8 * length)) {
    throw new RangeError(`Integer does not fit in ${length} bytes`);
  }
  return hexToBytes(value.toString(16).padStart(length * 2, "0"), "integer");
}

/** Byte equality that takes the same time wherever the first difference is (for MACs). */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

/** Left-pads bytes with zeros to 32 bytes (a Solidity word). */
export function pad32(bytes: Uint8Array): Uint8Array {
  if (bytes.length > 32) throw new RangeError("Value is longer than 32 bytes");
  const out = new Uint8Array(32);
  out.set(bytes, 32 - bytes.length);
  return out;
}

/** Zeroes a buffer that held secret material, so it does not linger until garbage collection. */
export function wipe(bytes: Uint8Array): void {
  bytes.fill(0);
}
