// Original file: proto/eigenlayer/hourglass/v1/performer/performer.proto

export interface TaskResponse {
  "taskId"?: Buffer | Uint8Array | string;
  "result"?: Buffer | Uint8Array | string;
}

export interface TaskResponse__Output {
  "taskId": Buffer;
  "result": Buffer;
}
