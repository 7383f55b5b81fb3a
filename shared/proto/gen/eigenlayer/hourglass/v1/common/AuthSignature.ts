// Original file: proto/eigenlayer/hourglass/v1/common/auth.proto

/**
 * A single-use challenge token and the operator's signature over the token, the method and a
 * hash of the request, carried by management requests when authentication is on.
 */
export interface AuthSignature {
  "challengeToken"?: string;
  "signature"?: Buffer | Uint8Array | string;
}

/**
 * A single-use challenge token and the operator's signature over the token, the method and a
 * hash of the request, carried by management requests when authentication is on.
 */
export interface AuthSignature__Output {
  "challengeToken": string;
  "signature": Buffer;
}
