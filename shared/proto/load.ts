/**
 * Typed access to the gRPC services in `proto/`: the packages are loaded at run time with
 * proto-loader and typed by the interfaces generated into `gen/` with the same options.
 * @module
 */

import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import type { ProtoGrpcType as ExecutorProto } from "./gen/executor.ts";
import type { ProtoGrpcType as HealthProto } from "./gen/health.ts";
import type { ProtoGrpcType as PerformerProto } from "./gen/performer.ts";
import { PROTO_DIR } from "./generate.ts";

/** Options shared by the runtime loader and the type generator (see `generate.ts`). */
export const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: false,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
  includeDirs: [PROTO_DIR],
};

const cache = new Map<string, unknown>();

function load<T>(file: string): T {
  let loaded = cache.get(file);
  if (loaded === undefined) {
    loaded = grpc.loadPackageDefinition(protoLoader.loadSync(file, LOADER_OPTIONS));
    cache.set(file, loaded);
  }
  return loaded as T;
}

/** The `eigenlayer.hourglass.v1.performer` package (PerformerService). */
export function performerProto(): PerformerProto {
  return load<PerformerProto>("eigenlayer/hourglass/v1/performer/performer.proto");
}

/** The `eigenlayer.hourglass.v1` package (ExecutorService, ExecutorManagementService). */
export function executorProto(): ExecutorProto {
  return load<ExecutorProto>("eigenlayer/hourglass/v1/executor/executor.proto");
}

/** The standard `grpc.health.v1` package. */
export function healthProto(): HealthProto {
  return load<HealthProto>("grpc/health/v1/health.proto");
}
