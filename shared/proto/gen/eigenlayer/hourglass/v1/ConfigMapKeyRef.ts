// Original file: proto/eigenlayer/hourglass/v1/executor/executor.proto

export interface ConfigMapKeyRef {
  "name"?: string;
  "key"?: string;
}

export interface ConfigMapKeyRef__Output {
  "name": string;
  "key": string;
}
