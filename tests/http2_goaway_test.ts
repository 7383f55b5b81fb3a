/**
 * deno#36788: a Deno process aborts when one of its HTTP/2 sessions that carried many streams
 * receives a GOAWAY after a full garbage collection (shared/grpc/bounded_sessions.ts). Our
 * servers are behind the GOAWAY shield (shared/grpc/goaway_shield.ts); here a Node.js peer (not
 * affected) makes the Deno side carry 300 calls on one session, the Deno side collects garbage, and
 * the peer closes gracefully. A plain grpc-js server aborts in most of the same rounds
 * (`deno task bench:http2` prints the rates).
 * Clients cannot be made safe this way (a grpc-js client that receives a GOAWAY can abort after
 * two calls), so ours close their sessions first; shared/grpc/bounded_sessions_test.ts checks
 * that they do.
 * @module
 */

import assert from "node:assert/strict";
import { goawayRound } from "./fixture/http2_goaway.ts";

const CALLS = 300;
const ROUNDS = 3;

for (const concurrency of [1, 64]) {
  Deno.test(
    `a gRPC server survives clients closing after ${CALLS} calls at concurrency ${concurrency}`,
    async () => {
      for (let i = 0; i < ROUNDS; i++) {
        const outcome = await goawayRound({
          denoSide: "server",
          bounded: true,
          calls: CALLS,
          concurrency,
        });
        assert.ok(
          outcome.survived,
          `round ${
            i + 1
          }: the server died (exit ${outcome.code}, ${outcome.signal}):\n${outcome.log}`,
        );
        // All calls on one session: the pattern that aborts an unshielded server.
        assert.equal(
          outcome.peerSessions,
          1,
          `round ${i + 1}: the client used ${outcome.peerSessions} sessions for ${CALLS} calls`,
        );
      }
    },
  );
}
