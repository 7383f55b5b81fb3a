/**
 * One container of a pod on the simulated node, through the kubelet's life cycle: image "pull"
 * (ErrImagePull / ImagePullBackOff for images the node does not know), configuration
 * (CreateContainerConfigError), the running process with its probes, and restarts per the pod's
 * restartPolicy with the kubelet's crash-loop back-off (base doubling to 30 × base, i.e. 10 s to
 * 5 min by default).
 * @module
 */

import type * as k8s from "@kubernetes/client-node";
import { delay, errorText } from "../../shared/controller/mod.ts";
import type { Logger } from "../../shared/runtime/log.ts";
import { type ConfigSource, ContainerConfigError, containerEnv, processEnv } from "./env.ts";
import { imageId, type ImageLaunch, type ImageTable, lookupImage } from "./images.ts";
import { type LocalProcess, type ProcessExit, spawnProcess } from "./process.ts";
import { ContainerProbes } from "./container_probes.ts";
import type { ContainerStateJson, ContainerStatusJson, TerminatedJson } from "./status_types.ts";
import { nowIso } from "./status_types.ts";
import { closeProbeConnections } from "./probe.ts";

/** What a container runner needs. */
export interface ContainerRunnerOptions {
  pod: k8s.V1Pod;
  container: k8s.V1Container;
  podIP: string;
  hostIP: string;
  images: ImageTable;
  repoRoot: string;
  configSource: ConfigSource;
  /** Crash-loop and image-pull back-off base in ms (the kubelet's is 10 s). */
  backoffBaseMs: number;
  logPath: string;
  /** Called whenever the container's status changes. */
  onChange: () => void;
  log: Logger;
  /** Status from before this runner (a restarted simulator adopting a pod). */
  previous?: k8s.V1ContainerStatus;
}

/** Runs one container until stopped. */
export class ContainerRunner {
  readonly #o: ContainerRunnerOptions;
  readonly #abort = new AbortController();
  #state: ContainerStateJson = { waiting: { reason: "ContainerCreating" } };
  #lastState: ContainerStateJson = {};
  #restartCount: number;
  #everStarted: boolean;
  #imageID = "";
  #process?: LocalProcess;
  #probes?: ContainerProbes;
  #crashBackoffMs: number;
  #pullBackoffMs: number;
  #loop?: Promise<void>;

  constructor(options: ContainerRunnerOptions) {
    this.#o = options;
    this.#restartCount = options.previous?.restartCount ?? 0;
    const prev = options.previous;
    this.#everStarted = Boolean(
      prev?.state?.running || prev?.state?.terminated || prev?.lastState?.terminated,
    );
    this.#crashBackoffMs = options.backoffBaseMs;
    this.#pullBackoffMs = options.backoffBaseMs;
  }

  /** Starts the life cycle in the background. */
  start(): void {
    this.#loop ??= this.#run().catch((err) => {
      this.#o.log("error", "container loop failed", { error: errorText(err) });
    });
  }

  /** Stops the process (SIGTERM, SIGKILL after `graceMs`) and the life cycle. */
  async stop(graceMs: number): Promise<void> {
    this.#abort.abort();
    this.#probes?.stop();
    closeProbeConnections(this.#o.podIP);
    await this.#process?.stop(graceMs);
    await this.#loop;
  }

  /** The container's entry of `containerStatuses`. */
  status(): ContainerStatusJson {
    const running = Boolean(this.#state.running);
    return {
      name: this.#o.container.name,
      image: this.#o.container.image ?? "",
      imageID: this.#imageID,
      ...(this.#process ? { containerID: containerId(this.#process.pid) } : {}),
      ready: running && (this.#probes?.ready ?? false),
      started: running && (this.#probes?.started ?? false),
      restartCount: this.#restartCount,
      state: this.#state,
      lastState: this.#lastState,
    };
  }

  get #stopping(): boolean {
    return this.#abort.signal.aborted;
  }

  /** Waits `ms`, or less when stop() cuts it short (the callers check `#stopping` next). */
  #pause(ms: number): Promise<void> {
    return delay(ms, this.#abort.signal).catch(() => {});
  }

  #setState(state: ContainerStateJson): void {
    this.#state = state;
    this.#o.onChange();
  }

  async #run(): Promise<void> {
    while (!this.#stopping) {
      try {
        if (await this.#attempt() === "done") return;
      } catch (err) {
        // Not the container's doing (e.g. its log directory vanished): report it as a runtime
        // error and try again later, rather than leave the container in a stale state.
        this.#o.log("error", "cannot run container", { error: errorText(err) });
        this.#setState({ waiting: { reason: "RunContainerError", message: errorText(err) } });
        await this.#pause(this.#nextCrashDelay());
      }
    }
  }

  /** One pass: pull, configure, run until exit; "done" when the container is not restarted. */
  async #attempt(): Promise<"done" | "again"> {
    const { container, pod, repoRoot } = this.#o;
    const image = container.image ?? "";
    const launcher = lookupImage(this.#o.images, image);
    if (!launcher) {
      await this.#imagePullFailure(image);
      return "again";
    }
    this.#imageID ||= await imageId(image);
    const env = await this.#environment();
    if (!env || this.#stopping) return "again";
    const terminated = await this.#runOnce(
      { cwd: repoRoot, ...launcher({ repoRoot, image }) },
      env,
    );
    if (this.#stopping || !shouldRestart(pod.spec?.restartPolicy, terminated.exitCode)) {
      this.#setState({ terminated });
      return "done";
    }
    this.#lastState = { terminated };
    const delayMs = this.#nextCrashDelay();
    const podRef = `${pod.metadata?.name}_${pod.metadata?.namespace}(${pod.metadata?.uid})`;
    const message = `back-off ${
      formatDelay(delayMs)
    } restarting failed container=${container.name} pod=${podRef}`;
    this.#setState({ waiting: { reason: "CrashLoopBackOff", message } });
    await this.#pause(delayMs);
    return "again";
  }

  /** The crash-loop delay to wait now; doubles the next one up to the cap. */
  #nextCrashDelay(): number {
    const delayMs = this.#crashBackoffMs;
    this.#crashBackoffMs = Math.min(this.#crashBackoffMs * 2, this.#maxBackoffMs);
    return delayMs;
  }

  get #maxBackoffMs(): number {
    return this.#o.backoffBaseMs * 30;
  }

  async #imagePullFailure(image: string): Promise<void> {
    const known = [...this.#o.images.keys()].join(", ");
    this.#setState({
      waiting: {
        reason: "ErrImagePull",
        message:
          `failed to pull image "${image}": the node simulator has no local process for it (known: ${known})`,
      },
    });
    await this.#pause(Math.min(this.#o.backoffBaseMs, 2000));
    if (this.#stopping) return;
    this.#setState({
      waiting: { reason: "ImagePullBackOff", message: `Back-off pulling image "${image}"` },
    });
    await this.#pause(this.#pullBackoffMs);
    this.#pullBackoffMs = Math.min(this.#pullBackoffMs * 2, this.#maxBackoffMs);
  }

  /** The process environment, or undefined after reporting a configuration error. */
  async #environment(): Promise<Record<string, string> | undefined> {
    const { pod, container, podIP, hostIP } = this.#o;
    try {
      const env = await containerEnv(pod, container, this.#o.configSource, { podIP, hostIP });
      return processEnv(container, env, { podName: pod.metadata?.name ?? "", podIP });
    } catch (err) {
      const reason = err instanceof ContainerConfigError
        ? err.reason
        : "CreateContainerConfigError";
      this.#setState({ waiting: { reason, message: (err as Error).message } });
      this.#o.log("warn", "container config error", { error: errorText(err) });
      await this.#pause(this.#o.backoffBaseMs);
      return undefined;
    }
  }

  /** Runs the process once, with its probes; returns how it ended. */
  async #runOnce(launch: ImageLaunch, env: Record<string, string>): Promise<TerminatedJson> {
    if (this.#everStarted) this.#restartCount++;
    this.#everStarted = true;
    const startedAt = nowIso();
    const proc = spawnProcess(launch, env, this.#o.logPath);
    this.#process = proc;
    this.#o.log("info", "container started", { pid: proc.pid, restartCount: this.#restartCount });
    this.#probes = new ContainerProbes({
      pod: this.#o.pod,
      container: this.#o.container,
      podIP: this.#o.podIP,
      onChange: this.#o.onChange,
      kill: (why) => this.#kill(proc, why),
      log: this.#o.log,
    });
    this.#probes.start();
    this.#setState({ running: { startedAt } });
    const exit = await proc.exited;
    this.#probes.stop();
    const ranMs = Date.now() - Date.parse(startedAt);
    // The kubelet forgets a container's back-off once it has run well past the longest delay.
    if (ranMs > 2 * this.#maxBackoffMs) this.#crashBackoffMs = this.#o.backoffBaseMs;
    this.#o.log("info", "container exited", { pid: proc.pid, exitCode: exit.exitCode });
    return terminatedState(exit, startedAt, containerId(proc.pid));
  }

  #kill(proc: LocalProcess, why: string): void {
    const pod = this.#o.pod;
    const graceS = pod.spec?.terminationGracePeriodSeconds ?? 30;
    this.#o.log("info", "killing container", { reason: why, pid: proc.pid });
    closeProbeConnections(this.#o.podIP);
    void proc.stop(graceS * 1000);
  }
}

/** The kubelet's restart decision for a container that exited with `exitCode`. */
export function shouldRestart(policy: string | undefined, exitCode: number): boolean {
  if (policy === "Never") return false;
  if (policy === "OnFailure") return exitCode !== 0;
  return true;
}

function terminatedState(
  exit: ProcessExit,
  startedAt: string,
  containerID: string,
): TerminatedJson {
  return {
    exitCode: exit.exitCode,
    ...(exit.signal ? { signal: exit.exitCode - 128 } : {}),
    reason: exit.exitCode === 0 ? "Completed" : "Error",
    startedAt,
    finishedAt: nowIso(),
    containerID,
  };
}

function containerId(pid: number): string {
  return `sim://${pid}`;
}

function formatDelay(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${s % 60 ? `${s % 60}s` : ""}`;
}
