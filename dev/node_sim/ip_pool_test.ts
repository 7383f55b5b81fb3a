import assert from "node:assert/strict";
import { IpPool, isPodAddress } from "./ip_pool.ts";

Deno.test("pools hand out distinct loopback addresses, also across pools", () => {
  const a = new IpPool();
  const b = new IpPool();
  const seen = new Set<string>();
  for (let i = 0; i < 50; i++) {
    for (const pool of [a, b]) {
      const ip = pool.allocate([9090]);
      assert.ok(isPodAddress(ip), ip);
      assert.ok(!seen.has(ip), `${ip} handed out twice`);
      seen.add(ip);
    }
  }
  a.releaseAll();
  b.releaseAll();
  assert.deepEqual(a.allocated, []);
});

Deno.test("an address whose port is taken is skipped, a released one can come back", () => {
  const pool = new IpPool();
  const ip = pool.allocate([9090]);
  pool.release(ip);
  const listener = Deno.listen({ hostname: ip, port: 9090 });
  try {
    assert.notEqual(pool.allocate([9090], ip), ip, "port 9090 is busy on the preferred address");
  } finally {
    listener.close();
    pool.releaseAll();
  }
  assert.equal(pool.allocate([9090], ip), ip, "free again");
  pool.releaseAll();
});

Deno.test("isPodAddress excludes the host's own 127.0.0.x", () => {
  assert.equal(isPodAddress("127.0.0.1"), false);
  assert.equal(isPodAddress("127.0.3.4"), true);
  assert.equal(isPodAddress("10.0.3.4"), false);
});
