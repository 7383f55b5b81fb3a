// Original file: proto/eigenlayer/hourglass/v1/executor/executor.proto

export interface SecretKeyRef {
  "name"?: string;
  "key"?: string;
}

export interface SecretKeyRef__Output {
  "name": string;
  "key": string;
}
