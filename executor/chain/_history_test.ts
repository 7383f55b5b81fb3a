import assert from "node:assert/strict";
import { History, LruMap } from "./_history.ts";

Deno.test("History: the base from `since`, each change from its block, nothing before", () => {
  const h = new History<string>(10n, "a", 8);
  h.push(12n, "b");
  h.push(15n, "c");
  h.push(15n, "d"); // two changes in one block: the last wins
  assert.equal(h.at(9n), undefined);
  assert.deepEqual([10n, 11n, 12n, 14n, 15n, 99n].map((b) => h.at(b)?.value), [
    "a",
    "a",
    "b",
    "b",
    "d",
    "d",
  ]);
  assert.throws(() => h.push(14n, "x"), RangeError);
  assert.throws(() => new History(1n, "a", 1).push(1n, "x"), RangeError, "the base holds block 1");
});

Deno.test("History: over the cap the oldest change becomes the base; rollback drops later ones", () => {
  const h = new History<string>(10n, "a", 2);
  h.push(11n, "b");
  h.push(12n, "c");
  h.push(13n, "d");
  assert.equal(h.since, 11n);
  assert.equal(h.changeCount, 2);
  assert.equal(h.at(10n), undefined, "forgotten: read from the chain");
  assert.deepEqual([11n, 12n, 13n].map((b) => h.at(b)?.value), ["b", "c", "d"]);
  // Same block over the cap: the later change of that block still applies.
  const same = new History<string>(1n, "a", 1);
  same.push(5n, "off");
  same.push(5n, "on");
  assert.equal(same.since, 5n);
  assert.equal(same.at(5n)?.value, "on");
  same.push(5n, "again");
  assert.equal(same.at(6n)?.value, "again");
  assert.ok(h.rollback(12n));
  assert.equal(h.at(13n)?.value, "c");
  assert.equal(h.rollback(10n), false, "starts after the fork: drop it");
});

Deno.test("LruMap: evicts the least recently used; peek does not count as a use", () => {
  const m = new LruMap<string, number>(2);
  m.set("a", 1);
  m.set("b", 2);
  m.get("a");
  m.set("c", 3);
  assert.deepEqual([...m.entries()].map(([k]) => k), ["a", "c"]);
  m.peek("a");
  m.set("d", 4);
  assert.deepEqual([...m.entries()].map(([k]) => k), ["c", "d"]);
  assert.equal(m.evictions, 2);
  assert.equal(m.size, 2);
});
