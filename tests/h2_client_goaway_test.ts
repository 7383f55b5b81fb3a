/**
 * deno#36788 against our own HTTP/2 client (shared/grpc/h2/): a Deno process makes 300 gRPC calls
 * on one connection to a Node.js peer (tests/fixture/http2_peer.mjs, not affected by the bug),
 * runs full garbage collections, then the peer closes gracefully (GOAWAY). A grpc-js client
 * (node:http2) aborts in most such rounds (`deno task bench:http2`); ours must survive every one
 * and make its next call on a new connection.
 *
 * H2_GOAWAY_CHILD=grpc-js runs the same rounds with the grpc-js client of
 * tests/fixture/http2_goaway_child.ts instead, to see the rounds fail.
 * @module
 */

import assert from "node:assert/strict";

const FIXTURE = new URL("./fixture/", import.meta.url).pathname;
const ROUNDS = 10;
const CALLS = 300;
const grpcJs = Deno.env.get("H2_GOAWAY_CHILD") === "grpc-js";

interface Proc {
  child: Deno.ChildProcess;
  out: () => string;
  waitFor: (text: string, ms: number) => Promise<string>;
  send: (line: string) => Promise<void>;
}

function spawn(cmd: string, args: string[]): Proc {
  const child = new Deno.Command(cmd, { args, stdin: "piped", stdout: "piped", stderr: "piped" })
    .spawn();
  let output = "";
  const pump = async (s: ReadableStream<Uint8Array>) => {
    for await (const c of s.pipeThrough(new TextDecoderStream())) output += c;
  };
  pump(child.stdout);
  pump(child.stderr);
  const writer = child.stdin.getWriter();
  return {
    child,
    out: () => output,
    async waitFor(text, ms) {
      const deadline = Date.now() + ms;
      while (Date.now() < deadline) {
        const at = output.indexOf(text);
        if (at >= 0) return output.slice(at, output.indexOf("\n", at));
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error(`no "${text}" within ${ms} ms from ${cmd}; output:\n${output.slice(-2000)}`);
    },
    send: (line) => writer.write(new TextEncoder().encode(line + "\n")).catch(() => {}),
  };
}

async function round(): Promise<{ status: Deno.CommandStatus; after: string; log: string }> {
  const node = spawn("node", [`${FIXTURE}http2_peer.mjs`, "server"]);
  let deno: Proc | undefined;
  try {
    const port = (await node.waitFor("port ", 10_000)).split(" ")[1];
    const args = grpcJs
      ? [`${FIXTURE}http2_goaway_child.ts`, "client", "plain", port, String(CALLS)]
      : [`${FIXTURE}h2_goaway_child.ts`, port, String(CALLS)];
    deno = spawn(Deno.execPath(), ["run", "-A", "--v8-flags=--expose-gc", ...args]);
    const done = await deno.waitFor("calls done", 60_000);
    if (!grpcJs) assert.equal(done, "calls done 1", "all calls on one connection");
    await deno.send("gc");
    await deno.waitFor("gc done", 10_000);
    Deno.kill(node.child.pid, "SIGUSR2");
    await node.waitFor("goaway sent", 5_000);
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
    node.child.kill("SIGKILL");
    await node.child.status;
  }
}

Deno.test(`our h2 client survives a peer's GOAWAY after ${CALLS} calls and GC, ${ROUNDS} rounds`, async () => {
  for (let i = 1; i <= ROUNDS; i++) {
    const { status, after, log } = await round();
    assert.ok(
      status.success,
      `round ${i}: the client died (exit ${status.code}, ${status.signal}):\n${log}`,
    );
    // The call after the GOAWAY went out on a second connection.
    if (!grpcJs) assert.equal(after, "call ok SERVING 2", `round ${i}:\n${log}`);
  }
});
