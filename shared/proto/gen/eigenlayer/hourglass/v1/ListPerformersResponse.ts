// Original file: proto/eigenlayer/hourglass/v1/executor/executor.proto

import type {
  Performer as _eigenlayer_hourglass_v1_Performer,
  Performer__Output as _eigenlayer_hourglass_v1_Performer__Output,
} from "../../../eigenlayer/hourglass/v1/Performer.ts";

export interface ListPerformersResponse {
  "performers"?: (_eigenlayer_hourglass_v1_Performer)[];
}

export interface ListPerformersResponse__Output {
  "performers": (_eigenlayer_hourglass_v1_Performer__Output)[];
}
