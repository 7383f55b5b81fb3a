// Original file: proto/eigenlayer/hourglass/v1/performer/performer.proto

export interface StartSyncResponse {
}

export interface StartSyncResponse__Output {
}
