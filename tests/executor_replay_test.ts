/**
 * The replay window end to end (issue 11, item 3): a real executor process in docker mode
 * (Podman) with the shortest retention refuses, over gRPC, a correctly signed submission whose
 * reference timestamp is older than its window — the submission a replay after the claim expired
 * would be — and says why. The window's edges and the argument behind it are unit-tested in
 * executor/task/pipeline_test.ts.
 */

import * as grpc from "@grpc/grpc-js";
import assert from "node:assert/strict";
import { executorClient, signedSubmission } from "../dev/aggregator_client.ts";
import { EcdsaKey } from "../executor/signing/ecdsa.ts";
import {
  AGGREGATOR_KEY,
  EXECUTOR_AVS,
  executorConfig,
  startExecutorProcess,
} from "./fixture/executor.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const enc = new TextEncoder();
// An operator of its own: the executor then adopts no performer another test left running on
// the same Podman storage (containers are found by the operator's address).
const OPERATOR_HEX = `0x${crypto.getRandomValues(new Uint8Array(32)).toHex()}`;
const OPERATOR_KEY = EcdsaKey.fromHex(OPERATOR_HEX);

function task(referenceTimestamp: number) {
  return signedSubmission({
    avsAddress: EXECUTOR_AVS,
    executorAddress: OPERATOR_KEY.address,
    payload: enc.encode(JSON.stringify({ text: "replay" })),
    referenceTimestamp,
  }, AGGREGATOR_KEY);
}

Deno.test(
  "a submission older than the replay window is refused with FAILED_PRECONDITION and why",
  opts,
  async () => {
    const { configPath } = await executorConfig((config) => {
      (config.storage as Record<string, unknown>).retention = "1m";
      config.operator = {
        address: OPERATOR_KEY.address,
        signingKeys: { ecdsa: { privateKey: OPERATOR_HEX } },
      };
    });
    const executor = await startExecutorProcess(configPath);
    const client = executorClient(executor.grpcAddress);
    try {
      const now = Math.floor(Date.now() / 1000);
      // Retention 1m: the window accepts 30 s back (1m less 15 s skew and 15 s margin).
      const fresh = await client.submit(task(now - 10));
      assert.equal(fresh.operatorAddress, OPERATOR_KEY.address, "inside the window: runs");
      const stale = now - 61;
      const err = await client.submit(task(stale)).then(
        () => assert.fail("a submission 61 s old ran on an executor with retention 1m"),
        (e: grpc.ServiceError) => e,
      );
      assert.equal(grpc.status[err.code], "FAILED_PRECONDITION");
      assert.match(
        err.details,
        new RegExp(
          `^reference_timestamp ${stale} \\(\\S+Z\\) is 1m\\d+s old; this executor ` +
            `accepts at most 30s \\(storage\\.retention 1m `,
        ),
      );
      const ahead = await client.submit(task(now + 120)).then(() => "OK", (e) => e.code);
      assert.equal(grpc.status[ahead], "FAILED_PRECONDITION", "2 min ahead: beyond the 15 s skew");
    } catch (err) {
      console.error(`--- executor log ---\n${executor.logs().split("\n").slice(-30).join("\n")}`);
      throw err;
    } finally {
      client.close();
      await executor.stop();
    }
  },
);
