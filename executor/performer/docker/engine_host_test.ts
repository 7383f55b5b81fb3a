import assert from "node:assert/strict";
import {
  DEFAULT_DOCKER_SOCKET,
  describeEngineAddress,
  redactDockerHost,
  resolveEngineAddress,
} from "./engine_host.ts";

const noEnv = () => undefined;
const envOf = (vars: Record<string, string>) => (name: string) => vars[name];

Deno.test("resolveEngineAddress: config, then DOCKER_HOST, then the default socket", () => {
  const env = envOf({ DOCKER_HOST: "unix:///run/from-env.sock" });
  assert.deepEqual(resolveEngineAddress({ host: "/run/from-config.sock", env }), {
    transport: "unix",
    path: "/run/from-config.sock",
  });
  assert.deepEqual(resolveEngineAddress({ env }), {
    transport: "unix",
    path: "/run/from-env.sock",
  });
  assert.deepEqual(resolveEngineAddress({ host: "  ", env: noEnv }), {
    transport: "unix",
    path: DEFAULT_DOCKER_SOCKET,
  });
});

Deno.test("resolveEngineAddress: unix, tcp and http spellings", () => {
  const cases: [string, unknown][] = [
    ["unix:///var/run/podman/podman.sock", {
      transport: "unix",
      path: "/var/run/podman/podman.sock",
    }],
    ["tcp://10.0.0.5:2376", { transport: "tcp", hostname: "10.0.0.5", port: 2376 }],
    ["tcp://docker.internal", { transport: "tcp", hostname: "docker.internal", port: 2375 }],
    ["http://localhost:8888/", { transport: "tcp", hostname: "localhost", port: 8888 }],
    ["http://docker", { transport: "tcp", hostname: "docker", port: 80 }],
    ["TCP://[::1]:2375", { transport: "tcp", hostname: "::1", port: 2375 }],
  ];
  for (const [host, expected] of cases) {
    assert.deepEqual(resolveEngineAddress({ host, env: noEnv }), expected, host);
  }
});

Deno.test("resolveEngineAddress refuses what it cannot speak, naming the value and its source", () => {
  const refused: [string, RegExp][] = [
    ["ssh://host", /scheme "ssh" is not supported/],
    ["npipe:////./pipe/docker_engine", /scheme "npipe" is not supported/],
    ["https://host:2376", /scheme "https" is not supported/],
    ["unix://relative.sock", /must be absolute/],
    ["tcp://host:2375/v1.41", /a path is not supported/],
    ["docker.sock", /no scheme/],
  ];
  for (const [host, why] of refused) {
    assert.throws(
      () => resolveEngineAddress({ host, env: noEnv }),
      (err: Error) => why.test(err.message) && err.message.includes(`"${host}" (from docker.host)`),
      host,
    );
  }
  assert.throws(
    () => resolveEngineAddress({ env: envOf({ DOCKER_HOST: "ssh://x" }) }),
    /"ssh:\/\/x" \(from DOCKER_HOST\)/,
  );
});

Deno.test("resolveEngineAddress refuses plaintext tcp when DOCKER_TLS_VERIFY asks for TLS", () => {
  const env = envOf({ DOCKER_HOST: "tcp://host:2376", DOCKER_TLS_VERIFY: "1" });
  assert.throws(() => resolveEngineAddress({ env }), /DOCKER_TLS_VERIFY is set/);
  // A socket is not affected by the TLS setting.
  assert.equal(resolveEngineAddress({ host: "/run/d.sock", env }).transport, "unix");
});

Deno.test("describeEngineAddress prints a URL", () => {
  assert.equal(describeEngineAddress({ transport: "unix", path: "/a.sock" }), "unix:///a.sock");
  assert.equal(
    describeEngineAddress({ transport: "tcp", hostname: "::1", port: 2375 }),
    "tcp://[::1]:2375",
  );
});

const SECRET = "hunter2";

Deno.test("refusals never print the user info or query of a Docker host", () => {
  const cases: [string, RegExp][] = [
    [`ssh://me:${SECRET}@host`, /"ssh:\/\/\*\*\*@host" \(from docker\.host\): the scheme "ssh"/],
    [`tcp://u:${SECRET}@host:2375?token=${SECRET}`, /"tcp:\/\/\*\*\*@host:2375\?\*\*\*".*query/],
    [`tcp://host:2375/?token=${SECRET}`, /"tcp:\/\/host:2375\/\?\*\*\*".*query string/],
    [`tcp://u:${SECRET}@host:2375/v1.41`, /"tcp:\/\/\*\*\*@host:2375\/v1\.41".*a path/],
    [`tcp://u:pa/${SECRET}@host:2375`, /"tcp:\/\/\*\*\*@host:2375"/],
    [`u:${SECRET}@host:2375`, /"\*\*\*@host:2375".*no scheme/],
    [`tcp://u:${SECRET}@[::1`, /"tcp:\/\/\*\*\*@\[::1".*not a valid URL/],
    [`tcp://u:%E0%A4%A${SECRET}@host`, /"tcp:\/\/\*\*\*@host".*percent-encoding/],
  ];
  for (const [host, expected] of cases) {
    for (
      const [source, options] of [
        ["docker.host", { host, env: noEnv }],
        ["DOCKER_HOST", { env: envOf({ DOCKER_HOST: host }) }],
      ] as const
    ) {
      const err = (() => {
        try {
          resolveEngineAddress(options);
        } catch (e) {
          return e as Error;
        }
        assert.fail(`${source} ${host} was accepted`);
      })();
      const text = [err.message, err.stack, (err.cause as Error | undefined)?.message].join("\n");
      assert.ok(!text.includes(SECRET), `${source}: ${text}`);
      assert.match(err.message.replace("DOCKER_HOST", "docker.host"), expected, source);
    }
  }
  const tls = envOf({ DOCKER_HOST: `tcp://u:${SECRET}@host:2376`, DOCKER_TLS_VERIFY: "1" });
  assert.throws(
    () => resolveEngineAddress({ env: tls }),
    (err: Error) => err.message.includes('"tcp://***@host:2376"') && !err.message.includes(SECRET),
  );
});

Deno.test("user info of a tcp:// host becomes Basic auth, and is printed as ***", () => {
  const address = resolveEngineAddress({
    host: `tcp://proxy%40me:${SECRET}%3A@10.0.0.5:2375`,
    env: noEnv,
  });
  assert.deepEqual(address, {
    transport: "tcp",
    hostname: "10.0.0.5",
    port: 2375,
    authorization: `Basic ${btoa(`proxy@me:${SECRET}:`)}`,
  });
  assert.equal(describeEngineAddress(address), "tcp://***@10.0.0.5:2375");
  assert.equal(redactDockerHost(`http://a:${SECRET}@h?x=${SECRET}#${SECRET}`), "http://***@h?***");
  assert.equal(redactDockerHost("unix:///run/docker.sock"), "unix:///run/docker.sock");
});
