/**
 * The standard `grpc.health.v1.Health` service, following the published health checking
 * protocol (grpc/grpc doc/health-checking.md):
 * - `Check` answers the status of a registered service, and fails with NOT_FOUND for a service
 *   that was never registered. The empty name "" stands for the whole server.
 * - `Watch` sends the current status at once (SERVICE_UNKNOWN for an unregistered service,
 *   without ending the call), then one message per change, until the client cancels.
 * - `shutdown()` sets every service to NOT_SERVING for good, as grpc-go's and grpc-python's
 *   health servers do when the server starts draining.
 * @module
 */

import * as grpc from "@grpc/grpc-js";
import type { HealthCheckRequest__Output } from "../proto/gen/grpc/health/v1/HealthCheckRequest.ts";
import type { HealthCheckResponse } from "../proto/gen/grpc/health/v1/HealthCheckResponse.ts";
import type { HealthHandlers } from "../proto/gen/grpc/health/v1/Health.ts";
import { healthProto } from "../proto/load.ts";

/** A status a service can be set to (SERVICE_UNKNOWN is only ever sent by Watch). */
export type ServingStatus = "UNKNOWN" | "SERVING" | "NOT_SERVING";

/** The status that Watch reports, which adds SERVICE_UNKNOWN. */
export type WatchedStatus = ServingStatus | "SERVICE_UNKNOWN";

type WatchCall = grpc.ServerWritableStream<HealthCheckRequest__Output, HealthCheckResponse>;

/** A health service with one status per service name; register it on a grpc-js server. */
export class HealthServer {
  readonly #statuses = new Map<string, ServingStatus>();
  readonly #watchers = new Map<string, Set<WatchCall>>();
  #shutDown = false;

  /** Starts with the given statuses, e.g. `{ "": "SERVING" }`; no service is known otherwise. */
  constructor(initial: Record<string, ServingStatus> = {}) {
    for (const [service, status] of Object.entries(initial)) this.#statuses.set(service, status);
  }

  /** The service definition to pass to `server.addService`. */
  get definition(): grpc.ServiceDefinition {
    return healthProto().grpc.health.v1.Health.service;
  }

  /** The handlers to pass to `server.addService`. */
  get implementation(): HealthHandlers {
    return { Check: this.#check, Watch: this.#watch };
  }

  /** The current status of `service`, or undefined when it was never set. */
  status(service: string): ServingStatus | undefined {
    return this.#statuses.get(service);
  }

  /** Sets the status of `service` ("" = the whole server) and tells its watchers of a change. */
  setStatus(service: string, status: ServingStatus): void {
    // After shutdown() a late setStatus("SERVING") from some component must not win.
    if (this.#shutDown) return;
    this.#set(service, status);
  }

  /** Sets every known service to NOT_SERVING and ignores later `setStatus` calls. */
  shutdown(): void {
    for (const service of this.#statuses.keys()) this.#set(service, "NOT_SERVING");
    this.#shutDown = true;
  }

  /**
   * Ends every open Watch stream with status OK. Open watches hold their connections, so a
   * server's graceful shutdown waits for them: call this once nothing else needs to drain.
   */
  endWatches(): void {
    for (const calls of this.#watchers.values()) {
      for (const call of calls) call.end();
      calls.clear();
    }
  }

  #set(service: string, status: ServingStatus): void {
    const previous = this.#statuses.get(service);
    this.#statuses.set(service, status);
    if (previous === status) return;
    for (const call of this.#watchers.get(service) ?? []) call.write({ status });
  }

  #check: HealthHandlers["Check"] = (call, callback) => {
    const status = this.#statuses.get(call.request.service);
    if (status === undefined) {
      callback({
        code: grpc.status.NOT_FOUND,
        details: `Unknown service "${call.request.service}"`,
      });
      return;
    }
    callback(null, { status });
  };

  #watch: HealthHandlers["Watch"] = (call) => {
    const service = call.request.service;
    const calls = this.#watchers.get(service) ?? new Set<WatchCall>();
    this.#watchers.set(service, calls);
    calls.add(call);
    const forget = () => calls.delete(call);
    call.on("cancelled", forget);
    call.on("error", forget);
    call.write({ status: this.#statuses.get(service) ?? "SERVICE_UNKNOWN" });
  };
}
