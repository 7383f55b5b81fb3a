/**
 * The operational HTTP endpoints of our binaries: `/healthz` and `/readyz` (probes) and
 * `/metrics` (Prometheus), each on the address its flag gives (they may share one).
 * @module
 */

import type { BindAddress } from "./bind_address.ts";

/** A named check; throws (its message is the 503's body: the reason) or returns false. */
export type Check = () => boolean | Promise<boolean>;

/** What to serve where. */
export interface EndpointOptions {
  healthAddress?: BindAddress;
  metricsAddress?: BindAddress;
  /** Liveness: the process is working (default: always). */
  healthz?: Check;
  /** Readiness: the process can do its job (e.g. caches synced). */
  readyz?: Check;
  /** Renders the metrics exposition, with its content type. */
  renderMetrics?: () => Promise<{ body: string; contentType: string }>;
}

/** Running endpoint servers. */
export interface Endpoints {
  /** The ports actually bound (useful with port 0). */
  healthPort?: number;
  metricsPort?: number;
  shutdown(): Promise<void>;
}

/** Starts the endpoint servers. */
export function serveEndpoints(options: EndpointOptions): Endpoints {
  const servers: Deno.HttpServer[] = [];
  const result: Endpoints = {
    async shutdown() {
      await Promise.all(servers.map((s) => s.shutdown()));
    },
  };
  const handler = (kinds: Set<string>) => async (req: Request): Promise<Response> => {
    const path = new URL(req.url).pathname;
    if (kinds.has("health") && (path === "/healthz" || path === "/readyz")) {
      const check = path === "/healthz" ? options.healthz : options.readyz;
      let reason = "";
      const ok = await Promise.resolve(check ? check() : true).catch((err) => {
        reason = `: ${(err as Error).message}`;
        return false;
      });
      return new Response(ok ? "ok\n" : `not ok${reason}\n`, { status: ok ? 200 : 503 });
    }
    if (kinds.has("metrics") && path === "/metrics" && options.renderMetrics) {
      const { body, contentType } = await options.renderMetrics();
      return new Response(body, { headers: { "content-type": contentType } });
    }
    return new Response("not found\n", { status: 404 });
  };
  const { healthAddress: health, metricsAddress: metrics } = options;
  const same = health !== undefined && metrics !== undefined && health.port !== 0 &&
    health.port === metrics.port && health.hostname === metrics.hostname;
  const listen = (addr: BindAddress, kinds: string[]) => {
    const server = Deno.serve({ ...addr, onListen: () => {} }, handler(new Set(kinds)));
    servers.push(server);
    return (server.addr as Deno.NetAddr).port;
  };
  if (same) {
    result.healthPort = result.metricsPort = listen(health, ["health", "metrics"]);
  } else {
    if (health) result.healthPort = listen(health, ["health"]);
    if (metrics) result.metricsPort = listen(metrics, ["metrics"]);
  }
  return result;
}
