import assert from "node:assert/strict";
import { ephemeralPortFloor, freePort } from "./process.ts";

Deno.test("freePort: bindable ports below the ephemeral range, never the same one twice", () => {
  const floor = ephemeralPortFloor();
  assert.ok(floor > 10_000, `ephemeral range starts at ${floor}`);
  const ports = Array.from({ length: 300 }, () => freePort());
  assert.equal(new Set(ports).size, ports.length, "no port handed out twice");
  for (const port of ports) {
    assert.ok(port >= 10_000 && port < floor, `${port} outside 10000–${floor - 1}`);
  }
  // Each is free: a listener can take it (the process the port is for).
  for (const port of ports.slice(0, 20)) Deno.listen({ hostname: "127.0.0.1", port }).close();
});
