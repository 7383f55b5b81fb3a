/**
 * Docker host credentials end to end (issue 11): the executor process with `user:password@`
 * in docker.host (the file, or its EXECUTOR_DOCKER_HOST override), or in DOCKER_HOST, and no
 * engine behind it. Whatever it prints while the
 * engine is unreachable (logs, errors) and serves on /metrics names the engine without the
 * password.
 */

import assert from "node:assert/strict";
import { freePort } from "../dev/process.ts";
import { spawnDeno } from "./fixture/child_process.ts";
import { eventually } from "./fixture/eventually.ts";
import { executorConfig, executorRunArgs } from "./fixture/executor.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

for (const where of ["docker.host", "EXECUTOR_DOCKER_HOST", "DOCKER_HOST"] as const) {
  Deno.test(
    `a password in ${where} is never printed while the engine is unreachable`,
    opts,
    async () => {
      const secret = `hunter2-${where.replace(".", "-")}`;
      const port = freePort(); // nothing listens there
      const url = `tcp://hourglass:${secret}@127.0.0.1:${port}`;
      const { config, configPath } = await executorConfig((c) => {
        c.docker = where === "docker.host" ? { host: url } : {};
      });
      const env: Record<string, string> = { ...Deno.env.toObject(), DOCKER_HOST: "" };
      delete env.EXECUTOR_DOCKER_HOST; // even empty, it would override docker.host
      if (where !== "docker.host") env[where] = url;
      const executor = spawnDeno(executorRunArgs(configPath), env);
      try {
        // The first deploy fails on the unreachable engine, naming it.
        await eventually(() => {
          assert.match(executor.logs(), new RegExp(`tcp://\\*\\*\\*@127\\.0\\.0\\.1:${port}`));
        }, { timeoutMs: 60_000, intervalMs: 200 });
        const metrics = await fetch(`http://127.0.0.1:${config.httpPort}/metrics`)
          .then((r) => r.text()).catch((err) => `(no /metrics: ${err})`);
        assert.ok(!metrics.includes(secret), "/metrics");
      } finally {
        await executor.stop();
      }
      const logs = executor.logs();
      assert.ok(!logs.includes(secret), `the password was printed:\n${logs}`);
      assert.ok(!logs.includes(btoa(`hourglass:${secret}`)), "the Basic auth value was printed");
    },
  );
}
