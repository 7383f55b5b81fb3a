/**
 * A gRPC connection to one performer instance: task calls (one attempt each, always with a
 * deadline — tasks are not idempotent, so a task call is never retried), health checks, and a
 * circuit breaker that makes a dead endpoint fail fast.
 *
 * Connection set-up may retry (grpc-js reconnects with back-off by itself); after repeated
 * UNAVAILABLE health checks the channel is recreated, since a channel can get stuck after its
 * server restarts. Channels move to a fresh connection every few calls and close when idle, so
 * this side ends its HTTP/2 sessions rather than receive the performer's GOAWAY
 * (shared/grpc/bounded_sessions.ts, deno#36788).
 * @module
 */

import * as grpc from "@grpc/grpc-js";
import { checkHealth, healthClient } from "../../shared/grpc/health_client.ts";
import { performerProto } from "../../shared/proto/load.ts";
import { TaskError, type TaskErrorCode } from "../task/errors.ts";
import { CircuitBreaker } from "./circuit_breaker.ts";
import { OWN_CONNECTIONS } from "../../shared/grpc/channel_options.ts";
import { BoundedClient } from "../../shared/grpc/bounded_sessions.ts";

/** What a health check found. */
export type AppHealth = "SERVING" | "NOT_SERVING" | "UNKNOWN" | "SERVICE_UNKNOWN" | "UNREACHABLE";

const RECREATE_AFTER_FAILURES = 3;
const CHANNEL_OPTIONS: grpc.ChannelOptions = {
  "grpc.initial_reconnect_backoff_ms": 200,
  "grpc.max_reconnect_backoff_ms": 5_000,
  ...OWN_CONNECTIONS,
};

type PerformerClient = InstanceType<
  ReturnType<
    typeof performerProto
  >["eigenlayer"]["hourglass"]["v1"]["performer"]["PerformerService"]
>;

/** A connection to a performer at `host:port`. */
export class PerformerConnection {
  readonly endpoint: string;
  readonly breaker: CircuitBreaker;
  #client: BoundedClient<PerformerClient>;
  #health: BoundedClient<ReturnType<typeof healthClient>>;
  #unavailable = 0;

  constructor(endpoint: string, breaker = new CircuitBreaker()) {
    this.endpoint = endpoint;
    this.breaker = breaker;
    [this.#client, this.#health] = this.#connect();
  }

  #connect(): [BoundedClient<PerformerClient>, BoundedClient<ReturnType<typeof healthClient>>] {
    const Client = performerProto().eigenlayer.hourglass.v1.performer.PerformerService;
    return [
      new BoundedClient(() =>
        new Client(this.endpoint, grpc.credentials.createInsecure(), CHANNEL_OPTIONS)
      ),
      new BoundedClient(() => healthClient(this.endpoint, CHANNEL_OPTIONS)),
    ];
  }

  /** Runs one task; throws TaskError (Unavailable when the breaker is open). */
  executeTask(
    taskId: string,
    payload: Uint8Array,
    options: { deadline: number; signal?: AbortSignal },
  ): Promise<Uint8Array> {
    if (!this.breaker.tryAcquire()) {
      return Promise.reject(
        new TaskError(
          "Unavailable",
          `Performer at ${this.endpoint} is failing; circuit open, retry later`,
        ),
      );
    }
    return new Promise((resolve, reject) => {
      // Existing performers expect the ASCII bytes of the 0x… task id.
      const request = { taskId: new TextEncoder().encode(taskId), payload };
      const lease = this.#client.lease();
      const call = lease.client.ExecuteTask(
        request,
        { deadline: options.deadline },
        (err, response) => {
          lease.done();
          options.signal?.removeEventListener("abort", cancel);
          if (err) {
            if (err.code === grpc.status.UNAVAILABLE) this.breaker.onFailure();
            else this.breaker.onSuccess();
            reject(taskErrorFrom(err, this.endpoint));
          } else {
            this.breaker.onSuccess();
            resolve(new Uint8Array(response!.result));
          }
        },
      );
      const cancel = () => call.cancel();
      options.signal?.addEventListener("abort", cancel, { once: true });
    });
  }

  /** One grpc.health.v1 check; "UNREACHABLE" when the call itself fails. */
  async health(timeoutMs = 2_000): Promise<AppHealth> {
    const lease = this.#health.lease();
    try {
      const status = await checkHealth(lease.client, { timeoutMs });
      this.#unavailable = 0;
      return status as AppHealth;
    } catch {
      if (++this.#unavailable >= RECREATE_AFTER_FAILURES) this.#reconnect();
      return "UNREACHABLE";
    } finally {
      lease.done();
    }
  }

  #reconnect(): void {
    this.#unavailable = 0;
    this.#client.reset();
    this.#health.reset();
  }

  /** Closes the channels. */
  close(): void {
    this.#client.close();
    this.#health.close();
  }
}

const CODE_MAP: Partial<Record<grpc.status, TaskErrorCode>> = {
  [grpc.status.DEADLINE_EXCEEDED]: "DeadlineExceeded",
  [grpc.status.INVALID_ARGUMENT]: "InvalidArgument",
  [grpc.status.UNAVAILABLE]: "Unavailable",
  [grpc.status.CANCELLED]: "Unavailable",
  [grpc.status.RESOURCE_EXHAUSTED]: "ResourceExhausted",
};

/** A performer's failure as a TaskError; the task may have run, so it counts as sent. */
function taskErrorFrom(err: grpc.ServiceError, endpoint: string): TaskError {
  const code = CODE_MAP[err.code] ?? "Internal";
  const message = err.code === grpc.status.UNAVAILABLE
    ? `Lost the connection to the performer at ${endpoint} during the task (did it crash?): ${err.details}`
    : err.code === grpc.status.DEADLINE_EXCEEDED
    ? `The performer at ${endpoint} did not answer before the task's deadline`
    : `The performer at ${endpoint} failed the task: ${err.details}`;
  return new TaskError(code, message, { cause: err, reachedPerformer: true });
}
