// Original file: proto/eigenlayer/hourglass/v1/executor/executor.proto

export interface GetChallengeTokenRequest {
  "operatorAddress"?: string;
}

export interface GetChallengeTokenRequest__Output {
  "operatorAddress": string;
}
