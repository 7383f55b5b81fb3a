import assert from "node:assert/strict";
import { connectionErrorReporter } from "./connection_errors.ts";

const event = (n: number) => ({ peer: `10.0.0.${n}:5000`, code: "PROTOCOL_ERROR", reason: "bad" });

Deno.test("connection errors: each counted, at most one log line a second, the next says how many were left out", () => {
  let t = 0;
  const lines: Array<[string, string, Record<string, unknown>]> = [];
  const counted: string[] = [];
  const report = connectionErrorReporter({
    log: (level, msg, fields) => lines.push([level, msg, fields as Record<string, unknown>]),
    count: (code) => counted.push(code),
    now: () => t,
  });
  report(event(1));
  for (let i = 2; i <= 100; i++) report(event(i)); // a burst within the same second
  assert.equal(counted.length, 100, "every one counted");
  assert.equal(lines.length, 1, "one line for the burst");
  assert.equal(lines[0][0], "warn");
  assert.deepEqual(lines[0][2], { peer: "10.0.0.1:5000", code: "PROTOCOL_ERROR", reason: "bad" });
  t = 999;
  report(event(101));
  assert.equal(lines.length, 1, "still within the second");
  t = 1_999;
  report({ ...event(102), code: "ENHANCE_YOUR_CALM" });
  assert.equal(lines.length, 2);
  assert.deepEqual(lines[1][2], {
    peer: "10.0.0.102:5000",
    code: "ENHANCE_YOUR_CALM",
    reason: "bad",
    notLoggedSinceLastLine: 100,
  });
  t = 5_000;
  report(event(103));
  assert.equal(lines[2][2].notLoggedSinceLastLine, undefined, "nothing left out since");
  assert.equal(counted.at(-2), "ENHANCE_YOUR_CALM");
});
