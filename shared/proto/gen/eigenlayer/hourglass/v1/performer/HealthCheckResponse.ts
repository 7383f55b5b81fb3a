// Original file: proto/eigenlayer/hourglass/v1/performer/performer.proto

import type {
  PerformerStatus as _eigenlayer_hourglass_v1_performer_PerformerStatus,
  PerformerStatus__Output as _eigenlayer_hourglass_v1_performer_PerformerStatus__Output,
} from "../../../../eigenlayer/hourglass/v1/performer/PerformerStatus.ts";

export interface HealthCheckResponse {
  "status"?: _eigenlayer_hourglass_v1_performer_PerformerStatus;
}

export interface HealthCheckResponse__Output {
  "status": _eigenlayer_hourglass_v1_performer_PerformerStatus__Output;
}
