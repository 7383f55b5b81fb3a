// Original file: proto/eigenlayer/hourglass/v1/executor/executor.proto

export interface DeployArtifactResponse {
  "success"?: boolean;
  "message"?: string;
  "deploymentId"?: string;
}

export interface DeployArtifactResponse__Output {
  "success": boolean;
  "message": string;
  "deploymentId": string;
}
