/**
 * deno#36788 against our own HTTP/2 client (shared/grpc/h2/): a Deno process makes 300 gRPC calls
 * on one connection to a Node.js peer (tests/fixture/http2_peer.mjs, not affected by the bug),
 * runs full garbage collections, then the peer closes gracefully (GOAWAY). A grpc-js client
 * (node:http2) aborts in most such rounds (`deno task bench:http2`); ours must survive every one
 * and make its next call on a new connection.
 *
 * The same rounds with grpc-go (tests/go/h2_peer) as the peer, whose GracefulStop sends the GOAWAY.
 *
 * H2_GOAWAY_CHILD=grpc-js runs the same rounds with the grpc-js client of
 * tests/fixture/http2_goaway_child.ts instead, to see the rounds fail.
 * @module
 */

import assert from "node:assert/strict";
import { startGoH2Peer } from "./fixture/go_h2_peer.ts";
import { type LineProcess, spawnLines } from "./fixture/line_process.ts";

const FIXTURE = new URL("./fixture/", import.meta.url).pathname;
const ROUNDS = 10;
const CALLS = 300;
const grpcJs = Deno.env.get("H2_GOAWAY_CHILD") === "grpc-js";

interface Outcome {
  status: Deno.CommandStatus;
  after: string;
  log: string;
}

/** A peer that serves health checks and closes gracefully on `goaway()`. */
interface GoawayPeer {
  port: number;
  goaway(): Promise<void>;
  kill(): Promise<void>;
}

async function nodePeer(): Promise<GoawayPeer> {
  const node = spawnLines("node", [`${FIXTURE}http2_peer.mjs`, "server"]);
  const port = Number((await node.waitFor("port ", 10_000)).split(" ")[1]);
  return {
    port,
    async goaway() {
      Deno.kill(node.child.pid, "SIGUSR2");
      await node.waitFor("goaway sent", 5_000);
    },
    async kill() {
      node.child.kill("SIGKILL");
      await node.child.status;
    },
  };
}

async function goPeer(): Promise<GoawayPeer> {
  const peer = await startGoH2Peer();
  return { port: peer.port, goaway: peer.stop, kill: peer.kill };
}

async function round(peer: GoawayPeer): Promise<Outcome> {
  let deno: LineProcess | undefined;
  try {
    const port = String(peer.port);
    const args = grpcJs
      ? [`${FIXTURE}http2_goaway_child.ts`, "client", "plain", port, String(CALLS)]
      : [`${FIXTURE}h2_goaway_child.ts`, port, String(CALLS)];
    deno = spawnLines(Deno.execPath(), ["run", "-A", "--v8-flags=--expose-gc", ...args]);
    const done = await deno.waitFor("calls done", 60_000);
    if (!grpcJs) assert.equal(done, "calls done 1", "all calls on one connection");
    await deno.send("gc");
    await deno.waitFor("gc done", 10_000);
    await peer.goaway();
    // An abort comes while the client handles the GOAWAY; give it time, then call again.
    await new Promise((r) => setTimeout(r, 500));
    let after = "";
    if (!grpcJs) {
      await deno.send("call");
      after = await deno.waitFor("call ", 10_000).catch((e) => String(e));
    }
    await deno.send("exit");
    const status = await Promise.race([
      deno.child.status,
      new Promise<undefined>((r) => setTimeout(() => r(undefined), 10_000)),
    ]);
    if (!status) deno.child.kill("SIGKILL");
    return { status: status ?? await deno.child.status, after, log: deno.out().slice(-1500) };
  } finally {
    await peer.kill();
  }
}

for (
  const [name, start, afterGoaway] of [
    ["Node.js", nodePeer, "call ok SERVING 2"], // the server keeps listening: a new connection
    ["grpc-go", goPeer, "call failed 14"], // GracefulStop also closes the listener
  ] as const
) {
  Deno.test(`our h2 client survives a ${name} peer's GOAWAY after ${CALLS} calls and GC, ${ROUNDS} rounds`, async () => {
    for (let i = 1; i <= ROUNDS; i++) {
      const { status, after, log } = await round(await start());
      assert.ok(
        status.success,
        `round ${i}: the client died (exit ${status.code}, ${status.signal}):\n${log}`,
      );
      if (!grpcJs) assert.equal(after, afterGoaway, `round ${i}:\n${log}`);
    }
  });
}
