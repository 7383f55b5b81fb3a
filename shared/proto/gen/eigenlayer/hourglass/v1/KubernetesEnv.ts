// Original file: proto/eigenlayer/hourglass/v1/executor/executor.proto

import type {
  EnvValueFrom as _eigenlayer_hourglass_v1_EnvValueFrom,
  EnvValueFrom__Output as _eigenlayer_hourglass_v1_EnvValueFrom__Output,
} from "../../../eigenlayer/hourglass/v1/EnvValueFrom.ts";

export interface KubernetesEnv {
  "valueFrom"?: _eigenlayer_hourglass_v1_EnvValueFrom | null;
}

export interface KubernetesEnv__Output {
  "valueFrom": _eigenlayer_hourglass_v1_EnvValueFrom__Output | null;
}
