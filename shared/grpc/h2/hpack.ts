/**
 * HPACK (RFC 7541). The encoder writes every field as a literal without indexing with a new name
 * and no Huffman code: always valid, no state to share with the peer. The decoder is complete:
 * indexed fields, literals with and without indexing, never-indexed literals, dynamic table size
 * updates with eviction, and Huffman-coded strings.
 * @module
 */

import { huffmanDecode } from "./huffman.ts";
import { STATIC_TABLE } from "./_static_table.ts";

/** A header field as it appears on the wire, in order. */
export type HeaderField = [name: string, value: string];

/** Bad HPACK input; HTTP/2 treats it as a connection error COMPRESSION_ERROR. */
export class HpackError extends Error {
  /** Creates the error. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "HpackError";
  }
}

const utf8 = new TextEncoder();
// Header values are octets; latin1 keeps every byte (grpc-message is percent-encoded ASCII).
const latin1 = new TextDecoder("latin1");

/** Appends `value` as an HPACK integer with an N-bit prefix; `first` holds the prefix's flags. */
export function encodeInteger(out: number[], value: number, prefixBits: number, first = 0): void {
  const max = (1 << prefixBits) - 1;
  if (value < max) {
    out.push(first | value);
    return;
  }
  out.push(first | max);
  value -= max;
  while (value >= 128) {
    out.push((value % 128) | 128);
    value = Math.floor(value / 128);
  }
  out.push(value);
}

/** Reads an HPACK integer with an N-bit prefix at `pos`; returns it and the next position. */
export function decodeInteger(
  input: Uint8Array,
  pos: number,
  prefixBits: number,
): [value: number, next: number] {
  if (pos >= input.length) throw new HpackError("Header block ends inside an integer");
  const max = (1 << prefixBits) - 1;
  let value = input[pos++] & max;
  if (value < max) return [value, pos];
  let shift = 0;
  for (;;) {
    if (pos >= input.length) throw new HpackError("Header block ends inside an integer");
    const byte = input[pos++];
    value += (byte & 127) * 2 ** shift;
    shift += 7;
    if (!(byte & 128)) return [value, pos];
    // 2^35 is far above any size or index we accept; stop before precision is lost.
    if (shift > 35) throw new HpackError("HPACK integer too large");
  }
}

/** Encodes a header list (names must be lowercase). */
export function encodeHeaders(fields: readonly HeaderField[]): Uint8Array {
  const out: number[] = [];
  for (const [name, value] of fields) {
    out.push(0x00); // literal without indexing, new name
    writeString(out, utf8.encode(name));
    writeString(out, utf8.encode(value));
  }
  return new Uint8Array(out);
}

function writeString(out: number[], bytes: Uint8Array): void {
  encodeInteger(out, bytes.length, 7, 0x00);
  for (const b of bytes) out.push(b);
}

/** HPACK decoder state for one connection: the dynamic table. */
export class HpackDecoder {
  // Newest entry first, as HPACK indexes it (index 62 = entries[0]).
  #entries: HeaderField[] = [];
  #size = 0;
  #maxSize: number;
  /** The bound the peer may raise the table to: our SETTINGS_HEADER_TABLE_SIZE. */
  readonly settingsMaxSize: number;

  /** Creates a decoder; `maxSize` is the SETTINGS_HEADER_TABLE_SIZE we advertise (4096). */
  constructor(maxSize = 4096) {
    this.#maxSize = maxSize;
    this.settingsMaxSize = maxSize;
  }

  /** The dynamic table's size in octets (entries count their lengths plus 32). */
  get size(): number {
    return this.#size;
  }

  /** The dynamic table, newest first (for tests). */
  get entries(): readonly HeaderField[] {
    return this.#entries;
  }

  /** Decodes one complete header block. */
  decode(block: Uint8Array): HeaderField[] {
    const fields: HeaderField[] = [];
    let pos = 0;
    let sawField = false;
    while (pos < block.length) {
      const byte = block[pos];
      if (byte & 0x80) { // indexed field
        const [index, next] = decodeInteger(block, pos, 7);
        fields.push(this.#lookup(index));
        pos = next;
      } else if (byte & 0x40) { // literal with incremental indexing
        const [field, next] = this.#literal(block, pos, 6);
        this.#add(field);
        fields.push(field);
        pos = next;
      } else if (byte & 0x20) { // dynamic table size update
        if (sawField) throw new HpackError("Table size update after a header field");
        const [size, next] = decodeInteger(block, pos, 5);
        if (size > this.settingsMaxSize) {
          throw new HpackError(`Table size update to ${size} above our limit`);
        }
        this.#maxSize = size;
        this.#evict(0);
        pos = next;
        continue;
      } else { // literal without indexing (0000) or never indexed (0001)
        const [field, next] = this.#literal(block, pos, 4);
        fields.push(field);
        pos = next;
      }
      sawField = true;
    }
    return fields;
  }

  #literal(block: Uint8Array, pos: number, prefixBits: number): [HeaderField, number] {
    const [index, afterIndex] = decodeInteger(block, pos, prefixBits);
    let name: string;
    pos = afterIndex;
    if (index === 0) [name, pos] = readString(block, pos);
    else name = this.#lookup(index)[0];
    const [value, next] = readString(block, pos);
    return [[name, value], next];
  }

  #lookup(index: number): HeaderField {
    if (index === 0) throw new HpackError("Header index 0");
    if (index <= STATIC_TABLE.length) return STATIC_TABLE[index - 1];
    const entry = this.#entries[index - STATIC_TABLE.length - 1];
    if (!entry) throw new HpackError(`Header index ${index} beyond the dynamic table`);
    return entry;
  }

  #add(field: HeaderField): void {
    const size = entrySize(field);
    this.#evict(size);
    // An entry larger than the table empties it and is not added (RFC 7541 section 4.4).
    if (size > this.#maxSize) return;
    this.#entries.unshift(field);
    this.#size += size;
  }

  #evict(room: number): void {
    while (this.#entries.length && this.#size + room > this.#maxSize) {
      this.#size -= entrySize(this.#entries.pop()!);
    }
  }
}

function entrySize([name, value]: HeaderField): number {
  return utf8.encode(name).length + utf8.encode(value).length + 32;
}

function readString(block: Uint8Array, pos: number): [string, number] {
  if (pos >= block.length) throw new HpackError("Header block ends before a string");
  const huffman = (block[pos] & 0x80) !== 0;
  const [length, start] = decodeInteger(block, pos, 7);
  const end = start + length;
  if (end > block.length) throw new HpackError("Header string runs past the block");
  const raw = block.subarray(start, end);
  let bytes: Uint8Array;
  try {
    bytes = huffman ? huffmanDecode(raw) : raw;
  } catch (cause) {
    throw new HpackError(`Bad Huffman string: ${(cause as Error).message}`, { cause });
  }
  return [latin1.decode(bytes), end];
}
