/**
 * A minimal protobuf wire-format reader for tests: it lets a test check field numbers and wire
 * types in the bytes actually sent, independently of the .proto files and of protobufjs.
 * @module
 */

/** Wire types of the protobuf encoding. */
export const WireType = { VARINT: 0, I64: 1, LEN: 2, I32: 5 } as const;

/** One field occurrence in an encoded message. */
export interface WireField {
  field: number;
  wireType: number;
  /** The varint value (VARINT), else undefined. */
  varint?: bigint;
  /** The payload bytes (LEN, I64, I32). */
  bytes?: Uint8Array;
}

/** Splits an encoded message into its field occurrences, in order. */
export function decodeFields(buf: Uint8Array): WireField[] {
  const fields: WireField[] = [];
  let pos = 0;
  const readVarint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (pos >= buf.length) throw new RangeError("Truncated varint");
      const byte = buf[pos++];
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7n;
    }
  };
  const take = (n: number): Uint8Array => {
    if (pos + n > buf.length) throw new RangeError("Truncated field");
    const out = buf.subarray(pos, pos + n);
    pos += n;
    return out;
  };
  while (pos < buf.length) {
    const tag = readVarint();
    const field = Number(tag >> 3n);
    const wireType = Number(tag & 7n);
    if (wireType === WireType.VARINT) fields.push({ field, wireType, varint: readVarint() });
    else if (wireType === WireType.LEN) {
      fields.push({ field, wireType, bytes: take(Number(readVarint())) });
    } else if (wireType === WireType.I64) fields.push({ field, wireType, bytes: take(8) });
    else if (wireType === WireType.I32) fields.push({ field, wireType, bytes: take(4) });
    else throw new RangeError(`Unsupported wire type ${wireType} for field ${field}`);
  }
  return fields;
}
