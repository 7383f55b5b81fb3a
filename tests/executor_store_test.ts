/**
 * Store faults of the executor process (issue 11, item 8), with real parts: executor processes
 * on one store, a store file with a damaged page, and another process holding a SQLite write lock
 * on a running executor's store while an aggregator submits tasks over gRPC.
 */

import * as grpc from "@grpc/grpc-js";
import assert from "node:assert/strict";
import { executorClient, signedSubmission } from "../dev/aggregator_client.ts";
import { eventually } from "./fixture/eventually.ts";
import {
  AGGREGATOR_KEY,
  EXECUTOR_AVS,
  executorConfig,
  OPERATOR_KEY,
  startExecutorProcess,
} from "./fixture/executor.ts";
import { holdSqliteLock } from "./fixture/sqlite_lock.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

/** A config for an executor with no AVS (no performer to start), on `storagePath` if given. */
function bareConfig(storagePath?: string) {
  return executorConfig((config) => {
    config.avsPerformers = [];
    if (storagePath) config.storage = { path: storagePath };
  });
}

async function startFails(configPath: string): Promise<string> {
  const err = await startExecutorProcess(configPath).then(() => undefined, (e) => e);
  assert.ok(err instanceof Error, "the executor must not start");
  assert.match(err.message, /exited during start-up/);
  return err.message;
}

Deno.test(
  "a second executor on the same store refuses to start; after a crash of the first, it starts",
  opts,
  async () => {
    const first = await bareConfig();
    const store = `${first.dir}/data/executor.kv`;
    const running = await startExecutorProcess(first.configPath);
    try {
      const second = await bareConfig(`${first.dir}/data`);
      const log = await startFails(second.configPath);
      assert.ok(
        log.includes(
          `The executor store ${store} is in use by another executor (pid ${running.pid}, started`,
        ),
        log,
      );
      assert.ok(log.includes(`lock file ${store}.lock`), log);
      await running.kill(); // SIGKILL: no shutdown, the OS releases the lock
      const next = await startExecutorProcess(second.configPath);
      await next.stop();
    } finally {
      await running.kill();
    }
  },
);

Deno.test(
  "a store with a damaged page stops the executor with what to do, not a Deno panic",
  opts,
  async () => {
    const { dir, configPath } = await bareConfig();
    const store = `${dir}/data/executor.kv`;
    await Deno.mkdir(`${dir}/data`);
    const kv = await Deno.openKv(store);
    for (let i = 0; i < 2_000; i++) {
      await kv.set(["processed-tasks", `0x${i}`], { state: "done", pad: "x".repeat(200) });
    }
    kv.close();
    const file = await Deno.open(store, { write: true });
    await file.seek(5 * 4096, Deno.SeekMode.Start);
    await file.write(new Uint8Array(4096).fill(0x5a));
    file.close();
    const log = await startFails(configPath);
    assert.ok(log.includes(`"msg":"cannot start the executor"`), log);
    assert.ok(log.includes(`The executor store ${store} is damaged (SQLite: `), log);
    assert.match(log, /move the file away/);
    assert.doesNotMatch(log, /panicked/);
  },
);

Deno.test(
  "a store another process locks: tasks UNAVAILABLE at once, /readyz 503 with the reason, both recover",
  opts,
  async () => {
    const { configPath, dir } = await executorConfig();
    const store = `${dir}/data/executor.kv`;
    const executor = await startExecutorProcess(configPath);
    const client = executorClient(executor.grpcAddress);
    const submit = (timeoutMs = 30_000) =>
      client.submit(
        signedSubmission({
          avsAddress: EXECUTOR_AVS,
          executorAddress: OPERATOR_KEY.address,
          payload: new TextEncoder().encode(JSON.stringify({ text: "x" })),
        }, AGGREGATOR_KEY),
        timeoutMs,
      );
    const readyz = async () => {
      const res = await fetch(`http://127.0.0.1:${executor.httpPort}/readyz`);
      return { status: res.status, body: await res.text() };
    };
    let holder;
    try {
      await submit();
      holder = await holdSqliteLock(store);
      const start = Date.now();
      const err = await submit(20_000).then(() => undefined, (e) => e as grpc.ServiceError);
      const took = Date.now() - start;
      assert.equal(err?.code, grpc.status.UNAVAILABLE, `${err?.message}`);
      assert.ok(err.details.startsWith(`The executor store ${store} `), err.details);
      assert.match(err.details, /was not run$/);
      assert.ok(took < 2_000, `answered after ${took} ms (measured: 11–22 ms)`);
      const notReady = await readyz();
      assert.equal(notReady.status, 503);
      assert.ok(notReady.body.startsWith(`not ok: The executor store ${store} `), notReady.body);
      await holder.release();
      await eventually(async () => assert.equal((await readyz()).status, 200), {
        timeoutMs: 15_000,
      });
      await submit();
      assert.match(executor.logs(), /"msg":"executor store unusable"/);
      assert.match(executor.logs(), /"msg":"executor store usable again"/);
    } catch (err) {
      console.error(`--- executor log ---\n${executor.logs().split("\n").slice(-30).join("\n")}`);
      throw err;
    } finally {
      await holder?.release();
      client.close();
      await executor.stop();
    }
  },
);
