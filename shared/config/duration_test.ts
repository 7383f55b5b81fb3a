import assert from "node:assert/strict";
import { formatDuration, parseDuration } from "./duration.ts";

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
