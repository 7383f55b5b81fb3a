/**
 * The client side of `grpc.health.v1`: one Check with a deadline, and a wait until SERVING.
 * Health means `status == SERVING`, not merely "the call returned" (protocols.md).
 * @module
 */

import * as grpc from "@grpc/grpc-js";
import type { HealthClient } from "../proto/gen/grpc/health/v1/Health.ts";
import { healthProto } from "../proto/load.ts";
import type { WatchedStatus } from "./health_server.ts";
import { OWN_CONNECTIONS } from "./channel_options.ts";
import type { GrpcClient } from "./h2/client.ts";

/** A plaintext health client for `address` ("host:port"); close it when done. */
export function healthClient(address: string, channelOptions?: grpc.ChannelOptions): HealthClient {
  const Health = healthProto().grpc.health.v1.Health;
  return new Health(address, grpc.credentials.createInsecure(), {
    ...OWN_CONNECTIONS,
    ...channelOptions,
  });
}

/** Options of `checkHealth`. */
export interface CheckHealthOptions {
  /** The service to ask about; "" (the whole server) by default. */
  service?: string;
  /** Deadline of the call; 2 s by default (a call without one can hang forever). */
  timeoutMs?: number;
}

/** One `Check` call: resolves with the reported status, rejects with the call's error. */
export function checkHealth(
  client: HealthClient,
  options: CheckHealthOptions = {},
): Promise<WatchedStatus> {
  const deadline = Date.now() + (options.timeoutMs ?? 2_000);
  return new Promise((resolve, reject) =>
    client.Check({ service: options.service ?? "" }, { deadline }, (err, res) => {
      if (err) reject(err);
      else resolve(res!.status as WatchedStatus);
    })
  );
}

/**
 * One `Check` over our own HTTP/2 client (shared/grpc/h2/, no node:http2 — deno#36788): resolves
 * with the reported status, rejects with the call's GrpcError.
 */
export async function checkHealthH2(
  client: GrpcClient,
  options: CheckHealthOptions = {},
): Promise<WatchedStatus> {
  const check = healthProto().grpc.health.v1.Health.service.Check;
  const response = await client.call(check, { service: options.service ?? "" }, {
    deadline: Date.now() + (options.timeoutMs ?? 2_000),
  });
  return response.status as WatchedStatus;
}

/** Options of `waitForServing`. */
export interface WaitForServingOptions extends CheckHealthOptions {
  /** Give up after this long; 30 s by default. */
  waitMs?: number;
  /** Pause between checks; 50 ms by default. */
  intervalMs?: number;
  /** Stops waiting early. */
  signal?: AbortSignal;
}

/** Checks `address` until it reports SERVING; resolves with the milliseconds it took. */
export async function waitForServing(
  address: string,
  options: WaitForServingOptions = {},
): Promise<number> {
  const started = Date.now();
  const waitMs = options.waitMs ?? 30_000;
  const intervalMs = options.intervalMs ?? 50;
  // After a refused connection grpc-js waits 1 s, growing to 120 s, before it tries again; a
  // server that is starting up should be seen within a few intervals instead.
  const client = healthClient(address, {
    "grpc.initial_reconnect_backoff_ms": intervalMs,
    "grpc.max_reconnect_backoff_ms": Math.max(intervalMs * 4, 200),
  });
  let last = "no answer yet";
  try {
    while (true) {
      options.signal?.throwIfAborted();
      try {
        const status = await checkHealth(client, options);
        if (status === "SERVING") return Date.now() - started;
        last = `status ${status}`;
      } catch (err) {
        last = err instanceof Error ? err.message : String(err);
      }
      if (Date.now() - started > waitMs) {
        throw new Error(`${address} did not report SERVING within ${waitMs} ms (last: ${last})`);
      }
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  } finally {
    client.close();
  }
}
