// Original file: proto/eigenlayer/hourglass/v1/executor/executor.proto

import type { Long } from "@grpc/proto-loader";

export interface GetChallengeTokenResponse {
  "challengeToken"?: string;
  /**
   * Unix seconds.
   */
  "expiresAt"?: number | string | Long;
}

export interface GetChallengeTokenResponse__Output {
  "challengeToken": string;
  /**
   * Unix seconds.
   */
  "expiresAt": string;
}
