/**
 * `deno run -A tests/bench/h2_server.ts h2|grpcjs [--calls N]`: round trips of a health Check
 * through our h2 gRPC server (shared/grpc/h2/server.ts) or through `startGrpcServer` (grpc-js on
 * node:http2 behind the GOAWAY shield), client: our h2 GrpcClient, as /tmp/exp/shieldb.ts
 * measured. Prints `c=1 p50 … p99 … N/s | c=64 …` (milliseconds). Run each kind in its own process,
 * alternated.
 * @module
 */

import { HealthServer } from "../../shared/grpc/health_server.ts";
import { startGrpcServer, stopGrpcServer } from "../../shared/grpc/server.ts";
import { H2GrpcServer } from "../../shared/grpc/h2/server.ts";
import { GrpcClient } from "../../shared/grpc/h2/client.ts";
import { checkHealthH2 } from "../../shared/grpc/health_client.ts";

const kind = Deno.args[0] ?? "h2";
const at = Deno.args.indexOf("--calls");
const N = at >= 0 ? Number(Deno.args[at + 1]) : 5000;
const health = new HealthServer({ "": "SERVING" });
let address: string;
let stop: () => Promise<unknown>;
if (kind === "h2") {
  const server = new H2GrpcServer();
  server.addService({ Check: health.definition.Check }, health.implementation as never);
  address = `127.0.0.1:${server.listen("127.0.0.1", 0)}`;
  stop = () => server.close(1_000);
} else {
  const started = await startGrpcServer({
    host: "127.0.0.1",
    port: 0,
    services: [{ definition: health.definition, implementation: health.implementation }],
  });
  address = started.address;
  stop = () => stopGrpcServer(started.server, 1_000);
}
const client = new GrpcClient(address);

async function run(c: number): Promise<string> {
  const lat: number[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: c }, async () => {
    while (next++ < N) {
      const t = performance.now();
      await checkHealthH2(client, { timeoutMs: 2000 });
      lat.push(performance.now() - t);
    }
  }));
  const wall = performance.now() - t0;
  lat.sort((a, b) => a - b);
  const p = (q: number) => lat[Math.floor(lat.length * q)].toFixed(3);
  return `c=${c} p50 ${p(0.5)} p99 ${p(0.99)} ${Math.round(N / wall * 1000)}/s`;
}

await run(1);
await run(16);
console.log(kind.padEnd(6), await run(1), "|", await run(64));
client.close();
await stop();
Deno.exit(0);
