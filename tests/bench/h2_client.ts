/**
 * `deno run -A tests/bench/h2_client.ts [--calls 2000]`: unary call latency of our HTTP/2 client
 * (shared/grpc/h2/) against grpc-js's, both to the same local grpc-js performer service
 * (tests/fixture/grpc_test_performer.ts), sequential calls on a warm connection, then 64 at once.
 * Prints figures, asserts nothing.
 * @module
 */

import * as grpc from "@grpc/grpc-js";
import { GrpcClient } from "../../shared/grpc/h2/client.ts";
import { PERFORMER, startTestServer } from "../fixture/grpc_test_performer.ts";

const calls = Number(Deno.args[Deno.args.indexOf("--calls") + 1] || 2000);
const enc = new TextEncoder();
const request = { taskId: enc.encode("echo"), payload: enc.encode(JSON.stringify({ text: "x" })) };

function summary(name: string, samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
  const f = (n: number) => n.toFixed(3).padStart(7);
  return `${name.padEnd(34)} p50 ${f(at(0.5))} ms   p99 ${f(at(0.99))} ms`;
}

async function timed(n: number, call: () => Promise<unknown>): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const start = performance.now();
    await call();
    samples.push(performance.now() - start);
  }
  return samples;
}

async function burst(call: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  for (let round = 0; round < 20; round++) await Promise.all(Array.from({ length: 64 }, call));
  return (20 * 64) / ((performance.now() - start) / 1000);
}

const server = await startTestServer();
const h2 = new GrpcClient(server.address);
const Client = PERFORMER();
const js = new Client(server.address, grpc.credentials.createInsecure());
const method = Client.service.ExecuteTask;
const viaH2 = () => h2.call(method, request, { deadline: Date.now() + 5_000 });
const viaJs = () =>
  new Promise((resolve, reject) =>
    js.ExecuteTask(request, { deadline: Date.now() + 5_000 }, (e, r) => e ? reject(e) : resolve(r))
  );
try {
  await timed(200, viaH2);
  await timed(200, viaJs);
  const h2Samples = await timed(calls, viaH2);
  const jsSamples = await timed(calls, viaJs);
  console.log(`unary ExecuteTask to a local grpc-js server, ${calls} sequential calls each:`);
  console.log(summary("grpc-js client (node:http2)", jsSamples));
  console.log(summary("shared/grpc/h2 client", h2Samples));
  console.log(
    `64 in flight: grpc-js ${(await burst(viaJs)).toFixed(0)} calls/s, ` +
      `h2 ${(await burst(viaH2)).toFixed(0)} calls/s`,
  );
} finally {
  h2.close();
  js.close();
  server.server.forceShutdown();
}
