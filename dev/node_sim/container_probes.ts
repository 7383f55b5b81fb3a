/**
 * The probes of one running container process, wired as the kubelet wires them: the startup
 * probe gates the others; readiness decides `ready`; a failed liveness (or startup) probe kills
 * the process, and the restart policy takes it from there.
 * @module
 */

import type * as k8s from "@kubernetes/client-node";
import type { Logger } from "../../shared/runtime/log.ts";
import { type ProbeKind, probeOnce, Prober } from "./probe.ts";

/** What the probes of a container need. */
export interface ContainerProbesOptions {
  pod: k8s.V1Pod;
  container: k8s.V1Container;
  podIP: string;
  /** Called when `ready` or `started` changes. */
  onChange: () => void;
  /** Kills the process (liveness or startup failure). */
  kill: (why: string) => void;
  log: Logger;
}

/** Probers for one process of a container. */
export class ContainerProbes {
  readonly #o: ContainerProbesOptions;
  readonly #probers: Prober[] = [];
  #started = false;
  #ready = false;
  #stopped = false;

  constructor(options: ContainerProbesOptions) {
    this.#o = options;
  }

  /** True once the startup probe passed (or at once without one). */
  get started(): boolean {
    return this.#started;
  }

  /** True while the readiness probe passes (always, once started, without one). */
  get ready(): boolean {
    return this.#ready;
  }

  /** Starts the startup probe, or the readiness and liveness probes. */
  start(): void {
    const startup = this.#o.container.startupProbe;
    if (!startup) {
      this.#started = true;
      this.#startMain();
      return;
    }
    const prober = this.#prober("startup", startup, (ok, message) => {
      if (!ok) return this.#o.kill(`startup probe failed: ${message}`);
      prober.stop();
      this.#started = true;
      this.#startMain();
      this.#o.onChange();
    });
  }

  /** Stops every prober; no callback fires afterwards. */
  stop(): void {
    this.#stopped = true;
    for (const p of this.#probers) p.stop();
  }

  #startMain(): void {
    const { readinessProbe, livenessProbe } = this.#o.container;
    if (readinessProbe) {
      this.#prober("readiness", readinessProbe, (ok) => {
        this.#ready = ok;
        this.#o.onChange();
      });
    } else {
      this.#ready = true;
    }
    if (livenessProbe) {
      this.#prober("liveness", livenessProbe, (ok, message) => {
        if (!ok) this.#o.kill(`liveness probe failed: ${message}`);
      });
    }
  }

  #prober(
    kind: ProbeKind,
    probe: k8s.V1Probe,
    onResult: (ok: boolean, message: string) => void,
  ): Prober {
    const { podIP, container, log } = this.#o;
    const prober = new Prober({
      kind,
      probe,
      check: () => probeOnce(probe, podIP, container),
      onResult: (ok, outcome) => {
        if (this.#stopped) return;
        log("info", `${kind} probe ${ok ? "succeeded" : "failed"}`, { detail: outcome.message });
        onResult(ok, outcome.message ?? "");
      },
    });
    this.#probers.push(prober);
    prober.start();
    return prober;
  }
}
