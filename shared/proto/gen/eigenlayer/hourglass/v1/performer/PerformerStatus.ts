// Original file: proto/eigenlayer/hourglass/v1/performer/performer.proto

export const PerformerStatus = {
  READY_FOR_SYNC: "READY_FOR_SYNC",
  READY_FOR_TASK: "READY_FOR_TASK",
} as const;

export type PerformerStatus =
  | "READY_FOR_SYNC"
  | 0
  | "READY_FOR_TASK"
  | 1;

export type PerformerStatus__Output = typeof PerformerStatus[keyof typeof PerformerStatus];
