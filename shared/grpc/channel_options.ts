/**
 * Channel options for every gRPC client we create.
 *
 * `grpc.use_local_subchannel_pool`: grpc-js keeps the connections of closed clients in a shared
 * pool for reuse. A server that later shuts down sends such a lingering connection a GOAWAY, and
 * Deno 2.9's node:http2 can abort the whole process while handling it (denoland/deno#36788). With
 * a pool of its own, a client's connections close when the client does.
 * @module
 */

import type * as grpc from "@grpc/grpc-js";

/** Options that make a client's connections its own. */
export const OWN_CONNECTIONS: grpc.ChannelOptions = { "grpc.use_local_subchannel_pool": 1 };
