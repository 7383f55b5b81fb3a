/**
 * A gRPC connection to one performer instance: task calls (one attempt each, always with a
 * deadline — tasks are not idempotent, so a task call is never retried), health checks, and a
 * circuit breaker that makes a dead endpoint fail fast.
 *
 * Calls go over our own HTTP/2 client (shared/grpc/h2/), not grpc-js: Deno's node:http2 can abort
 * the whole process when a session receives a GOAWAY (deno#36788), which is exactly what a
 * performer stopping gracefully sends. One connection carries task calls and health checks; it is
 * dialled on demand, so a call after the performer restarted dials again. After repeated
 * unreachable health checks new calls move to a fresh connection (the old one closes when its
 * calls end).
 * @module
 */

import * as grpc from "@grpc/grpc-js";
import { GrpcClient } from "../../shared/grpc/h2/client.ts";
import type { GrpcError } from "../../shared/grpc/h2/status.ts";
import { checkHealthH2 } from "../../shared/grpc/health_client.ts";
import { performerProto } from "../../shared/proto/load.ts";
import { TaskError, type TaskErrorCode } from "../task/errors.ts";
import { CircuitBreaker } from "./circuit_breaker.ts";

/** What a health check found. */
export type AppHealth = "SERVING" | "NOT_SERVING" | "UNKNOWN" | "SERVICE_UNKNOWN" | "UNREACHABLE";

const RECREATE_AFTER_FAILURES = 3;

/** A connection to a performer at `host:port`. */
export class PerformerConnection {
  readonly endpoint: string;
  readonly breaker: CircuitBreaker;
  readonly #client: GrpcClient;
  readonly #executeTask = performerProto().eigenlayer.hourglass.v1.performer.PerformerService
    .service.ExecuteTask;
  #unavailable = 0;

  constructor(endpoint: string, breaker = new CircuitBreaker()) {
    this.endpoint = endpoint;
    this.breaker = breaker;
    this.#client = new GrpcClient(endpoint);
  }

  /** Runs one task; throws TaskError (Unavailable when the breaker is open). */
  async executeTask(
    taskId: string,
    payload: Uint8Array,
    options: { deadline: number; signal?: AbortSignal },
  ): Promise<Uint8Array> {
    if (!this.breaker.tryAcquire()) {
      throw new TaskError(
        "Unavailable",
        `Performer at ${this.endpoint} is failing; circuit open, retry later`,
      );
    }
    // Existing performers expect the ASCII bytes of the 0x… task id.
    const request = { taskId: new TextEncoder().encode(taskId), payload };
    try {
      const response = await this.#client.call(this.#executeTask, request, options);
      this.breaker.onSuccess();
      return new Uint8Array(response.result);
    } catch (err) {
      const failure = err as GrpcError;
      if (failure.code === grpc.status.UNAVAILABLE) this.breaker.onFailure();
      else this.breaker.onSuccess();
      throw taskErrorFrom(failure, this.endpoint);
    }
  }

  /** One grpc.health.v1 check; "UNREACHABLE" when the call itself fails. */
  async health(timeoutMs = 2_000): Promise<AppHealth> {
    try {
      const status = await checkHealthH2(this.#client, { timeoutMs });
      this.#unavailable = 0;
      return status as AppHealth;
    } catch {
      if (++this.#unavailable >= RECREATE_AFTER_FAILURES) this.#reconnect();
      return "UNREACHABLE";
    }
  }

  #reconnect(): void {
    this.#unavailable = 0;
    this.#client.reset();
  }

  /** Closes the connection; calls in flight fail. */
  close(): void {
    this.#client.close();
  }
}

const CODE_MAP: Partial<Record<number, TaskErrorCode>> = {
  [grpc.status.DEADLINE_EXCEEDED]: "DeadlineExceeded",
  [grpc.status.INVALID_ARGUMENT]: "InvalidArgument",
  [grpc.status.UNAVAILABLE]: "Unavailable",
  [grpc.status.CANCELLED]: "Unavailable",
  [grpc.status.RESOURCE_EXHAUSTED]: "ResourceExhausted",
};

/** A performer's failure as a TaskError; the task may have run, so it counts as sent. */
function taskErrorFrom(err: GrpcError, endpoint: string): TaskError {
  const code = CODE_MAP[err.code] ?? "Internal";
  const message = err.code === grpc.status.UNAVAILABLE
    ? `Lost the connection to the performer at ${endpoint} during the task (did it crash?): ${err.details}`
    : err.code === grpc.status.DEADLINE_EXCEEDED
    ? `The performer at ${endpoint} did not answer before the task's deadline`
    : `The performer at ${endpoint} failed the task: ${err.details}`;
  return new TaskError(code, message, { cause: err, reachedPerformer: true });
}
