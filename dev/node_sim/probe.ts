/**
 * Container probes as the kubelet runs them: gRPC (`grpc.health.v1` Check), TCP and HTTP, each
 * with a deadline, on the pod IP; a prober applies initialDelaySeconds, periodSeconds and the
 * success/failure thresholds and reports changes of the result.
 * @module
 */

import * as grpc from "@grpc/grpc-js";
import type * as k8s from "@kubernetes/client-node";
import { delay } from "../../shared/controller/mod.ts";
import { GrpcClient } from "../../shared/grpc/h2/client.ts";
import type { GrpcError } from "../../shared/grpc/h2/status.ts";
import { checkHealthH2 } from "../../shared/grpc/health_client.ts";

/** The outcome of one probe attempt. */
export interface ProbeOutcome {
  ok: boolean;
  message?: string;
}

/** Which probe: decides the initial result and what a failure means. */
export type ProbeKind = "startup" | "readiness" | "liveness";

/** Runs one attempt of `probe` against the container at `ip`. */
export function probeOnce(
  probe: k8s.V1Probe,
  ip: string,
  container: k8s.V1Container,
): Promise<ProbeOutcome> {
  const timeoutMs = (probe.timeoutSeconds ?? 1) * 1000;
  if (probe.grpc) return grpcCheck(ip, probe.grpc.port, probe.grpc.service ?? "", timeoutMs);
  if (probe.tcpSocket) return tcpCheck(ip, resolvePort(probe.tcpSocket.port, container), timeoutMs);
  if (probe.httpGet) return httpCheck(ip, probe.httpGet, container, timeoutMs);
  // exec cannot run inside a process that is not a container: count it as passing.
  return Promise.resolve({ ok: true, message: "exec probes are not simulated" });
}

/** A named or numbered container port → number (0 when the name is unknown). */
export function resolvePort(port: number | string, container: k8s.V1Container): number {
  if (typeof port === "number") return port;
  if (/^\d+$/.test(port)) return Number(port);
  return container.ports?.find((p) => p.name === port)?.containerPort ?? 0;
}

const healthClients = new Map<string, GrpcClient>();

/**
 * One health connection per container address, kept between probes and closed (by
 * `closeProbeConnections`) before the container is stopped. It is our own HTTP/2 client
 * (shared/grpc/h2/), not grpc-js: a container stopping while a grpc-js session to it is open sends
 * a GOAWAY that can abort this Deno process inside nghttp2 (denoland/deno#36788).
 */
function healthClientFor(address: string): GrpcClient {
  let client = healthClients.get(address);
  if (!client) {
    client = new GrpcClient(address);
    healthClients.set(address, client);
  }
  return client;
}

/** Closes the probe connections to a pod IP; call it before stopping the pod's process. */
export function closeProbeConnections(ip: string): void {
  for (const [address, client] of healthClients) {
    if (address.startsWith(`${ip}:`)) {
      client.close();
      healthClients.delete(address);
    }
  }
}

function grpcCheck(
  ip: string,
  port: number,
  service: string,
  timeoutMs: number,
): Promise<ProbeOutcome> {
  return checkHealthH2(healthClientFor(`${ip}:${port}`), { service, timeoutMs }).then(
    (status): ProbeOutcome =>
      status === "SERVING"
        ? { ok: true }
        : { ok: false, message: `service unhealthy (responded with "${status}")` },
    (err: GrpcError | Error): ProbeOutcome => ({
      ok: false,
      message: `rpc error: code = ${
        "code" in err ? grpc.status[err.code as number] : "Unknown"
      } desc = ${"details" in err ? err.details : err.message}`,
    }),
  );
}

async function tcpCheck(ip: string, port: number, timeoutMs: number): Promise<ProbeOutcome> {
  const cancelTimer = new AbortController();
  const timer = delay(timeoutMs, cancelTimer.signal).then(
    () => "timeout" as const,
    () => "cancelled" as const, // the race is over by then
  );
  const connect = Deno.connect({ hostname: ip, port }).then(
    (conn) => (conn.close(), "ok" as const),
    (err: Error) => err.message,
  );
  // A connection that succeeds after the timeout is closed by its own handler above.
  const result = await Promise.race([connect, timer]);
  cancelTimer.abort();
  if (result === "ok") return { ok: true };
  return { ok: false, message: `dial tcp ${ip}:${port}: ${result}` };
}

async function httpCheck(
  ip: string,
  get: k8s.V1HTTPGetAction,
  container: k8s.V1Container,
  timeoutMs: number,
): Promise<ProbeOutcome> {
  const scheme = (get.scheme ?? "HTTP").toLowerCase();
  const url = `${scheme}://${get.host ?? ip}:${resolvePort(get.port, container)}${get.path ?? "/"}`;
  const headers = Object.fromEntries((get.httpHeaders ?? []).map((h) => [h.name, h.value]));
  try {
    const res = await fetch(url, { headers, signal: AbortSignal.timeout(timeoutMs) });
    await res.body?.cancel();
    if (res.status >= 200 && res.status < 400) return { ok: true };
    return { ok: false, message: `HTTP probe failed with statuscode: ${res.status}` };
  } catch (err) {
    return { ok: false, message: `Get "${url}": ${(err as Error).message}` };
  }
}

/** Options of a prober. */
export interface ProberOptions {
  kind: ProbeKind;
  probe: k8s.V1Probe;
  /** One attempt; defaults to `probeOnce`, replaceable in tests. */
  check: () => Promise<ProbeOutcome>;
  /** Called when the result changes (for liveness: when it turns to failure). */
  onResult: (ok: boolean, outcome: ProbeOutcome) => void;
}

/** Runs a probe periodically until stopped. */
export class Prober {
  readonly #options: ProberOptions;
  readonly #abort = new AbortController();
  #result: boolean;
  #successes = 0;
  #failures = 0;

  constructor(options: ProberOptions) {
    this.#options = options;
    // Not ready and not started until proven; alive until proven otherwise.
    this.#result = options.kind === "liveness";
  }

  /** The current result (ready / started / alive). */
  get result(): boolean {
    return this.#result;
  }

  /** Starts probing in the background. */
  start(): void {
    // The loop ends when stop() aborts (its delay() rejects), and only then.
    this.#loop().catch(() => {});
  }

  /** Stops probing; no callback fires afterwards. */
  stop(): void {
    this.#abort.abort();
  }

  async #loop(): Promise<void> {
    const { probe } = this.#options;
    const signal = this.#abort.signal;
    await delay((probe.initialDelaySeconds ?? 0) * 1000, signal);
    while (!signal.aborted) {
      const outcome = await this.#options.check();
      if (signal.aborted) return;
      this.#record(outcome);
      await delay((probe.periodSeconds ?? 10) * 1000, signal);
    }
  }

  #record(outcome: ProbeOutcome): void {
    const { probe } = this.#options;
    if (outcome.ok) {
      this.#failures = 0;
      this.#successes++;
      if (!this.#result && this.#successes >= (probe.successThreshold ?? 1)) {
        this.#set(true, outcome);
      }
    } else {
      this.#successes = 0;
      this.#failures++;
      if (this.#failures < (probe.failureThreshold ?? 3)) return;
      if (this.#result) this.#set(false, outcome);
      // A startup probe starts out failed: past the threshold it must still be reported.
      else if (this.#options.kind === "startup") this.#options.onResult(false, outcome);
    }
  }

  #set(result: boolean, outcome: ProbeOutcome): void {
    this.#result = result;
    this.#options.onResult(result, outcome);
  }
}
