import type * as grpc from "@grpc/grpc-js";
import type { EnumTypeDefinition, MessageTypeDefinition } from "@grpc/proto-loader";

import type {
  HealthCheckRequest as _eigenlayer_hourglass_v1_performer_HealthCheckRequest,
  HealthCheckRequest__Output as _eigenlayer_hourglass_v1_performer_HealthCheckRequest__Output,
} from "./eigenlayer/hourglass/v1/performer/HealthCheckRequest.ts";
import type {
  HealthCheckResponse as _eigenlayer_hourglass_v1_performer_HealthCheckResponse,
  HealthCheckResponse__Output as _eigenlayer_hourglass_v1_performer_HealthCheckResponse__Output,
} from "./eigenlayer/hourglass/v1/performer/HealthCheckResponse.ts";
import type {
  PerformerServiceClient as _eigenlayer_hourglass_v1_performer_PerformerServiceClient,
  PerformerServiceDefinition as _eigenlayer_hourglass_v1_performer_PerformerServiceDefinition,
} from "./eigenlayer/hourglass/v1/performer/PerformerService.ts";
import type {
  StartSyncRequest as _eigenlayer_hourglass_v1_performer_StartSyncRequest,
  StartSyncRequest__Output as _eigenlayer_hourglass_v1_performer_StartSyncRequest__Output,
} from "./eigenlayer/hourglass/v1/performer/StartSyncRequest.ts";
import type {
  StartSyncResponse as _eigenlayer_hourglass_v1_performer_StartSyncResponse,
  StartSyncResponse__Output as _eigenlayer_hourglass_v1_performer_StartSyncResponse__Output,
} from "./eigenlayer/hourglass/v1/performer/StartSyncResponse.ts";
import type {
  TaskRequest as _eigenlayer_hourglass_v1_performer_TaskRequest,
  TaskRequest__Output as _eigenlayer_hourglass_v1_performer_TaskRequest__Output,
} from "./eigenlayer/hourglass/v1/performer/TaskRequest.ts";
import type {
  TaskResponse as _eigenlayer_hourglass_v1_performer_TaskResponse,
  TaskResponse__Output as _eigenlayer_hourglass_v1_performer_TaskResponse__Output,
} from "./eigenlayer/hourglass/v1/performer/TaskResponse.ts";

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new (...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  eigenlayer: {
    hourglass: {
      v1: {
        performer: {
          HealthCheckRequest: MessageTypeDefinition<
            _eigenlayer_hourglass_v1_performer_HealthCheckRequest,
            _eigenlayer_hourglass_v1_performer_HealthCheckRequest__Output
          >;
          HealthCheckResponse: MessageTypeDefinition<
            _eigenlayer_hourglass_v1_performer_HealthCheckResponse,
            _eigenlayer_hourglass_v1_performer_HealthCheckResponse__Output
          >;
          /**
           * Served by every performer (plaintext gRPC on its grpc port); the executor is the client.
           */
          PerformerService:
            & SubtypeConstructor<
              typeof grpc.Client,
              _eigenlayer_hourglass_v1_performer_PerformerServiceClient
            >
            & { service: _eigenlayer_hourglass_v1_performer_PerformerServiceDefinition };
          PerformerStatus: EnumTypeDefinition;
          StartSyncRequest: MessageTypeDefinition<
            _eigenlayer_hourglass_v1_performer_StartSyncRequest,
            _eigenlayer_hourglass_v1_performer_StartSyncRequest__Output
          >;
          StartSyncResponse: MessageTypeDefinition<
            _eigenlayer_hourglass_v1_performer_StartSyncResponse,
            _eigenlayer_hourglass_v1_performer_StartSyncResponse__Output
          >;
          TaskRequest: MessageTypeDefinition<
            _eigenlayer_hourglass_v1_performer_TaskRequest,
            _eigenlayer_hourglass_v1_performer_TaskRequest__Output
          >;
          TaskResponse: MessageTypeDefinition<
            _eigenlayer_hourglass_v1_performer_TaskResponse,
            _eigenlayer_hourglass_v1_performer_TaskResponse__Output
          >;
        };
      };
    };
  };
}
