/**
 * The condition types and `Degraded` reasons of a Performer's status: the operator writes them,
 * the executor (kubernetes mode) reads them to fail a deploy at once instead of waiting.
 * @module
 */

/** Condition types of `status.conditions`. */
export const CONDITION = {
  available: "Available",
  progressing: "Progressing",
  degraded: "Degraded",
} as const;

/** Why a pod cannot serve (from its status). */
export const POD_FAILURE_REASONS = [
  "Unschedulable",
  "ImagePullFailed",
  "CrashLooping",
  "ContainerConfigError",
  "PodFailed",
] as const;
/** Why a pod cannot serve. */
export type PodFailureReason = (typeof POD_FAILURE_REASONS)[number];

/** Every reason of a `Degraded=True` condition. */
export const DEGRADED_REASONS = [
  ...POD_FAILURE_REASONS,
  /** A Service of the Performer's name exists and is not the Performer's. */
  "ServiceConflict",
  /** A reconcile failed (the message says which API call and why). */
  "ReconcileError",
] as const;
/** A reason of a `Degraded=True` condition. */
export type DegradedReason = (typeof DEGRADED_REASONS)[number];

/**
 * Degraded reasons that no waiting fixes: whoever waits for the Performer to become ready (the
 * executor's deploy) should fail at once.
 */
export const TERMINAL_DEGRADED_REASONS = [
  "ImagePullFailed",
  "CrashLooping",
  "Unschedulable",
  "ContainerConfigError",
] as const satisfies readonly DegradedReason[];
/** A Degraded reason that no waiting fixes. */
export type TerminalDegradedReason = (typeof TERMINAL_DEGRADED_REASONS)[number];
