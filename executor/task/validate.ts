/**
 * Step 1 of the task path: the format of a TaskSubmission, before anything is looked up,
 * stored or verified.
 * @module
 */

import { TaskError } from "./errors.ts";

/** A TaskSubmission as grpc-js decodes it (camelCase, uint64 as a decimal string). */
export interface TaskSubmissionMessage {
  taskId: string;
  aggregatorAddress: string;
  avsAddress: string;
  payload: Uint8Array;
  signature: Uint8Array;
  operatorSetId: number;
  referenceTimestamp: number;
  executorAddress: string;
  taskBlockNumber: string;
  version: number;
}

const TASK_ID = /^0x[0-9a-fA-F]{64}$/;
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

/** Throws InvalidArgument naming the first malformed field; `operatorAddress` is ours. */
export function validateSubmission(task: TaskSubmissionMessage, operatorAddress: string): void {
  const bad = (field: string, why: string): never => {
    throw new TaskError("InvalidArgument", `${field}: ${why}`);
  };
  if (!TASK_ID.test(task.taskId)) bad("task_id", "must be 0x followed by 64 hex digits");
  if (!ADDRESS.test(task.aggregatorAddress)) bad("aggregator_address", "must be a 0x address");
  if (!ADDRESS.test(task.avsAddress)) bad("avs_address", "must be a 0x address");
  if (!ADDRESS.test(task.executorAddress)) bad("executor_address", "must be a 0x address");
  if (task.signature.length === 0) bad("signature", "must not be empty");
  if (!task.referenceTimestamp) bad("reference_timestamp", "must not be zero");
  if (task.version > 1) bad("version", `message format ${task.version} is not supported (1 is)`);
  if (task.executorAddress.toLowerCase() !== operatorAddress.toLowerCase()) {
    bad(
      "executor_address",
      `is ${task.executorAddress}, but this executor serves ${operatorAddress}`,
    );
  }
}
