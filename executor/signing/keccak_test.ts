import assert from "node:assert/strict";
import { keccak256 as jsKeccak256 } from "js-sha3";
import { sha3_256 } from "@noble/hashes/sha3.js";
import { bytesToHex } from "./_bytes.ts";
import { keccak256 } from "./keccak.ts";

const utf8 = (s: string) => new TextEncoder().encode(s);

Deno.test("keccak256 matches the published Ethereum vectors", () => {
  const vectors: [string, string][] = [
    ["", "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"],
    ["abc", "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45"],
    [
      "The quick brown fox jumps over the lazy dog",
      "4d741b6f1eb29cb2a9b9911c82f56fa8d73b04959d3d9d222895df6c0b28aa15",
    ],
  ];
  for (const [input, expected] of vectors) {
    assert.equal(bytesToHex(keccak256(utf8(input)), false), expected, JSON.stringify(input));
  }
});

Deno.test("keccak256 agrees with js-sha3 across lengths, including the 136-byte block edge", () => {
  for (const length of [0, 1, 31, 32, 33, 64, 135, 136, 137, 271, 272, 273, 1024, 4099]) {
    const data = new Uint8Array(length).map((_, i) => (i * 131 + length) & 0xff);
    assert.equal(bytesToHex(keccak256(data), false), jsKeccak256(data), `length ${length}`);
  }
});

Deno.test("keccak256 is Keccak, not NIST SHA3-256 (different padding)", () => {
  assert.notEqual(bytesToHex(keccak256(utf8(""))), bytesToHex(sha3_256(utf8(""))));
});
