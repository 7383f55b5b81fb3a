import assert from "node:assert/strict";
import { retry, RetryError } from "./retry.ts";

const FAST = { minTimeout: 1, maxTimeout: 4, jitter: 0 };

Deno.test("retry returns the first success", async () => {
  let calls = 0;
  const result = await retry(() => {
    if (++calls < 3) throw new Error(`failure ${calls}`);
    return "done";
  }, FAST);
  assert.equal(result, "done");
  assert.equal(calls, 3);
});

Deno.test("retry gives up after maxAttempts with a RetryError caused by the last failure", async () => {
  let calls = 0;
  const err = await retry(() => Promise.reject(new Error(`failure ${++calls}`)), {
    ...FAST,
    maxAttempts: 3,
  }).catch((e) => e);
  assert.ok(err instanceof RetryError);
  assert.equal(err.attempts, 3);
  assert.equal((err.cause as Error).message, "failure 3");
  assert.equal(calls, 3);
});

Deno.test("a failure isRetriable refuses is thrown at once, as it is", async () => {
  let calls = 0;
  const fatal = new TypeError("bug");
  await assert.rejects(
    retry(() => {
      calls++;
      throw fatal;
    }, { ...FAST, isRetriable: (e) => !(e instanceof TypeError) }),
    (e) => e === fatal,
  );
  assert.equal(calls, 1);
});

Deno.test("the signal stops retrying during a wait", async () => {
  const stop = new AbortController();
  let calls = 0;
  const retrying = retry(() => {
    calls++;
    queueMicrotask(() => stop.abort(new Error("stopped")));
    throw new Error("failure");
  }, { minTimeout: 60_000, maxTimeout: 60_000, signal: stop.signal });
  await assert.rejects(retrying, /stopped/);
  assert.equal(calls, 1);
});

Deno.test("retry refuses options std's retry refuses", async () => {
  const fn = () => "x";
  await assert.rejects(retry(fn, { maxTimeout: 0 }), RangeError);
  await assert.rejects(retry(fn, { minTimeout: 10, maxTimeout: 5 }), RangeError);
  await assert.rejects(retry(fn, { jitter: 1.5 }), RangeError);
  await assert.rejects(retry(fn, { maxAttempts: 0 }), RangeError);
});
