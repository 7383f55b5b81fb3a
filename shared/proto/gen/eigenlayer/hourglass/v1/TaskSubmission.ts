// Original file: proto/eigenlayer/hourglass/v1/executor/executor.proto

import type { Long } from "@grpc/proto-loader";

export interface TaskSubmission {
  "taskId"?: string;
  "aggregatorAddress"?: string;
  "avsAddress"?: string;
  "payload"?: Buffer | Uint8Array | string;
  "signature"?: Buffer | Uint8Array | string;
  "operatorSetId"?: number;
  "referenceTimestamp"?: number;
  "executorAddress"?: string;
  "taskBlockNumber"?: number | string | Long;
  "version"?: number;
}

export interface TaskSubmission__Output {
  "taskId": string;
  "aggregatorAddress": string;
  "avsAddress": string;
  "payload": Buffer;
  "signature": Buffer;
  "operatorSetId": number;
  "referenceTimestamp": number;
  "executorAddress": string;
  "taskBlockNumber": string;
  "version": number;
}
