/**
 * Pod status in wire form (timestamps as RFC 3339 strings), the shape the simulator writes.
 * The generated client types declare timestamps as `Date`, but watch events carry strings; the
 * simulator keeps to strings throughout.
 * @module
 */

/** `state.terminated` / `lastState.terminated`. */
export interface TerminatedJson {
  exitCode: number;
  signal?: number;
  reason: string;
  message?: string;
  startedAt: string;
  finishedAt: string;
  containerID: string;
}

/** `state` / `lastState`: at most one of the three. */
export interface ContainerStateJson {
  waiting?: { reason: string; message?: string };
  running?: { startedAt: string };
  terminated?: TerminatedJson;
}

/** One entry of `containerStatuses`. */
export interface ContainerStatusJson {
  name: string;
  image: string;
  imageID: string;
  containerID?: string;
  ready: boolean;
  started: boolean;
  restartCount: number;
  state: ContainerStateJson;
  lastState: ContainerStateJson;
}

/** A pod condition the simulator owns. */
export interface ConditionJson {
  type: string;
  status: "True" | "False";
  reason?: string;
  message?: string;
  lastProbeTime: null;
  lastTransitionTime: string;
}

/** The part of a pod's status that the kubelet owns. */
export interface OwnedStatus {
  phase: "Pending" | "Running" | "Succeeded" | "Failed";
  conditions: ConditionJson[];
  hostIP: string;
  hostIPs: { ip: string }[];
  podIP?: string;
  podIPs?: { ip: string }[];
  startTime: string;
  containerStatuses: ContainerStatusJson[];
}

/** A timestamp from an API object (string on the wire, `Date` from the typed client). */
export function isoTime(value: unknown): string | undefined {
  if (value instanceof Date) return value.toISOString().replace(/\.\d{3}Z$/, "Z");
  return typeof value === "string" ? value : undefined;
}

/** Now, at the API's one-second precision. */
export function nowIso(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
}
