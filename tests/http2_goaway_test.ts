/**
 * deno#36788: a Deno process aborts when one of its HTTP/2 sessions that carried many streams
 * receives a GOAWAY after a full garbage collection (shared/grpc/bounded_sessions.ts). Our
 * servers and clients bound their sessions; here a Node.js peer (not affected) makes the Deno side
 * carry 300 calls, the Deno side collects garbage, and the peer closes gracefully. Unbounded, the
 * same rounds abort the Deno process in most runs (`deno task bench:http2` prints the rates).
 * Clients cannot be made safe this way (a grpc-js client that receives a GOAWAY can abort after
 * two calls), so ours close their sessions first; shared/grpc/bounded_sessions_test.ts checks
 * that they do.
 * @module
 */

import assert from "node:assert/strict";
import { goawayRound } from "./fixture/http2_goaway.ts";
import { STREAMS_PER_SESSION } from "../shared/grpc/bounded_sessions.ts";

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
        // The server closed each session after STREAMS_PER_SESSION streams (plus those a busy
        // client sent before it saw the GOAWAY), so the client had to reconnect.
        assert.ok(
          outcome.peerSessions! >= Math.floor(CALLS / (STREAMS_PER_SESSION + concurrency)),
          `round ${i + 1}: the client used ${outcome.peerSessions} sessions for ${CALLS} calls`,
        );
      }
    },
  );
}
