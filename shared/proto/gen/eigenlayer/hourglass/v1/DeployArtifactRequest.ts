// Original file: proto/eigenlayer/hourglass/v1/executor/executor.proto

import type {
  PerformerEnv as _eigenlayer_hourglass_v1_PerformerEnv,
  PerformerEnv__Output as _eigenlayer_hourglass_v1_PerformerEnv__Output,
} from "../../../eigenlayer/hourglass/v1/PerformerEnv.ts";
import type {
  KubernetesConfig as _eigenlayer_hourglass_v1_KubernetesConfig,
  KubernetesConfig__Output as _eigenlayer_hourglass_v1_KubernetesConfig__Output,
} from "../../../eigenlayer/hourglass/v1/KubernetesConfig.ts";
import type {
  AuthSignature as _eigenlayer_hourglass_v1_common_AuthSignature,
  AuthSignature__Output as _eigenlayer_hourglass_v1_common_AuthSignature__Output,
} from "../../../eigenlayer/hourglass/v1/common/AuthSignature.ts";

export interface DeployArtifactRequest {
  "avsAddress"?: string;
  "digest"?: string;
  "registryUrl"?: string;
  "env"?: (_eigenlayer_hourglass_v1_PerformerEnv)[];
  "kubernetes"?: _eigenlayer_hourglass_v1_KubernetesConfig | null;
  "auth"?: _eigenlayer_hourglass_v1_common_AuthSignature | null;
}

export interface DeployArtifactRequest__Output {
  "avsAddress": string;
  "digest": string;
  "registryUrl": string;
  "env": (_eigenlayer_hourglass_v1_PerformerEnv__Output)[];
  "kubernetes": _eigenlayer_hourglass_v1_KubernetesConfig__Output | null;
  "auth": _eigenlayer_hourglass_v1_common_AuthSignature__Output | null;
}
