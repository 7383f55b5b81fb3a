/**
 * Leader election when the API server stalls: every Lease request carries a signal bounded by
 * the renew deadline, so a leader whose renewals hang stops leading within the renew deadline of
 * its last successful renewal, before the Lease could expire for a standby.
 */

import * as k8s from "@kubernetes/client-node";
import assert from "node:assert/strict";
import { stalledApiServer, within } from "../../tests/fixture/stalled_api_server.ts";
import { makeApiClient } from "../kube/client.ts";
import { runLeaderElection } from "./leader_election.ts";

const LEASE_MS = 1_500;
const RENEW_DEADLINE_MS = 1_000;
const RETRY_MS = 200;

type LeaseApi = Pick<
  k8s.CoordinationV1Api,
  "readNamespacedLease" | "createNamespacedLease" | "replaceNamespacedLease"
>;

/**
 * A Lease API that answers from memory until `stall()`, then sends every request to a stalled
 * server (the real client, so a request's signal really cancels it in flight). `started` holds
 * when each request began.
 */
function stallableLeaseApi(stalled: LeaseApi) {
  let lease: k8s.V1Lease | undefined;
  let version = 0;
  let stalling = false;
  const calls: { at: number; stalled: boolean }[] = [];
  const store = (body: k8s.V1Lease) => {
    lease = structuredClone(body);
    lease.metadata = { ...lease.metadata, resourceVersion: String(++version) };
    return Promise.resolve(structuredClone(lease));
  };
  const api: LeaseApi = {
    readNamespacedLease(param, options) {
      calls.push({ at: performance.now(), stalled: stalling });
      if (stalling) return stalled.readNamespacedLease(param, options);
      if (lease) return Promise.resolve(structuredClone(lease));
      const body = { kind: "Status", code: 404, reason: "NotFound" };
      return Promise.reject(new k8s.ApiException(404, "not found", body, {}));
    },
    createNamespacedLease(param, options) {
      calls.push({ at: performance.now(), stalled: stalling });
      return stalling ? stalled.createNamespacedLease(param, options) : store(param.body);
    },
    replaceNamespacedLease(param, options) {
      calls.push({ at: performance.now(), stalled: stalling });
      return stalling ? stalled.replaceNamespacedLease(param, options) : store(param.body);
    },
  };
  return {
    api: api as k8s.CoordinationV1Api,
    calls,
    stall: () => stalling = true,
    /** When the last request that reached the in-memory Lease began. */
    lastAnsweredAt: () => calls.findLast((c) => !c.stalled)?.at ?? NaN,
  };
}

Deno.test("a leader whose renewals stall stops leading within the renew deadline", async () => {
  const server = stalledApiServer();
  const lease = stallableLeaseApi(makeApiClient(server.kubeConfig, k8s.CoordinationV1Api));
  const stop = new AbortController();
  const leading = Promise.withResolvers<AbortSignal>();
  const election = runLeaderElection({
    api: lease.api,
    namespace: "default",
    name: "test-leader",
    identity: "a",
    leaseDurationMs: LEASE_MS,
    renewDeadlineMs: RENEW_DEADLINE_MS,
    retryPeriodMs: RETRY_MS,
    onStartedLeading: leading.resolve,
  }, stop.signal);
  try {
    const signal = await within(leading.promise, "leadership");
    // Let it renew a few times, then stall the server.
    await new Promise((resolve) => setTimeout(resolve, 3 * RETRY_MS));
    lease.stall();
    const firstStalled = within(server.nextRequest(), "a stalled renewal");
    const closed = server.nextClose();
    const stoppedAt = new Promise<number>((resolve) =>
      signal.addEventListener("abort", () => resolve(performance.now()), { once: true })
    );
    assert.match(await firstStalled, /^GET \/apis\/coordination\.k8s\.io\/v1\//);
    const lastRenewal = lease.lastAnsweredAt();
    const reason = await within(election, "leadership to end");
    const after = (await stoppedAt) - lastRenewal;
    console.log(
      `stopped leading ${Math.round(after)} ms after the last renewal began ` +
        `(renew deadline ${RENEW_DEADLINE_MS} ms, lease ${LEASE_MS} ms)`,
    );
    assert.equal(reason, "lost");
    // Not before the deadline, and well before the lease could expire (slack for a busy CI).
    assert.ok(
      after >= RENEW_DEADLINE_MS - 50 && after < LEASE_MS - 200,
      `stopped ${after} ms after the last renewal`,
    );
    await within(closed, "the stalled renewal to be cancelled");
  } finally {
    stop.abort();
    await server.close();
    await election;
  }
});

Deno.test("a candidate whose requests stall keeps trying, and a shutdown is not held up", async () => {
  const server = stalledApiServer();
  const api = makeApiClient(server.kubeConfig, k8s.CoordinationV1Api, { timeoutMs: 0 });
  const stop = new AbortController();
  let led = false;
  const election = runLeaderElection({
    api,
    namespace: "default",
    name: "test-leader",
    identity: "b",
    leaseDurationMs: LEASE_MS,
    renewDeadlineMs: RENEW_DEADLINE_MS,
    retryPeriodMs: RETRY_MS,
    onStartedLeading: () => led = true,
  }, stop.signal);
  try {
    await within(server.nextRequest(), "the first attempt");
    const closed = server.nextClose();
    // Each attempt is bounded by the renew deadline, then the next one is sent.
    await within(closed, "the stalled attempt to be cancelled");
    await within(server.nextRequest(), "the next attempt");
    stop.abort();
    assert.equal(await within(election, "the election to end"), "shutdown");
    assert.equal(led, false);
  } finally {
    stop.abort();
    await server.close();
    await election;
  }
});
