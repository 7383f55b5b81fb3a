// Original file: proto/eigenlayer/hourglass/v1/performer/performer.proto

export interface StartSyncRequest {
  "payload"?: Buffer | Uint8Array | string;
}

export interface StartSyncRequest__Output {
  "payload": Buffer;
}
