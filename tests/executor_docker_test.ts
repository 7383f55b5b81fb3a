/**
 * The executor in docker mode, end to end with real parts: the executor process, Podman's
 * Docker API running the sample performer image, and an "aggregator" that signs tasks and calls
 * SubmitTask over gRPC.
 */

import * as grpc from "@grpc/grpc-js";
import assert from "node:assert/strict";
import { executorClient, signedSubmission } from "../dev/aggregator_client.ts";
import { managementClient } from "../dev/management_client.ts";
import { EcdsaKey } from "../executor/signing/ecdsa.ts";
import { ecdsaResultSigner } from "./fixture/task_flow.ts";
import type { TaskResultMessage } from "../executor/task/pipeline.ts";
import { eventually } from "./fixture/eventually.ts";
import {
  AGGREGATOR_KEY,
  EXECUTOR_AVS,
  executorConfig,
  type ExecutorProcess,
  OPERATOR_KEY,
  startExecutorProcess,
} from "./fixture/executor.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const enc = new TextEncoder();
const dec = new TextDecoder();

function task(payload: unknown, fields: Record<string, unknown> = {}, key = AGGREGATOR_KEY) {
  return signedSubmission({
    avsAddress: EXECUTOR_AVS,
    executorAddress: OPERATOR_KEY.address,
    payload: enc.encode(JSON.stringify(payload)),
    ...fields,
  }, key);
}

function hello(result: TaskResultMessage): { output: string; version: string; taskId: string } {
  return JSON.parse(dec.decode(result.output));
}

async function statusOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return "OK";
  } catch (err) {
    return grpc.status[(err as grpc.ServiceError).code];
  }
}

async function withExecutor(
  patch: Parameters<typeof executorConfig>[0],
  body: (executor: ExecutorProcess) => Promise<void>,
): Promise<void> {
  const { configPath } = await executorConfig(patch);
  const executor = await startExecutorProcess(configPath);
  try {
    await body(executor);
  } catch (err) {
    console.error(
      `--- executor log (last 40 lines) ---\n${executor.logs().split("\n").slice(-40).join("\n")}`,
    );
    throw err;
  } finally {
    await executor.stop();
  }
}

Deno.test(
  "a signed task runs on the docker performer and comes back signed by the operator",
  opts,
  async () => {
    await withExecutor(undefined, async (executor) => {
      const client = executorClient(executor.grpcAddress);
      try {
        const t = task({ text: "hello hourglass" });
        const result = await client.submit(t);
        const body = hello(result);
        assert.equal(body.output, "HELLO HOURGLASS");
        assert.equal(body.version, "v1");
        assert.equal(body.taskId, t.taskId, "the performer got the 0x task id");
        assert.equal(result.operatorAddress, OPERATOR_KEY.address);
        assert.equal(
          ecdsaResultSigner(t, result),
          OPERATOR_KEY.address,
        );

        assert.equal(
          await statusOf(client.submit(t)),
          "ALREADY_EXISTS",
          "a duplicate id is refused",
        );
        assert.equal(
          await statusOf(
            client.submit(task({ text: "x" }, { executorAddress: AGGREGATOR_KEY.address })),
          ),
          "INVALID_ARGUMENT",
        );
        const stranger = EcdsaKey.fromHex("0x" + "33".repeat(32));
        assert.equal(
          await statusOf(
            client.submit(
              task({ text: "x" }, { aggregatorAddress: AGGREGATOR_KEY.address }, stranger),
            ),
          ),
          "PERMISSION_DENIED",
        );
        assert.equal(
          await statusOf(
            client.submit(task({ text: "x" }, { avsAddress: "0x" + "55".repeat(20) })),
          ),
          "NOT_FOUND",
        );
        assert.equal(await statusOf(client.submit(task({ fail: "no luck" }))), "INTERNAL");

        for (const path of ["/healthz", "/readyz"]) {
          const res = await fetch(`http://127.0.0.1:${executor.httpPort}${path}`);
          assert.equal(res.status, 200, path);
          await res.body?.cancel();
        }
        const metrics = await (await fetch(`http://127.0.0.1:${executor.httpPort}/metrics`)).text();
        assert.match(
          metrics,
          /hourglass_executor_tasks_total\{avs="0xce2ac75be2e0951f1f7b288c7a6a9bfb6c331dc4",status="OK"\} 1/,
        );
        assert.match(metrics, /hourglass_executor_tasks_total\{[^}]*status="AlreadyExists"\} 1/);
        assert.match(
          metrics,
          /hourglass_executor_performers\{[^}]*status="InService",healthy="true"\} 1/,
        );

        // Malformed and hostile calls are counted under bounded labels: /metrics does not grow
        // with them (before: 2,000 calls with 1,000-character addresses made it 38.6 MB).
        const hostile = Array.from(
          { length: 300 },
          (_, i) =>
            statusOf(
              client.submit({ ...task({ text: "x" }), avsAddress: `0x${"e".repeat(998)}${i}` }),
            ),
        );
        assert.deepEqual(new Set(await Promise.all(hostile)), new Set(["INVALID_ARGUMENT"]));
        const after = await (await fetch(`http://127.0.0.1:${executor.httpPort}/metrics`)).text();
        assert.ok(after.length < metrics.length + 4_000, `/metrics grew to ${after.length} bytes`);
        assert.match(
          after,
          /hourglass_executor_tasks_total\{avs="unknown",status="InvalidArgument"\} 300/,
        );
        assert.doesNotMatch(after, /eeeeeeee/);
        assert.ok(!executor.logs().includes("e".repeat(200)), "logged fields are truncated");

        // Clients that do not speak HTTP/2 to the task port: each connection is closed with a
        // GOAWAY, counted by code, logged (at most a line a second); tasks go on.
        const taskPort = Number(executor.grpcAddress.split(":")[1]);
        for (let i = 0; i < 5; i++) {
          const conn = await Deno.connect({ hostname: "127.0.0.1", port: taskPort });
          await conn.write(new TextEncoder().encode("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
          const reply = new Uint8Array(256);
          while ((await conn.read(reply)) !== null) { /* until the executor closes it */ }
          conn.close();
        }
        const counted = await (await fetch(`http://127.0.0.1:${executor.httpPort}/metrics`)).text();
        assert.match(
          counted,
          /hourglass_executor_grpc_connection_errors_total\{code="PROTOCOL_ERROR"\} 5/,
        );
        assert.match(
          executor.logs(),
          /gRPC connection closed: a protocol error.*"code":"PROTOCOL_ERROR"/,
        );
        assert.equal(await statusOf(client.submit(task({ text: "after" }))), "OK");
      } finally {
        client.close();
      }
    });
  },
);

Deno.test(
  "grpcServer.maxConnectionsPerAddress: one address's connections beyond it are refused, counted and logged",
  opts,
  async () => {
    const patch = (c: Record<string, unknown>) => c.grpcServer = { maxConnectionsPerAddress: 2 };
    await withExecutor(patch, async (executor) => {
      const taskPort = Number(executor.grpcAddress.split(":")[1]);
      const connect = () => Deno.connect({ hostname: "127.0.0.1", port: taskPort });
      const held = [await connect(), await connect()];
      // The third from 127.0.0.1: closed at once, before the client sent anything.
      const refused = await connect();
      assert.equal(await refused.read(new Uint8Array(64)).catch(() => null), null, "closed");
      refused.close();
      const metrics = await (await fetch(`http://127.0.0.1:${executor.httpPort}/metrics`)).text();
      assert.match(
        metrics,
        /hourglass_executor_grpc_connection_errors_total\{code="ADDRESS_CONNECTION_LIMIT"\} 1/,
      );
      assert.match(
        executor.logs(),
        /"code":"ADDRESS_CONNECTION_LIMIT","reason":"127\.0\.0\.1 holds 2 connections, the most allowed; refused"/,
      );
      // Once the address lets go of them, its calls are served again. The executor sees the
      // closes when it reads them: until then a new connection is still refused (a CI run's
      // client connected first and failed UNAVAILABLE). A probe served again (the server's
      // SETTINGS, not a close) shows both were seen; its own slot leaves room for the client.
      for (const conn of held) conn.close();
      await eventually(async () => {
        const probe = await connect();
        try {
          assert.notEqual(await probe.read(new Uint8Array(64)).catch(() => null), null, "served");
        } finally {
          probe.close();
        }
      }, { timeoutMs: 10_000 });
      const client = executorClient(executor.grpcAddress);
      try {
        const result = await client.submit(task({ text: "after" }));
        assert.equal(hello(result).output, "AFTER");
      } finally {
        client.close();
      }
    });
  },
);
Deno.test(
  "a task longer than 30 s succeeds when its deadline allows (no retry wrapper)",
  opts,
  async () => {
    await withExecutor(undefined, async (executor) => {
      const client = executorClient(executor.grpcAddress);
      try {
        const started = Date.now();
        const result = await client.submit(task({ text: "slow", sleepMs: 32_000 }), 60_000);
        assert.equal(hello(result).output, "SLOW");
        assert.ok(Date.now() - started >= 32_000);
        // A deadline shorter than the task ends it with DEADLINE_EXCEEDED, once.
        assert.equal(
          await statusOf(client.submit(task({ text: "slow", sleepMs: 5_000 }), 1_000)),
          "DEADLINE_EXCEEDED",
        );
      } finally {
        client.close();
      }
    });
  },
);

Deno.test(
  "a performer killed mid-task gives a clear error, and the executor recovers it",
  opts,
  async () => {
    await withExecutor(undefined, async (executor) => {
      const client = executorClient(executor.grpcAddress);
      try {
        const err = await client.submit(task({ text: "boom", crash: true })).then(
          () => undefined,
          (e) => e,
        );
        assert.ok(err, "the task fails");
        assert.equal(grpc.status[err.code], "UNAVAILABLE");
        assert.match(err.details, /crash|connection/i);
        const recovered = await eventually(
          async () => await client.submit(task({ text: "again" }), 5_000),
          {
            timeoutMs: 60_000,
            intervalMs: 1_000,
          },
        );
        assert.equal(hello(recovered).output, "AGAIN");
      } finally {
        client.close();
      }
    });
  },
);

Deno.test(
  "DeployArtifact swaps in a new version while tasks flow: none lost, none run twice",
  opts,
  async () => {
    await withExecutor(undefined, async (executor) => {
      const client = executorClient(executor.grpcAddress);
      const mgmt = managementClient(executor.managementAddress, OPERATOR_KEY);
      try {
        const [before] = (await mgmt.listPerformers()).performers;
        assert.equal(before.status, "InService");
        assert.equal(before.applicationHealthy, true);
        const results: TaskResultMessage[] = [];
        const errors: Error[] = [];
        const ids = new Set<string>();
        let stop = false;
        const worker = async () => {
          while (!stop) {
            const t = task({ text: "flow", sleepMs: 300 });
            ids.add(t.taskId);
            await client.submit(t).then((r) => results.push(r), (e) => errors.push(e));
          }
        };
        const workers = [worker(), worker(), worker()];
        await new Promise((r) => setTimeout(r, 1_000));
        const deployed = await mgmt.deployArtifact({
          avsAddress: EXECUTOR_AVS,
          registryUrl: "hourglass/hello-performer:v2",
          digest: "",
          env: [{ name: "HELLO_VERSION", value: "v2" }],
        });
        assert.equal(deployed.success, true);
        await new Promise((r) => setTimeout(r, 1_500));
        stop = true;
        await Promise.all(workers);

        assert.deepEqual(errors.map((e) => e.message), [], "no task failed");
        assert.equal(results.length, ids.size, "every task answered exactly once");
        const versions = results.map((r) => hello(r).version);
        assert.ok(
          versions.includes("v1") && versions.at(-1) === "v2",
          `versions ${versions.join(",")}`,
        );
        const after = (await mgmt.listPerformers()).performers;
        assert.equal(after.length, 1, "the old performer is gone");
        assert.equal(after[0].performerId, deployed.deploymentId);
        assert.equal(after[0].artifactTag, "v2");

        assert.equal((await mgmt.removePerformer(deployed.deploymentId)).success, true);
        assert.deepEqual((await mgmt.listPerformers()).performers, []);
        assert.equal(
          await statusOf(client.submit(task({ text: "x" }))),
          "UNAVAILABLE",
          "no performer in service",
        );
      } finally {
        client.close();
        mgmt.close();
      }
    });
  },
);

Deno.test(
  "management auth: bound signatures are tied to the method, payload and key; answers UNAUTHENTICATED",
  opts,
  async () => {
    await withExecutor(undefined, async (executor) => {
      const mgmt = managementClient(executor.managementAddress);
      try {
        const list = { avsAddress: "" };
        assert.equal(
          await statusOf(mgmt.raw("ListPerformers", list)),
          "UNAUTHENTICATED",
          "auth is required",
        );
        const auth = await mgmt.sign("ListPerformers", list, OPERATOR_KEY);
        assert.equal(await statusOf(mgmt.raw("ListPerformers", { ...list, auth })), "OK");
        assert.equal(
          await statusOf(mgmt.raw("ListPerformers", { ...list, auth })),
          "UNAUTHENTICATED",
          "single use",
        );
        const forList = await mgmt.sign("ListPerformers", list, OPERATOR_KEY);
        assert.equal(
          await statusOf(mgmt.raw("RemovePerformer", { performerId: "x", auth: forList })),
          "UNAUTHENTICATED",
          "bound to the method",
        );
        const forRemove = await mgmt.sign("RemovePerformer", { performerId: "a" }, OPERATOR_KEY);
        assert.equal(
          await statusOf(mgmt.raw("RemovePerformer", { performerId: "b", auth: forRemove })),
          "UNAUTHENTICATED",
          "bound to the payload",
        );
        const stranger = await mgmt.sign(
          "ListPerformers",
          list,
          EcdsaKey.fromHex("0x" + "33".repeat(32)),
        )
          .catch((e) => e);
        assert.equal(
          grpc.status[stranger.code],
          "PERMISSION_DENIED",
          "tokens are only for the operator",
        );
      } finally {
        mgmt.close();
      }
    });
  },
);

Deno.test(
  "management auth: a reference (hgctl-style) client lists, deploys and removes; replays are refused",
  opts,
  async () => {
    await withExecutor(undefined, async (executor) => {
      // The Go AuthenticatedExecutorClient's scheme: the operator's key over the token only.
      const reference = managementClient(executor.managementAddress, {
        scheme: "reference",
        key: OPERATOR_KEY,
        operatorAddress: OPERATOR_KEY.address,
      });
      try {
        const [before] = (await reference.listPerformers()).performers;
        assert.equal(before.status, "InService");
        assert.match(
          String(before.lastHealthCheck),
          /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/,
          "RFC 3339 without fractions, as Go formats it",
        );
        const deployed = await reference.deployArtifact({
          avsAddress: EXECUTOR_AVS,
          registryUrl: "hourglass/hello-performer:v2",
          digest: "",
          env: [{ name: "HELLO_VERSION", value: "v2" }],
        });
        assert.equal(deployed.success, true);
        const after = (await reference.listPerformers()).performers;
        assert.deepEqual(after.map((p) => p.performerId), [deployed.deploymentId]);
        assert.equal((await reference.removePerformer(deployed.deploymentId)).success, true);
        assert.deepEqual((await reference.listPerformers()).performers, []);

        const auth = await reference.signReference(OPERATOR_KEY, OPERATOR_KEY.address);
        assert.equal(await statusOf(reference.raw("ListPerformers", { auth })), "OK");
        assert.equal(
          await statusOf(reference.raw("ListPerformers", { auth })),
          "UNAUTHENTICATED",
          "a replayed token is refused",
        );
        const forged = await reference.signReference(
          EcdsaKey.fromHex("0x" + "44".repeat(32)),
          OPERATOR_KEY.address,
        );
        assert.equal(
          await statusOf(reference.raw("ListPerformers", { auth: forged })),
          "UNAUTHENTICATED",
          "another key's signature over a genuine token is refused",
        );
      } finally {
        reference.close();
      }
    });
  },
);

Deno.test(
  "management auth: requireRequestBinding refuses the reference scheme; disabled auth answers UNIMPLEMENTED",
  opts,
  async () => {
    await withExecutor((c) => {
      c.managementAuth = { requireRequestBinding: true };
    }, async (executor) => {
      const mgmt = managementClient(executor.managementAddress);
      try {
        const auth = await mgmt.signReference(OPERATOR_KEY, OPERATOR_KEY.address);
        assert.equal(
          await statusOf(mgmt.raw("ListPerformers", { auth })),
          "UNAUTHENTICATED",
          "token-only signatures are refused",
        );
        const bound = await mgmt.sign("ListPerformers", {}, OPERATOR_KEY);
        assert.equal(await statusOf(mgmt.raw("ListPerformers", { auth: bound })), "OK");
      } finally {
        mgmt.close();
      }
    });
    await withExecutor((c) => {
      c.managementAuth = { enabled: false };
    }, async (executor) => {
      const mgmt = managementClient(executor.managementAddress);
      try {
        assert.match(executor.logs(), /managementAuth.enabled is false/, "warned at start");
        assert.equal(
          await statusOf(mgmt.raw("GetChallengeToken", { operatorAddress: OPERATOR_KEY.address })),
          "UNIMPLEMENTED",
        );
        assert.equal(await statusOf(mgmt.raw("ListPerformers", {})), "OK");
      } finally {
        mgmt.close();
      }
    });
  },
);

Deno.test(
  "a restarted executor adopts its running performer instead of starting another",
  opts,
  async () => {
    const { configPath } = await executorConfig((
      c,
    ) => (c.shutdown = { removePerformers: false, drainTimeout: "5s" }));
    const first = await startExecutorProcess(configPath);
    let second: ExecutorProcess | undefined;
    try {
      const mgmt = managementClient(first.managementAddress, OPERATOR_KEY);
      const [before] = (await mgmt.listPerformers()).performers;
      mgmt.close();
      await first.kill();
      second = await startExecutorProcess(configPath);
      const mgmt2 = managementClient(second.managementAddress, OPERATOR_KEY);
      const after = (await mgmt2.listPerformers()).performers;
      mgmt2.close();
      assert.deepEqual(after.map((p) => p.containerId), [before.containerId], "the same container");
      const client = executorClient(second.grpcAddress);
      assert.equal(hello(await client.submit(task({ text: "still here" }))).output, "STILL HERE");
      client.close();
    } finally {
      await first.stop();
      if (second) {
        const mgmt = managementClient(second.managementAddress, OPERATOR_KEY);
        for (const p of (await mgmt.listPerformers()).performers) {
          await mgmt.removePerformer(
            p.performerId as string,
          );
        }
        mgmt.close();
        await second.stop();
      }
    }
  },
);

Deno.test(
  "hgctl's flow: no performers configured; DeployArtifact creates the AVS with avsDefaults, kept across restarts",
  opts,
  async () => {
    const avs = "0x" + "a5".repeat(20);
    const { configPath } = await executorConfig((c) => {
      c.avsPerformers = [];
      c.avsDefaults = {
        aggregators: [{ address: AGGREGATOR_KEY.address }],
        signingCurve: "ecdsa",
        envs: [{ name: "HELLO_VERSION", value: "created" }],
      };
      c.shutdown = { removePerformers: false, drainTimeout: "5s" };
    });
    const first = await startExecutorProcess(configPath);
    let second: ExecutorProcess | undefined;
    const signing = {
      scheme: "reference" as const,
      key: OPERATOR_KEY,
      operatorAddress: OPERATOR_KEY.address,
    };
    try {
      const client = executorClient(first.grpcAddress);
      assert.equal(
        await statusOf(client.submit(task({ text: "x" }, { avsAddress: avs }))),
        "NOT_FOUND",
      );
      const mgmt = managementClient(first.managementAddress, signing);
      assert.deepEqual((await mgmt.listPerformers()).performers, []);
      const deployed = await mgmt.deployArtifact({
        avsAddress: avs,
        registryUrl: "hourglass/hello-performer:v1",
        digest: "",
        env: [],
      });
      assert.equal(deployed.success, true);
      const t = task({ text: "new avs" }, { avsAddress: avs });
      const result = await client.submit(t);
      assert.deepEqual([hello(result).output, hello(result).version], ["NEW AVS", "created"]);
      assert.equal(result.avsAddress, avs.toLowerCase());
      assert.equal(ecdsaResultSigner(t, result), OPERATOR_KEY.address);
      client.close();
      mgmt.close();
      await first.kill();

      second = await startExecutorProcess(configPath);
      const client2 = executorClient(second.grpcAddress);
      const again = await client2.submit(task({ text: "after restart" }, { avsAddress: avs }));
      assert.equal(hello(again).output, "AFTER RESTART", "the created AVS is still served");
      client2.close();
    } finally {
      await first.stop();
      if (second) {
        const mgmt = managementClient(second.managementAddress, signing);
        for (const p of (await mgmt.listPerformers()).performers) {
          await mgmt.removePerformer(p.performerId as string);
        }
        mgmt.close();
        await second.stop();
      }
    }
  },
);

Deno.test("bad config files exit with code 3 and name the key", opts, async () => {
  const { configPath } = await executorConfig((c) => {
    (c.avsPerformers as Record<string, unknown>[])[0].image = { repository: "x" };
    c.grpcPortt = 1;
  });
  for (const command of ["validate", "run"]) {
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        new URL("../executor/main.ts", import.meta.url).pathname,
        command,
        "--config",
        configPath,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = dec.decode(out.stderr);
    assert.equal(out.code, 3, `${command} exits 3`);
    assert.match(stderr, /avsPerformers\[0\]\.image\.tag: required/);
    assert.match(stderr, /grpcPortt: unknown key/);
  }
  // A YAML syntax error next to a private key: named by code, line and column, never quoted.
  const key = "3dd7c381f27775d9945f0fcf5bb914484c4d01681824603c71dd762259f43214";
  const broken = await Deno.makeTempFile({ suffix: ".yaml" });
  await Deno.writeTextFile(
    broken,
    `operator:\n  signingKeys:\n    ecdsa:\n      privateKey: |x${key}\n`,
  );
  const syntax = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("../executor/main.ts", import.meta.url).pathname, "validate"]
      .concat(["--config", broken]),
    stdout: "piped",
    stderr: "piped",
  }).output();
  await Deno.remove(broken);
  const printed = dec.decode(syntax.stderr) + dec.decode(syntax.stdout);
  assert.equal(syntax.code, 3);
  assert.match(printed, /YAML: .* at line 4, column \d+ \[UNEXPECTED_TOKEN\]/);
  assert.ok(!printed.includes(key.slice(0, 16)), `the key is printed:\n${printed}`);
  const ok = await executorConfig();
  const valid = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      new URL("../executor/main.ts", import.meta.url).pathname,
      "validate",
      "--config",
      ok.configPath,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(valid.code, 0, dec.decode(valid.stderr));
});
