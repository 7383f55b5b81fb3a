// Original file: proto/eigenlayer/hourglass/v1/performer/performer.proto

export interface HealthCheckRequest {
}

export interface HealthCheckRequest__Output {
}
