// Original file: proto/eigenlayer/hourglass/v1/executor/executor.proto

import type {
  SecretKeyRef as _eigenlayer_hourglass_v1_SecretKeyRef,
  SecretKeyRef__Output as _eigenlayer_hourglass_v1_SecretKeyRef__Output,
} from "../../../eigenlayer/hourglass/v1/SecretKeyRef.ts";
import type {
  ConfigMapKeyRef as _eigenlayer_hourglass_v1_ConfigMapKeyRef,
  ConfigMapKeyRef__Output as _eigenlayer_hourglass_v1_ConfigMapKeyRef__Output,
} from "../../../eigenlayer/hourglass/v1/ConfigMapKeyRef.ts";

export interface EnvValueFrom {
  "secretKeyRef"?: _eigenlayer_hourglass_v1_SecretKeyRef | null;
  "configMapKeyRef"?: _eigenlayer_hourglass_v1_ConfigMapKeyRef | null;
}

export interface EnvValueFrom__Output {
  "secretKeyRef": _eigenlayer_hourglass_v1_SecretKeyRef__Output | null;
  "configMapKeyRef": _eigenlayer_hourglass_v1_ConfigMapKeyRef__Output | null;
}
