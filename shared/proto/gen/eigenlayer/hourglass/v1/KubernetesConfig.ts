// Original file: proto/eigenlayer/hourglass/v1/executor/executor.proto

export interface KubernetesConfig {
  "serviceAccountName"?: string;
}

export interface KubernetesConfig__Output {
  "serviceAccountName": string;
}
