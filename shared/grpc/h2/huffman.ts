/**
 * HPACK Huffman decoding (RFC 7541 section 5.2): a binary tree built once from the spec's code
 * table (`_huffman_table.ts`). Only decoding: our encoder sends plain strings, which every peer
 * accepts, but peers such as grpc-go Huffman-code what they send.
 * @module
 */

import { HUFFMAN_CODES, HUFFMAN_LENGTHS } from "./_huffman_table.ts";

/** A string that is not valid Huffman code; the connection must fail (COMPRESSION_ERROR). */
export class HuffmanError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = "HuffmanError";
  }
}

// Tree nodes: children[2n] and children[2n+1] are the 0 and 1 branches of node n; a value
// below 0 is a leaf holding symbol -(value + 1); 0 is "no child" (node 0 is the root).
const children: number[] = [0, 0];

function buildTree(): void {
  for (let symbol = 0; symbol < 256; symbol++) {
    const code = HUFFMAN_CODES[symbol];
    const length = HUFFMAN_LENGTHS[symbol];
    let node = 0;
    for (let bit = length - 1; bit > 0; bit--) {
      const slot = 2 * node + ((code >>> bit) & 1);
      if (children[slot] === 0) {
        children[slot] = children.length / 2;
        children.push(0, 0);
      }
      node = children[slot];
    }
    children[2 * node + (code & 1)] = -(symbol + 1);
  }
}
buildTree();

/** Decodes a Huffman-coded string; throws HuffmanError on EOS, bad padding or a bad code. */
export function huffmanDecode(input: Uint8Array): Uint8Array {
  const out: number[] = [];
  let node = 0;
  let depth = 0; // bits read since the last symbol
  let allOnes = true; // whether those bits were all 1 (valid padding is a prefix of EOS)
  for (const byte of input) {
    for (let bit = 7; bit >= 0; bit--) {
      const b = (byte >>> bit) & 1;
      const next = children[2 * node + b];
      depth++;
      allOnes &&= b === 1;
      if (next < 0) {
        out.push(-next - 1);
        node = 0;
        depth = 0;
        allOnes = true;
      } else if (next === 0) {
        // Only EOS (30 ones) leads nowhere in the tree built from symbols 0-255.
        throw new HuffmanError("Huffman string contains EOS or an invalid code");
      } else {
        node = next;
      }
    }
  }
  if (depth > 7) throw new HuffmanError(`Huffman padding of ${depth} bits (at most 7 allowed)`);
  if (!allOnes) throw new HuffmanError("Huffman padding is not the most significant bits of EOS");
  return new Uint8Array(out);
}
