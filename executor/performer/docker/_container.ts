/**
 * Pure translations between the performer runtime's types and the Engine API's container
 * documents: the create body from an instance spec, and instances and runtime states from
 * inspect answers. No I/O here, so every rule is unit-tested without an engine.
 * @module
 */

import { LABEL } from "../../../shared/api/labels.ts";
import { formatImage, imageProblem, imageReference, parseImage } from "../image.ts";
import type { InstanceSpec, PerformerInstance, RuntimeState } from "../runtime.ts";
import { DockerRuntimeError } from "./errors.ts";

/** The port existing Hourglass performer images listen on (set as GRPC_PORT). */
export const PERFORMER_PORT = 8080;
/** The container port key of the Engine API. */
export const PORT_KEY = `${PERFORMER_PORT}/tcp`;
/** Docker-mode label keeping the image as configured (`repo:tag[@digest]`) for adoption. */
export const IMAGE_LABEL = "hourglass.eigenlayer.io/image";
/** Variables the runtime sets itself; entries of the spec with these names are replaced. */
export const RESERVED_ENV = ["GRPC_PORT", "AVS_ADDRESS"] as const;

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

/** The fields of `GET /containers/{id}/json` this runtime reads. */
export interface ContainerInspect {
  Id: string;
  Name: string;
  Created: string;
  Config: { Image: string; Labels: Record<string, string> | null; Env?: string[] | null };
  State: {
    Status: string;
    Running: boolean;
    Paused?: boolean;
    OOMKilled?: boolean;
    ExitCode: number;
    Error?: string;
    Pid?: number;
  };
  HostConfig: {
    SecurityOpt?: string[] | null;
    CapDrop?: string[] | null;
    Memory?: number;
    MemorySwap?: number;
    PidsLimit?: number | null;
    PortBindings?: Record<string, PortBinding[] | null> | null;
    NetworkMode?: string;
    AutoRemove?: boolean;
    RestartPolicy?: { Name: string };
  };
  NetworkSettings: {
    Ports?: Record<string, PortBinding[] | null> | null;
    Networks?: Record<string, { IPAddress?: string }> | null;
  };
}

/** One host binding of a container port. */
export interface PortBinding {
  HostIp: string;
  HostPort: string;
}

/** Checks what the engine would otherwise reject late, or misread as a path; throws InvalidSpec. */
export function validateSpec(spec: InstanceSpec): void {
  const invalid = (what: string) =>
    new DockerRuntimeError("InvalidSpec", `Cannot run performer "${spec.performerId}": ${what}`);
  if (!DNS_LABEL.test(spec.performerId)) {
    throw invalid("the performer id must be a DNS-1123 label (a-z, 0-9, '-'; at most 63)");
  }
  if (!ADDRESS.test(spec.avsAddress)) {
    throw invalid(`the AVS address "${spec.avsAddress}" is not a 0x address of 40 hex digits`);
  }
  const problem = imageProblem(spec.image);
  if (problem) throw invalid(problem);
}

/** `hourglass-<first 8 hex of the AVS>-<performer id>`: unique because performer ids are. */
export function containerName(spec: Pick<InstanceSpec, "avsAddress" | "performerId">): string {
  return `hourglass-${spec.avsAddress.slice(2, 10).toLowerCase()}-${spec.performerId}`;
}

/** The container's environment, and which spec entries the runtime's own values replaced. */
export function containerEnv(spec: InstanceSpec): { env: string[]; replaced: string[] } {
  const env: string[] = [];
  const replaced: string[] = [];
  for (const entry of spec.env) {
    if (!("value" in entry)) {
      throw new DockerRuntimeError(
        "InvalidSpec",
        `Cannot run performer "${spec.performerId}": env "${entry.name}" takes its value from ` +
          `a Kubernetes Secret or ConfigMap, which only deploymentMode kubernetes resolves`,
      );
    }
    if ((RESERVED_ENV as readonly string[]).includes(entry.name)) replaced.push(entry.name);
    else env.push(`${entry.name}=${entry.value}`);
  }
  env.push(`GRPC_PORT=${PERFORMER_PORT}`, `AVS_ADDRESS=${spec.avsAddress}`);
  return { env, replaced };
}

/** Resource limits of every performer container; 0 (or absent) means none. */
export interface ContainerLimits {
  /** `docker.memoryLimit`, in bytes. */
  memoryBytes?: number;
  /** `docker.pidsLimit`. */
  pids?: number;
}

/** The `POST /containers/create` body: labelled, loopback-only or on `network`, no auto-remove. */
export function createBody(
  spec: InstanceSpec,
  options: { executorId: string; env: string[]; network?: string; limits?: ContainerLimits },
): Record<string, unknown> {
  const { network } = options;
  const memory = options.limits?.memoryBytes ?? 0;
  const pids = options.limits?.pids ?? 0;
  return {
    Image: imageReference(spec.image),
    Env: options.env,
    Labels: {
      [LABEL.avs]: spec.avsAddress.toLowerCase(),
      [LABEL.performerId]: spec.performerId,
      [LABEL.executor]: options.executorId,
      [IMAGE_LABEL]: formatImage(spec.image),
      ...(spec.specFingerprint ? { [LABEL.specFingerprint]: spec.specFingerprint } : {}),
    },
    ExposedPorts: { [PORT_KEY]: {} },
    HostConfig: {
      // Crash evidence (exit code, logs) stays until the executor removes the container, and
      // restarts are the executor's, with its own back-off: the engine must not race it.
      AutoRemove: false,
      RestartPolicy: { Name: "no" },
      // A performer is AVS code the operator did not write: no privilege escalation (setuid
      // binaries) and no Linux capabilities (a gRPC server on an unprivileged port needs none).
      SecurityOpt: ["no-new-privileges"],
      CapDrop: ["ALL"],
      // Bounded memory and processes, so one AVS's leak or fork bomb cannot take the host (and
      // the executor and other AVSs with it). MemorySwap equal to Memory: no swap beyond it.
      ...(memory > 0 ? { Memory: memory, MemorySwap: memory } : {}),
      ...(pids > 0 ? { PidsLimit: pids } : {}),
      ...(network ? { NetworkMode: network } : {
        // An empty HostPort lets the engine pick a free port; HostIp keeps it off other
        // interfaces (performers serve plaintext, without authentication).
        PortBindings: { [PORT_KEY]: [{ HostIp: "127.0.0.1", HostPort: "" }] },
      }),
    },
    ...(network ? { NetworkingConfig: { EndpointsConfig: { [network]: {} } } } : {}),
  };
}

/**
 * `127.0.0.1:<published port>`, or `<container name>:8080` on the configured network; "" when
 * neither is known (Docker forgets a random host port while the container is stopped).
 */
export function endpointOf(inspect: ContainerInspect, network?: string): string {
  const published = [
    ...(inspect.NetworkSettings.Ports?.[PORT_KEY] ?? []),
    // Podman also writes the chosen port back here, and keeps it while stopped.
    ...(inspect.HostConfig.PortBindings?.[PORT_KEY] ?? []),
  ].find((b) => /^[1-9][0-9]*$/.test(b.HostPort));
  if (published) return `127.0.0.1:${published.HostPort}`;
  if (network && inspect.NetworkSettings.Networks?.[network]) {
    return `${inspect.Name.replace(/^\//, "")}:${PERFORMER_PORT}`;
  }
  return "";
}

/** The instance an inspected container stands for; undefined when it lacks our labels. */
export function instanceOf(
  inspect: ContainerInspect,
  network?: string,
): PerformerInstance | undefined {
  const labels = inspect.Config.Labels ?? {};
  const performerId = labels[LABEL.performerId];
  const avsAddress = labels[LABEL.avs];
  if (!performerId || !avsAddress) return undefined;
  const specFingerprint = labels[LABEL.specFingerprint];
  return {
    performerId,
    avsAddress,
    image: parseImage(labels[IMAGE_LABEL] ?? inspect.Config.Image),
    endpoint: endpointOf(inspect, network),
    resourceId: inspect.Id,
    createdAt: new Date(inspect.Created),
    // Containers of older executors have none: adopted by their image alone.
    ...(specFingerprint ? { specFingerprint } : {}),
  };
}

/**
 * The runtime state of a container. With no restart policy a stopped container stays stopped
 * until `restart()`, so every stopped state is `failed`; paused or restarting ones are not.
 */
export function runtimeStateOf(inspect: ContainerInspect): RuntimeState {
  const s = inspect.State;
  switch (s.Status) {
    case "running":
      return s.Paused ? { running: false, detail: "paused" } : { running: true };
    case "created":
      return s.Error
        ? { running: false, failed: true, detail: `could not start: ${s.Error}` }
        : { running: false, detail: "created, not started" };
    case "exited":
    case "stopped":
      return { running: false, failed: true, detail: exitDetail(s) };
    case "dead":
      return { running: false, failed: true, detail: `dead${s.Error ? `: ${s.Error}` : ""}` };
    case "removing":
      return { running: false, failed: true, detail: "being removed" };
    default:
      // "paused", "restarting", "stopping", and whatever an engine adds later.
      return { running: false, detail: s.Status || "unknown state" };
  }
}

/** The state of a container the engine no longer knows. */
export function goneState(id: string): RuntimeState {
  return { running: false, failed: true, detail: `container ${id.slice(0, 12)} no longer exists` };
}

const SIGNALS: Record<number, string> = {
  1: "SIGHUP",
  2: "SIGINT",
  6: "SIGABRT",
  9: "SIGKILL",
  15: "SIGTERM",
};

function exitDetail(s: ContainerInspect["State"]): string {
  let detail = `exited with code ${s.ExitCode}`;
  if (s.OOMKilled) detail += " (out of memory)";
  else if (s.ExitCode > 128 && s.ExitCode < 160) {
    const n = s.ExitCode - 128;
    detail += ` (killed by signal ${SIGNALS[n] ?? n})`;
  }
  return s.Error ? `${detail}: ${s.Error}` : detail;
}
