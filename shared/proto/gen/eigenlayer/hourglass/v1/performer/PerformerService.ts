// Original file: proto/eigenlayer/hourglass/v1/performer/performer.proto

import type * as grpc from "@grpc/grpc-js";
import type { MethodDefinition } from "@grpc/proto-loader";
import type {
  HealthCheckRequest as _eigenlayer_hourglass_v1_performer_HealthCheckRequest,
  HealthCheckRequest__Output as _eigenlayer_hourglass_v1_performer_HealthCheckRequest__Output,
} from "../../../../eigenlayer/hourglass/v1/performer/HealthCheckRequest.ts";
import type {
  HealthCheckResponse as _eigenlayer_hourglass_v1_performer_HealthCheckResponse,
  HealthCheckResponse__Output as _eigenlayer_hourglass_v1_performer_HealthCheckResponse__Output,
} from "../../../../eigenlayer/hourglass/v1/performer/HealthCheckResponse.ts";
import type {
  StartSyncRequest as _eigenlayer_hourglass_v1_performer_StartSyncRequest,
  StartSyncRequest__Output as _eigenlayer_hourglass_v1_performer_StartSyncRequest__Output,
} from "../../../../eigenlayer/hourglass/v1/performer/StartSyncRequest.ts";
import type {
  StartSyncResponse as _eigenlayer_hourglass_v1_performer_StartSyncResponse,
  StartSyncResponse__Output as _eigenlayer_hourglass_v1_performer_StartSyncResponse__Output,
} from "../../../../eigenlayer/hourglass/v1/performer/StartSyncResponse.ts";
import type {
  TaskRequest as _eigenlayer_hourglass_v1_performer_TaskRequest,
  TaskRequest__Output as _eigenlayer_hourglass_v1_performer_TaskRequest__Output,
} from "../../../../eigenlayer/hourglass/v1/performer/TaskRequest.ts";
import type {
  TaskResponse as _eigenlayer_hourglass_v1_performer_TaskResponse,
  TaskResponse__Output as _eigenlayer_hourglass_v1_performer_TaskResponse__Output,
} from "../../../../eigenlayer/hourglass/v1/performer/TaskResponse.ts";

/**
 * Served by every performer (plaintext gRPC on its grpc port); the executor is the client.
 */
export interface PerformerServiceClient extends grpc.Client {
  ExecuteTask(
    argument: _eigenlayer_hourglass_v1_performer_TaskRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_eigenlayer_hourglass_v1_performer_TaskResponse__Output>,
  ): grpc.ClientUnaryCall;
  ExecuteTask(
    argument: _eigenlayer_hourglass_v1_performer_TaskRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_eigenlayer_hourglass_v1_performer_TaskResponse__Output>,
  ): grpc.ClientUnaryCall;
  ExecuteTask(
    argument: _eigenlayer_hourglass_v1_performer_TaskRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_eigenlayer_hourglass_v1_performer_TaskResponse__Output>,
  ): grpc.ClientUnaryCall;
  ExecuteTask(
    argument: _eigenlayer_hourglass_v1_performer_TaskRequest,
    callback: grpc.requestCallback<_eigenlayer_hourglass_v1_performer_TaskResponse__Output>,
  ): grpc.ClientUnaryCall;
  executeTask(
    argument: _eigenlayer_hourglass_v1_performer_TaskRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_eigenlayer_hourglass_v1_performer_TaskResponse__Output>,
  ): grpc.ClientUnaryCall;
  executeTask(
    argument: _eigenlayer_hourglass_v1_performer_TaskRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_eigenlayer_hourglass_v1_performer_TaskResponse__Output>,
  ): grpc.ClientUnaryCall;
  executeTask(
    argument: _eigenlayer_hourglass_v1_performer_TaskRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_eigenlayer_hourglass_v1_performer_TaskResponse__Output>,
  ): grpc.ClientUnaryCall;
  executeTask(
    argument: _eigenlayer_hourglass_v1_performer_TaskRequest,
    callback: grpc.requestCallback<_eigenlayer_hourglass_v1_performer_TaskResponse__Output>,
  ): grpc.ClientUnaryCall;

  /**
   * Legacy: newer performers may implement only grpc.health.v1.Health.
   */
  HealthCheck(
    argument: _eigenlayer_hourglass_v1_performer_HealthCheckRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_eigenlayer_hourglass_v1_performer_HealthCheckResponse__Output>,
  ): grpc.ClientUnaryCall;
  HealthCheck(
    argument: _eigenlayer_hourglass_v1_performer_HealthCheckRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_eigenlayer_hourglass_v1_performer_HealthCheckResponse__Output>,
  ): grpc.ClientUnaryCall;
  HealthCheck(
    argument: _eigenlayer_hourglass_v1_performer_HealthCheckRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_eigenlayer_hourglass_v1_performer_HealthCheckResponse__Output>,
  ): grpc.ClientUnaryCall;
  HealthCheck(
    argument: _eigenlayer_hourglass_v1_performer_HealthCheckRequest,
    callback: grpc.requestCallback<_eigenlayer_hourglass_v1_performer_HealthCheckResponse__Output>,
  ): grpc.ClientUnaryCall;
  /**
   * Legacy: newer performers may implement only grpc.health.v1.Health.
   */
  healthCheck(
    argument: _eigenlayer_hourglass_v1_performer_HealthCheckRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_eigenlayer_hourglass_v1_performer_HealthCheckResponse__Output>,
  ): grpc.ClientUnaryCall;
  healthCheck(
    argument: _eigenlayer_hourglass_v1_performer_HealthCheckRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_eigenlayer_hourglass_v1_performer_HealthCheckResponse__Output>,
  ): grpc.ClientUnaryCall;
  healthCheck(
    argument: _eigenlayer_hourglass_v1_performer_HealthCheckRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_eigenlayer_hourglass_v1_performer_HealthCheckResponse__Output>,
  ): grpc.ClientUnaryCall;
  healthCheck(
    argument: _eigenlayer_hourglass_v1_performer_HealthCheckRequest,
    callback: grpc.requestCallback<_eigenlayer_hourglass_v1_performer_HealthCheckResponse__Output>,
  ): grpc.ClientUnaryCall;

  StartSync(
    argument: _eigenlayer_hourglass_v1_performer_StartSyncRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_eigenlayer_hourglass_v1_performer_StartSyncResponse__Output>,
  ): grpc.ClientUnaryCall;
  StartSync(
    argument: _eigenlayer_hourglass_v1_performer_StartSyncRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_eigenlayer_hourglass_v1_performer_StartSyncResponse__Output>,
  ): grpc.ClientUnaryCall;
  StartSync(
    argument: _eigenlayer_hourglass_v1_performer_StartSyncRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_eigenlayer_hourglass_v1_performer_StartSyncResponse__Output>,
  ): grpc.ClientUnaryCall;
  StartSync(
    argument: _eigenlayer_hourglass_v1_performer_StartSyncRequest,
    callback: grpc.requestCallback<_eigenlayer_hourglass_v1_performer_StartSyncResponse__Output>,
  ): grpc.ClientUnaryCall;
  startSync(
    argument: _eigenlayer_hourglass_v1_performer_StartSyncRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_eigenlayer_hourglass_v1_performer_StartSyncResponse__Output>,
  ): grpc.ClientUnaryCall;
  startSync(
    argument: _eigenlayer_hourglass_v1_performer_StartSyncRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_eigenlayer_hourglass_v1_performer_StartSyncResponse__Output>,
  ): grpc.ClientUnaryCall;
  startSync(
    argument: _eigenlayer_hourglass_v1_performer_StartSyncRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_eigenlayer_hourglass_v1_performer_StartSyncResponse__Output>,
  ): grpc.ClientUnaryCall;
  startSync(
    argument: _eigenlayer_hourglass_v1_performer_StartSyncRequest,
    callback: grpc.requestCallback<_eigenlayer_hourglass_v1_performer_StartSyncResponse__Output>,
  ): grpc.ClientUnaryCall;
}

/**
 * Served by every performer (plaintext gRPC on its grpc port); the executor is the client.
 */
export interface PerformerServiceHandlers extends grpc.UntypedServiceImplementation {
  ExecuteTask: grpc.handleUnaryCall<
    _eigenlayer_hourglass_v1_performer_TaskRequest__Output,
    _eigenlayer_hourglass_v1_performer_TaskResponse
  >;

  /**
   * Legacy: newer performers may implement only grpc.health.v1.Health.
   */
  HealthCheck: grpc.handleUnaryCall<
    _eigenlayer_hourglass_v1_performer_HealthCheckRequest__Output,
    _eigenlayer_hourglass_v1_performer_HealthCheckResponse
  >;

  StartSync: grpc.handleUnaryCall<
    _eigenlayer_hourglass_v1_performer_StartSyncRequest__Output,
    _eigenlayer_hourglass_v1_performer_StartSyncResponse
  >;
}

export interface PerformerServiceDefinition extends grpc.ServiceDefinition {
  ExecuteTask: MethodDefinition<
    _eigenlayer_hourglass_v1_performer_TaskRequest,
    _eigenlayer_hourglass_v1_performer_TaskResponse,
    _eigenlayer_hourglass_v1_performer_TaskRequest__Output,
    _eigenlayer_hourglass_v1_performer_TaskResponse__Output
  >;
  HealthCheck: MethodDefinition<
    _eigenlayer_hourglass_v1_performer_HealthCheckRequest,
    _eigenlayer_hourglass_v1_performer_HealthCheckResponse,
    _eigenlayer_hourglass_v1_performer_HealthCheckRequest__Output,
    _eigenlayer_hourglass_v1_performer_HealthCheckResponse__Output
  >;
  StartSync: MethodDefinition<
    _eigenlayer_hourglass_v1_performer_StartSyncRequest,
    _eigenlayer_hourglass_v1_performer_StartSyncResponse,
    _eigenlayer_hourglass_v1_performer_StartSyncRequest__Output,
    _eigenlayer_hourglass_v1_performer_StartSyncResponse__Output
  >;
}
