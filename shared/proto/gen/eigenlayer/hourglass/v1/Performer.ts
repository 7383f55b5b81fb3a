// Original file: proto/eigenlayer/hourglass/v1/executor/executor.proto

export interface Performer {
  "performerId"?: string;
  "avsAddress"?: string;
  "status"?: string;
  "artifactRegistry"?: string;
  "artifactDigest"?: string;
  "resourceHealthy"?: boolean;
  "applicationHealthy"?: boolean;
  /**
   * RFC 3339.
   */
  "lastHealthCheck"?: string;
  "containerId"?: string;
  "artifactTag"?: string;
}

export interface Performer__Output {
  "performerId": string;
  "avsAddress": string;
  "status": string;
  "artifactRegistry": string;
  "artifactDigest": string;
  "resourceHealthy": boolean;
  "applicationHealthy": boolean;
  /**
   * RFC 3339.
   */
  "lastHealthCheck": string;
  "containerId": string;
  "artifactTag": string;
}
