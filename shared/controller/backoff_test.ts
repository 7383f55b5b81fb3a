import assert from "node:assert/strict";
import { backoffDelay, delay, exponentialBackoff } from "./backoff.ts";

Deno.test("the delay grows by the multiplier from minTimeout and stops at maxTimeout", () => {
  const options = { minTimeout: 5, maxTimeout: 100, jitter: 0 };
  assert.deepEqual([0, 1, 2, 3, 4, 5].map((n) => backoffDelay(n, options)), [
    5,
    10,
    20,
    40,
    80,
    100,
  ]);
  assert.equal(backoffDelay(5000, options), 100, "no overflow after many failures");
  assert.deepEqual(
    [0, 1, 2].map((n) => backoffDelay(n, { ...options, multiplier: 3 })),
    [5, 15, 45],
  );
});

Deno.test("jitter spreads a delay either side, never past maxTimeout", () => {
  const options = { minTimeout: 1000, maxTimeout: 1100, jitter: 0.2 };
  assert.equal(backoffDelay(0, { ...options, random: () => 0 }), 800);
  assert.equal(backoffDelay(0, { ...options, random: () => 0.5 }), 1000);
  assert.equal(backoffDelay(0, { ...options, random: () => 0.999999 }), 1100, "capped");
});

Deno.test("a back-off sequence counts failures and starts again after reset", () => {
  const backoff = exponentialBackoff({ minTimeout: 10, maxTimeout: 1000, jitter: 0 });
  assert.deepEqual([backoff.next(), backoff.next(), backoff.next()], [10, 20, 40]);
  assert.equal(backoff.failures, 3);
  backoff.reset();
  assert.equal(backoff.failures, 0);
  assert.equal(backoff.next(), 10);
});

Deno.test("delay rejects with the signal's reason when aborted", async () => {
  const stop = new AbortController();
  const waiting = delay(60_000, stop.signal);
  stop.abort(new Error("stopped"));
  await assert.rejects(waiting, /stopped/);
  await assert.rejects(delay(1, stop.signal), /stopped/, "already aborted");
});
