/**
 * Keep-alive connections for API requests (the operator's, the node simulator's).
 *
 * `@kubernetes/client-node` 1.x builds a new `https.Agent` for every request
 * (`KubeConfig.applySecurityAuthentication`), so each create, patch or delete opened its own TLS
 * connection: a handshake on both sides per write. Profiled with `deno task bench` (N = 100,
 * `--cpu-prof`), TLS set-up (`initClientTls`, X.509 parsing) was the operator's largest CPU cost
 * after the HTTP parsing itself, and the API server paid a handshake per request too; measured
 * against the local API server, a sequential read took 5.7–10.5 ms that way and 1.5 ms on a
 * kept-alive connection, a create 6.5 ms and 2.3–2.5 ms.
 *
 * `keepAliveKubeConfig(kc)` is `kc` with every request on one shared keep-alive agent built from
 * the same TLS options (CA, client certificate), so connections are reused. Headers (bearer
 * tokens, which may rotate) still come from `kc` on every request. Pass the result to
 * `makeApiClient` (`client.ts`). A cluster reached through a
 * proxy keeps client-node's own agents. Watches do not go through it: the informers need an
 * agent of their own per watch, to cancel it.
 * @module
 */

import https from "node:https";
import type * as k8s from "@kubernetes/client-node";

/** Options of `keepAliveKubeConfig`. */
export interface KeepAliveOptions {
  /** Most connections open at once (default 64); requests beyond wait for a free one. */
  maxSockets?: number;
}

/** `kc`, with every API request (not watch) on one shared keep-alive agent. */
export function keepAliveKubeConfig(
  kc: k8s.KubeConfig,
  options: KeepAliveOptions = {},
): k8s.KubeConfig {
  let shared: https.Agent | undefined;
  const apply = kc.applySecurityAuthentication.bind(kc);
  return Object.create(kc, {
    applySecurityAuthentication: {
      value: async (context: k8s.RequestContext) => {
        await apply(context);
        const own = context.getAgent();
        // Only a plain HTTPS agent is replaced (a proxy agent is a subclass, and keeps its own).
        if (!own || own.constructor !== https.Agent) return;
        shared ??= new https.Agent({
          ...(own as https.Agent & { options: https.AgentOptions }).options,
          keepAlive: true,
          maxSockets: options.maxSockets ?? 64,
        });
        context.setAgent(shared);
      },
    },
  }) as k8s.KubeConfig;
}
