/**
 * A small PerformerService client for tests and tools (the executor has its own): calls carry a
 * deadline and send task ids the way existing executors do, as the ASCII bytes of `0x…`.
 * @module
 */

import * as grpc from "@grpc/grpc-js";
import type { PerformerServiceClient } from "../shared/proto/gen/eigenlayer/hourglass/v1/performer/PerformerService.ts";
import { performerProto } from "../shared/proto/load.ts";
import { OWN_CONNECTIONS } from "../shared/grpc/channel_options.ts";

/** What ExecuteTask answered. */
export interface TaskReply {
  /** The task id bytes the performer echoed. */
  taskId: Uint8Array;
  /** The result bytes. */
  result: Uint8Array;
}

/** A plaintext PerformerService client bound to one address. */
export interface PerformerTestClient {
  /** ExecuteTask with `taskId` sent as ASCII bytes; rejects with the call's grpc.ServiceError. */
  executeTask(taskId: string, payload: Uint8Array | string, timeoutMs?: number): Promise<TaskReply>;
  /** StartSync. */
  startSync(payload: Uint8Array | string, timeoutMs?: number): Promise<void>;
  /** The legacy HealthCheck; resolves with the PerformerStatus name. */
  legacyHealthCheck(timeoutMs?: number): Promise<string>;
  /** Closes the channel. */
  close(): void;
}

/** A client for the performer at `address` ("host:port"). */
export function performerTestClient(address: string): PerformerTestClient {
  const Service = performerProto().eigenlayer.hourglass.v1.performer.PerformerService;
  const client: PerformerServiceClient = new Service(
    address,
    grpc.credentials.createInsecure(),
    OWN_CONNECTIONS,
  );
  const deadline = (ms = 10_000) => ({ deadline: Date.now() + ms });
  return {
    executeTask: (taskId, payload, timeoutMs) =>
      new Promise((resolve, reject) =>
        client.ExecuteTask(
          { taskId: new TextEncoder().encode(taskId), payload: toBytes(payload) },
          deadline(timeoutMs),
          (err, res) =>
            err ? reject(err) : resolve({
              taskId: new Uint8Array(res!.taskId),
              result: new Uint8Array(res!.result),
            }),
        )
      ),
    startSync: (payload, timeoutMs) =>
      new Promise((resolve, reject) =>
        client.StartSync(
          { payload: toBytes(payload) },
          deadline(timeoutMs),
          (err) => err ? reject(err) : resolve(),
        )
      ),
    legacyHealthCheck: (timeoutMs) =>
      new Promise((resolve, reject) =>
        client.HealthCheck(
          {},
          deadline(timeoutMs),
          (err, res) => err ? reject(err) : resolve(String(res!.status)),
        )
      ),
    close: () => client.close(),
  };
}

/** A random task id in the executors' format: "0x" + 64 hex digits. */
export function randomTaskId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return "0x" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function toBytes(payload: Uint8Array | string): Uint8Array {
  return typeof payload === "string" ? new TextEncoder().encode(payload) : payload;
}
