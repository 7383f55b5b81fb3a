import assert from "node:assert/strict";
import { FakeClock, settle } from "../../tests/fixture/fake_clock.ts";
import { TokenBucket } from "./rate_limiter.ts";

Deno.test("a token bucket lets a burst through, then one action per 1/qps, in order", async () => {
  const clock = new FakeClock();
  const bucket = new TokenBucket({ qps: 10, burst: 2, clock });
  const passed: number[] = [];
  for (let i = 0; i < 4; i++) bucket.wait().then(() => passed.push(i));
  await settle();
  assert.deepEqual(passed, [0, 1], "the burst");
  clock.tick(99);
  await settle();
  assert.deepEqual(passed, [0, 1]);
  clock.tick(1);
  await settle();
  assert.deepEqual(passed, [0, 1, 2], "the next token after 100 ms");
  clock.tick(100);
  await settle();
  assert.deepEqual(passed, [0, 1, 2, 3]);
});

Deno.test("a token bucket refuses a rate that would never let anything through", () => {
  assert.throws(() => new TokenBucket({ qps: 0, burst: 1 }), RangeError);
  assert.throws(() => new TokenBucket({ qps: 1, burst: 0 }), RangeError);
});
