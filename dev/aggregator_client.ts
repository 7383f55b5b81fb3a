/**
 * What an aggregator does, for tests and the local demo: build a TaskSubmission, sign it with
 * the aggregator's key (the digest of protocols.md), and submit it over gRPC.
 * @module
 */

import * as grpc from "@grpc/grpc-js";
import { Bn254Key } from "../executor/signing/bn254.ts";
import { taskSubmissionDigest } from "../executor/signing/digests.ts";
import { EcdsaKey } from "../executor/signing/ecdsa.ts";
import type { TaskResultMessage } from "../executor/task/pipeline.ts";
import type { TaskSubmissionMessage } from "../executor/task/validate.ts";
import { executorProto } from "../shared/proto/load.ts";
import { randomTaskId } from "../sdk/testing.ts";
import { OWN_CONNECTIONS } from "../shared/grpc/channel_options.ts";
import { BoundedClient } from "../shared/grpc/bounded_sessions.ts";

/** The fields a test chooses; the rest get sensible defaults. */
export interface TaskFields {
  avsAddress: string;
  executorAddress: string;
  aggregatorAddress?: string;
  payload: Uint8Array;
  taskId?: string;
  operatorSetId?: number;
  referenceTimestamp?: number;
  taskBlockNumber?: string;
}

/** Builds a TaskSubmission signed by `key` (ECDSA: 65 bytes; BN254: 64 bytes). */
export function signedSubmission(
  fields: TaskFields,
  key: EcdsaKey | Bn254Key,
): TaskSubmissionMessage {
  const task: TaskSubmissionMessage = {
    taskId: fields.taskId ?? randomTaskId(),
    aggregatorAddress: fields.aggregatorAddress ?? (key instanceof EcdsaKey ? key.address : ""),
    avsAddress: fields.avsAddress,
    payload: fields.payload,
    signature: new Uint8Array(),
    operatorSetId: fields.operatorSetId ?? 1,
    referenceTimestamp: fields.referenceTimestamp ?? Math.floor(Date.now() / 1000),
    executorAddress: fields.executorAddress,
    taskBlockNumber: fields.taskBlockNumber ?? "1000",
    version: 1,
  };
  // BN254 with the standard hash-to-G1, as the Go aggregator signs (crypto-libs `Sign`).
  const digest = taskSubmissionDigest(task);
  task.signature = key instanceof Bn254Key ? key.signStandard(digest) : key.sign(digest);
  return task;
}

/** A gRPC client of an executor's ExecutorService. */
export function executorClient(address: string) {
  const Client = executorProto().eigenlayer.hourglass.v1.ExecutorService;
  // A fresh connection every few calls, closed by us: shared/grpc/bounded_sessions.ts.
  const client = new BoundedClient(() =>
    new Client(address, grpc.credentials.createInsecure(), OWN_CONNECTIONS)
  );
  return {
    /** Submits a task; rejects with the gRPC error (its `code` is the status). */
    submit(task: TaskSubmissionMessage, timeoutMs = 30_000): Promise<TaskResultMessage> {
      const lease = client.lease();
      return new Promise((resolve, reject) =>
        lease.client.SubmitTask(
          task,
          { deadline: Date.now() + timeoutMs },
          (err, res) => {
            lease.done();
            if (err) reject(err);
            else resolve(res as unknown as TaskResultMessage);
          },
        )
      );
    },
    close: () => client.close(),
  };
}
