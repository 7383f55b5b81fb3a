// Original file: proto/eigenlayer/hourglass/v1/performer/performer.proto

export interface TaskRequest {
  /**
   * ASCII bytes of the 0x-prefixed task id (66 bytes), as existing executors send it.
   */
  "taskId"?: Buffer | Uint8Array | string;
  "payload"?: Buffer | Uint8Array | string;
}

export interface TaskRequest__Output {
  /**
   * ASCII bytes of the 0x-prefixed task id (66 bytes), as existing executors send it.
   */
  "taskId": Buffer;
  "payload": Buffer;
}
