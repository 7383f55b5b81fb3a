import assert from "node:assert/strict";
import { addQuantity, parseQuantity } from "./quantity.ts";

Deno.test("parseQuantity reads decimal, binary and exponent forms", () => {
  assert.equal(parseQuantity("2"), 2);
  assert.equal(parseQuantity("500m"), 0.5);
  assert.equal(parseQuantity("1.5"), 1.5);
  assert.equal(parseQuantity("8Gi"), 8 * 2 ** 30);
  assert.equal(parseQuantity("128Mi"), 128 * 2 ** 20);
  assert.equal(parseQuantity("1k"), 1000);
  assert.equal(parseQuantity("1e3"), 1000);
  assert.equal(parseQuantity(".5"), 0.5);
  assert.equal(parseQuantity(3), 3);
});

Deno.test("parseQuantity rejects what is not a quantity", () => {
  assert.throws(() => parseQuantity("two"), RangeError);
  assert.throws(() => parseQuantity("1Xi"), RangeError);
  assert.throws(() => parseQuantity(""), RangeError);
});

Deno.test("addQuantity sums per resource", () => {
  const sum = new Map<string, number>();
  addQuantity(sum, "cpu", "250m");
  addQuantity(sum, "cpu", "750m");
  addQuantity(sum, "memory", "1Gi");
  assert.equal(sum.get("cpu"), 1);
  assert.equal(sum.get("memory"), 2 ** 30);
});
