/**
 * `deno task bench:http2 [--rounds N] [--calls N]`: how often a Deno process aborts when a peer
 * closes its HTTP/2 sessions gracefully after garbage collections (denoland/deno#36788), with
 * sessions as grpc-js makes them ("plain"), servers behind the GOAWAY shield of
 * shared/grpc/goaway_shield.ts (`startGrpcServer`), clients as shared/grpc/bounded_sessions.ts keeps
 * their sessions.
 * The peer is Node.js (tests/fixture/http2_peer.mjs), which is not affected. Prints a table.
 * @module
 */

import { type GoawayRound, goawayRound } from "../fixture/http2_goaway.ts";

function flag(name: string, fallback: number): number {
  const at = Deno.args.indexOf(`--${name}`);
  return at >= 0 ? Number(Deno.args[at + 1]) : fallback;
}

const rounds = flag("rounds", 10);
const calls = flag("calls", 300);
const cases: (GoawayRound & { label: string })[] = [
  { label: "server, 1 in flight", denoSide: "server", bounded: false, calls, concurrency: 1 },
  { label: "server, 1 in flight", denoSide: "server", bounded: true, calls, concurrency: 1 },
  { label: "server, 64 in flight", denoSide: "server", bounded: false, calls, concurrency: 64 },
  { label: "server, 64 in flight", denoSide: "server", bounded: true, calls, concurrency: 64 },
  { label: "client", denoSide: "client", bounded: false, calls },
  { label: "client", denoSide: "client", bounded: true, calls },
];

function variant(c: GoawayRound): string {
  if (c.denoSide === "client") return c.bounded ? "bounded" : "plain";
  return c.bounded ? "shielded (startGrpcServer)" : "plain";
}

console.log(
  `Deno ${Deno.version.deno}, ${rounds} rounds of ${calls} calls, GC, then peer GOAWAY\n`,
);
console.log("| Deno side | sessions | aborted | exits seen |");
console.log("|---|---|---|---|");
for (const c of cases) {
  const exits = new Map<string, number>();
  let aborted = 0;
  for (let i = 0; i < rounds; i++) {
    const outcome = await goawayRound(c);
    const key = outcome.survived ? "0" : `${outcome.code}`;
    exits.set(key, (exits.get(key) ?? 0) + 1);
    if (!outcome.survived) aborted++;
  }
  const seen = [...exits].map(([code, n]) => `${code}×${n}`).join(" ");
  console.log(
    `| ${c.label} | ${variant(c)} | ${aborted}/${rounds} | ${seen} |`,
  );
}
