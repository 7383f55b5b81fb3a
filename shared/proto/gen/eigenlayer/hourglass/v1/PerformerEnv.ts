// Original file: proto/eigenlayer/hourglass/v1/executor/executor.proto

import type {
  KubernetesEnv as _eigenlayer_hourglass_v1_KubernetesEnv,
  KubernetesEnv__Output as _eigenlayer_hourglass_v1_KubernetesEnv__Output,
} from "../../../eigenlayer/hourglass/v1/KubernetesEnv.ts";

export interface PerformerEnv {
  "name"?: string;
  "value"?: string;
  "valueFromEnv"?: string;
  "kubernetesEnv"?: _eigenlayer_hourglass_v1_KubernetesEnv | null;
}

export interface PerformerEnv__Output {
  "name": string;
  "value": string;
  "valueFromEnv": string;
  "kubernetesEnv": _eigenlayer_hourglass_v1_KubernetesEnv__Output | null;
}
