// Original file: proto/eigenlayer/hourglass/v1/executor/executor.proto

export interface TaskResult {
  "taskId"?: string;
  "operatorAddress"?: string;
  "output"?: Buffer | Uint8Array | string;
  "resultSignature"?: Buffer | Uint8Array | string;
  "avsAddress"?: string;
  "operatorSetId"?: number;
  "authSignature"?: Buffer | Uint8Array | string;
  "version"?: number;
}

export interface TaskResult__Output {
  "taskId": string;
  "operatorAddress": string;
  "output": Buffer;
  "resultSignature": Buffer;
  "avsAddress": string;
  "operatorSetId": number;
  "authSignature": Buffer;
  "version": number;
}
