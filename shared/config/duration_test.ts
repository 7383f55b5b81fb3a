import assert from "node:assert/strict";
import { durationMs, formatDuration, parseDuration } from "./duration.ts";

Deno.test("parseDuration reads Go-style durations", () => {
  assert.equal(parseDuration("30s"), 30_000);
  assert.equal(parseDuration("1m30s"), 90_000);
  assert.equal(parseDuration("250ms"), 250);
  assert.equal(parseDuration("1.5h"), 5_400_000);
  assert.equal(parseDuration("2h0m5s"), 7_205_000);
});

Deno.test("parseDuration rejects bare numbers and unknown units, naming the value", () => {
  for (const bad of ["30", "", "5 s", "1d", "s", "-1s"]) {
    assert.throws(() => parseDuration(bad), (err: Error) => err.message.includes(`"${bad}"`));
  }
});

Deno.test("formatDuration is the inverse for whole units", () => {
  for (const text of ["0s", "30s", "1m30s", "2h5s", "1s250ms", "168h"]) {
    assert.equal(formatDuration(parseDuration(text)), text);
  }
});

Deno.test("durationMs: a default and inclusive bounds, as a user writes them", () => {
  const timeout = durationMs("30s", { min: "1s", max: "10m" });
  assert.equal(timeout.parse(undefined), 30_000);
  assert.equal(timeout.parse("1s"), 1_000);
  assert.equal(timeout.parse("10m"), 600_000);
  const message = (input: unknown) => timeout.safeParse(input).error?.issues[0].message;
  assert.equal(message("999ms"), "must be at least 1s");
  assert.equal(message("0s"), "must be at least 1s");
  assert.equal(message("0.5ms"), "must be at least 1s");
  assert.equal(message("10m1ms"), "must be at most 10m");
  // Too many digits to be finite: Infinity, which is above any bound.
  assert.equal(message(`${"9".repeat(400)}s`), "must be at most 10m");
  assert.equal(message(30), 'must be a duration string such as "30s" (got number)');
});

Deno.test("durationMs refuses bounds that exclude its default", () => {
  assert.throws(() => durationMs("0s", { min: "1s", max: "1m" }), RangeError);
  assert.throws(() => durationMs("2m", { min: "1s", max: "1m" }), RangeError);
  assert.throws(() => durationMs("1s", { min: "1m", max: "1s" }), RangeError);
});
