// Original file: proto/eigenlayer/hourglass/v1/executor/executor.proto

import type {
  AuthSignature as _eigenlayer_hourglass_v1_common_AuthSignature,
  AuthSignature__Output as _eigenlayer_hourglass_v1_common_AuthSignature__Output,
} from "../../../eigenlayer/hourglass/v1/common/AuthSignature.ts";

export interface RemovePerformerRequest {
  "performerId"?: string;
  "auth"?: _eigenlayer_hourglass_v1_common_AuthSignature | null;
}

export interface RemovePerformerRequest__Output {
  "performerId": string;
  "auth": _eigenlayer_hourglass_v1_common_AuthSignature__Output | null;
}
