import assert from "node:assert/strict";
import { hostFromEnv, portFromEnv } from "./_env.ts";

const env = (vars: Record<string, string>) => (name: string) => vars[name];

Deno.test("GRPC_PORT and HOURGLASS_BIND_HOST default to 9090 and 0.0.0.0", () => {
  assert.equal(portFromEnv(env({})), 9090);
  assert.equal(hostFromEnv(env({})), "0.0.0.0");
  assert.equal(portFromEnv(env({ GRPC_PORT: "7001" })), 7001);
  assert.equal(hostFromEnv(env({ HOURGLASS_BIND_HOST: "127.0.3.7" })), "127.0.3.7");
});

Deno.test("a GRPC_PORT that is not a port number is an error naming it", () => {
  for (const bad of ["abc", "-1", "70000", "90.5"]) {
    assert.throws(() => portFromEnv(env({ GRPC_PORT: bad })), /GRPC_PORT must be a port number/);
  }
});
