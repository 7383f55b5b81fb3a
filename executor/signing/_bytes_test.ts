import assert from "node:assert/strict";
import {
  bigIntToBytes,
  bytesToBigInt,
  bytesToHex,
  concatBytes,
  constantTimeEqual,
  hexToBytes,
  pad32,
} from "./_bytes.ts";

Deno.test("hexToBytes decodes with or without 0x and round-trips through bytesToHex", () => {
  assert.deepEqual(hexToBytes("0x00ff10", "f"), new Uint8Array([0, 255, 16]));
  assert.deepEqual(hexToBytes("00FF10", "f"), new Uint8Array([0, 255, 16]));
  assert.equal(bytesToHex(new Uint8Array([0, 255, 16])), "0x00ff10");
  assert.equal(bytesToHex(new Uint8Array([0, 255, 16]), false), "00ff10");
  // Every byte value, both letter cases, against Number's own hex.
  const all = Uint8Array.from({ length: 256 }, (_, i) => i);
  const hex = [...all].map((b) => b.toString(16).padStart(2, "0")).join("");
  assert.equal(bytesToHex(all, false), hex);
  assert.deepEqual(hexToBytes(hex, "f"), all);
  assert.deepEqual(hexToBytes(hex.toUpperCase(), "f"), all);
  assert.deepEqual(hexToBytes("0xaBcD", "f"), new Uint8Array([0xab, 0xcd]));
});

Deno.test("hexToBytes refuses bad hex with a RangeError naming the field, not the value", () => {
  const bad: [string, Parameters<typeof hexToBytes>[2]][] = [
    ["0x0", {}],
    ["0xzz", {}],
    ["0x00", { length: 2 }],
    ["00", { prefix: true }],
    ["0x00", { prefix: false }],
  ];
  for (const [input, options] of bad) {
    assert.throws(
      () => hexToBytes(input, "secretField", options),
      (e: unknown) =>
        e instanceof RangeError && e.message.startsWith("secretField ") &&
        !e.message.includes(input),
    );
  }
});

Deno.test("integers encode as big-endian words and back", () => {
  assert.equal(bytesToHex(bigIntToBytes(1n, 4)), "0x00000001");
  assert.equal(bytesToBigInt(bigIntToBytes(2n ** 255n + 7n)), 2n ** 255n + 7n);
  assert.throws(() => bigIntToBytes(2n ** 32n, 4), RangeError);
  assert.throws(() => bigIntToBytes(-1n), RangeError);
  assert.equal(bytesToBigInt(new Uint8Array()), 0n);
});

Deno.test("pad32, concatBytes and constantTimeEqual", () => {
  const padded = pad32(new Uint8Array([1, 2]));
  assert.equal(padded.length, 32);
  assert.deepEqual([...padded.subarray(30)], [1, 2]);
  assert.ok(padded.subarray(0, 30).every((b) => b === 0));
  assert.throws(() => pad32(new Uint8Array(33)), RangeError);
  assert.deepEqual(
    concatBytes(new Uint8Array([1]), new Uint8Array([2, 3])),
    new Uint8Array([1, 2, 3]),
  );
  assert.ok(constantTimeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2])));
  assert.ok(!constantTimeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 3])));
  assert.ok(!constantTimeEqual(new Uint8Array([1]), new Uint8Array([1, 0])));
});
