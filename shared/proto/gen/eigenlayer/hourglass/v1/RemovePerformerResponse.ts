// Original file: proto/eigenlayer/hourglass/v1/executor/executor.proto

export interface RemovePerformerResponse {
  "success"?: boolean;
  "message"?: string;
}

export interface RemovePerformerResponse__Output {
  "success": boolean;
  "message": string;
}
