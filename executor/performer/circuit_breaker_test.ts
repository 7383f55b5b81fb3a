import assert from "node:assert/strict";
import { CircuitBreaker } from "./circuit_breaker.ts";

Deno.test("the breaker opens after consecutive failures and half-opens after the timeout", () => {
  let now = 0;
  const breaker = new CircuitBreaker({ failureThreshold: 3, resetTimeoutMs: 1000, now: () => now });
  for (let i = 0; i < 2; i++) {
    assert.ok(breaker.tryAcquire());
    breaker.onFailure();
  }
  assert.equal(breaker.state, "closed");
  breaker.onFailure();
  assert.equal(breaker.state, "open");
  assert.equal(breaker.tryAcquire(), false, "fails fast while open");
  now = 1000;
  assert.equal(breaker.state, "half-open");
  assert.equal(breaker.tryAcquire(), true, "one trial");
  assert.equal(breaker.tryAcquire(), false, "only one trial at a time");
  breaker.onFailure();
  assert.equal(breaker.state, "open", "a failed trial opens it again");
  now = 2000;
  assert.ok(breaker.tryAcquire());
  breaker.onSuccess();
  assert.equal(breaker.state, "closed");
  assert.ok(breaker.tryAcquire());
});

Deno.test("a success resets the failure count", () => {
  const breaker = new CircuitBreaker({ failureThreshold: 2 });
  breaker.onFailure();
  breaker.onSuccess();
  breaker.onFailure();
  assert.equal(breaker.state, "closed");
});
