/**
 * `deno run -A tests/bench/h2_server.ts h2|grpcjs [--calls N] [--split]`: round trips of a health
 * Check through our h2 gRPC server (shared/grpc/h2/server.ts) or through `startGrpcServer`
 * (grpc-js on node:http2 behind the GOAWAY shield); the client is our h2 GrpcClient. Prints `c=1 p50 … p99 … N/s | c=64 …` (milliseconds). With
 * `--split` the server runs in a child process and the line adds the server's CPU time per call
 * (user + system, microseconds). Run each kind in its own process, alternated.
 * @module
 */

import process from "node:process";
import { HealthServer } from "../../shared/grpc/health_server.ts";
import { startGrpcServer, stopGrpcServer } from "../../shared/grpc/server.ts";
import { H2GrpcServer } from "../../shared/grpc/h2/server.ts";
import { GrpcClient } from "../../shared/grpc/h2/client.ts";
import { checkHealthH2 } from "../../shared/grpc/health_client.ts";

const kind = Deno.args[0] === "serve" ? Deno.args[1] : Deno.args[0] ?? "h2";
const at = Deno.args.indexOf("--calls");
const N = at >= 0 ? Number(Deno.args[at + 1]) : 5000;

async function serve(): Promise<{ address: string; stop: () => Promise<unknown> }> {
  const health = new HealthServer({ "": "SERVING" });
  if (kind === "h2") {
    const server = new H2GrpcServer();
    server.addService({ Check: health.definition.Check }, health.implementation as never);
    const address = `127.0.0.1:${server.listen("127.0.0.1", 0)}`;
    return { address, stop: () => server.close(1_000) };
  }
  const started = await startGrpcServer({
    host: "127.0.0.1",
    port: 0,
    services: [{ definition: health.definition, implementation: health.implementation }],
  });
  return { address: started.address, stop: () => stopGrpcServer(started.server, 1_000) };
}

if (Deno.args[0] === "serve") {
  // Child: serve, print the address, answer "cpu" lines with the CPU time used so far (µs).
  const { address } = await serve();
  console.log(address);
  for await (const line of Deno.stdin.readable.pipeThrough(new TextDecoderStream())) {
    if (line.includes("cpu")) {
      const { user, system } = process.cpuUsage();
      console.log(user + system);
    }
  }
  Deno.exit(0);
}

let address: string;
let stop: () => Promise<unknown>;
let cpu: (() => Promise<number>) | undefined;
if (Deno.args.includes("--split")) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL(import.meta.url).pathname, "serve", kind],
    stdin: "piped",
    stdout: "piped",
  }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  const nextLine = async () => {
    while (!buffered.includes("\n")) {
      const { value, done } = await lines.read();
      if (done) throw new Error("the server exited");
      buffered += value;
    }
    const [line, ...rest] = buffered.split("\n");
    buffered = rest.join("\n");
    return line;
  };
  address = await nextLine();
  const writer = child.stdin.getWriter();
  cpu = async () => {
    await writer.write(new TextEncoder().encode("cpu\n"));
    return Number(await nextLine());
  };
  stop = async () => {
    child.kill();
    await child.status;
  };
} else {
  ({ address, stop } = await serve());
}
const client = new GrpcClient(address);

async function run(c: number): Promise<string> {
  const lat: number[] = [];
  let next = 0;
  const cpu0 = await cpu?.();
  const t0 = performance.now();
  await Promise.all(Array.from({ length: c }, async () => {
    while (next++ < N) {
      const t = performance.now();
      await checkHealthH2(client, { timeoutMs: 2000 });
      lat.push(performance.now() - t);
    }
  }));
  const wall = performance.now() - t0;
  const cpu1 = await cpu?.();
  lat.sort((a, b) => a - b);
  const p = (q: number) => lat[Math.floor(lat.length * q)].toFixed(3);
  const server = cpu ? ` server CPU ${((cpu1! - cpu0!) / N).toFixed(0)} µs/call` : "";
  return `c=${c} p50 ${p(0.5)} p99 ${p(0.99)} ${Math.round(N / wall * 1000)}/s${server}`;
}

await run(1);
await run(16);
console.log(kind.padEnd(6), await run(1), "|", await run(64));
client.close();
await stop();
Deno.exit(0);
