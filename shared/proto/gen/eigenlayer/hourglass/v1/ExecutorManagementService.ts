// Original file: proto/eigenlayer/hourglass/v1/executor/executor.proto

import type * as grpc from "@grpc/grpc-js";
import type { MethodDefinition } from "@grpc/proto-loader";
import type {
  DeployArtifactRequest as _eigenlayer_hourglass_v1_DeployArtifactRequest,
  DeployArtifactRequest__Output as _eigenlayer_hourglass_v1_DeployArtifactRequest__Output,
} from "../../../eigenlayer/hourglass/v1/DeployArtifactRequest.ts";
import type {
  DeployArtifactResponse as _eigenlayer_hourglass_v1_DeployArtifactResponse,
  DeployArtifactResponse__Output as _eigenlayer_hourglass_v1_DeployArtifactResponse__Output,
} from "../../../eigenlayer/hourglass/v1/DeployArtifactResponse.ts";
import type {
  GetChallengeTokenRequest as _eigenlayer_hourglass_v1_GetChallengeTokenRequest,
  GetChallengeTokenRequest__Output as _eigenlayer_hourglass_v1_GetChallengeTokenRequest__Output,
} from "../../../eigenlayer/hourglass/v1/GetChallengeTokenRequest.ts";
import type {
  GetChallengeTokenResponse as _eigenlayer_hourglass_v1_GetChallengeTokenResponse,
  GetChallengeTokenResponse__Output as _eigenlayer_hourglass_v1_GetChallengeTokenResponse__Output,
} from "../../../eigenlayer/hourglass/v1/GetChallengeTokenResponse.ts";
import type {
  ListPerformersRequest as _eigenlayer_hourglass_v1_ListPerformersRequest,
  ListPerformersRequest__Output as _eigenlayer_hourglass_v1_ListPerformersRequest__Output,
} from "../../../eigenlayer/hourglass/v1/ListPerformersRequest.ts";
import type {
  ListPerformersResponse as _eigenlayer_hourglass_v1_ListPerformersResponse,
  ListPerformersResponse__Output as _eigenlayer_hourglass_v1_ListPerformersResponse__Output,
} from "../../../eigenlayer/hourglass/v1/ListPerformersResponse.ts";
import type {
  RemovePerformerRequest as _eigenlayer_hourglass_v1_RemovePerformerRequest,
  RemovePerformerRequest__Output as _eigenlayer_hourglass_v1_RemovePerformerRequest__Output,
} from "../../../eigenlayer/hourglass/v1/RemovePerformerRequest.ts";
import type {
  RemovePerformerResponse as _eigenlayer_hourglass_v1_RemovePerformerResponse,
  RemovePerformerResponse__Output as _eigenlayer_hourglass_v1_RemovePerformerResponse__Output,
} from "../../../eigenlayer/hourglass/v1/RemovePerformerResponse.ts";

/**
 * Called by the operator's tooling to manage performers.
 */
export interface ExecutorManagementServiceClient extends grpc.Client {
  DeployArtifact(
    argument: _eigenlayer_hourglass_v1_DeployArtifactRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_eigenlayer_hourglass_v1_DeployArtifactResponse__Output>,
  ): grpc.ClientUnaryCall;
  DeployArtifact(
    argument: _eigenlayer_hourglass_v1_DeployArtifactRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_eigenlayer_hourglass_v1_DeployArtifactResponse__Output>,
  ): grpc.ClientUnaryCall;
  DeployArtifact(
    argument: _eigenlayer_hourglass_v1_DeployArtifactRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_eigenlayer_hourglass_v1_DeployArtifactResponse__Output>,
  ): grpc.ClientUnaryCall;
  DeployArtifact(
    argument: _eigenlayer_hourglass_v1_DeployArtifactRequest,
    callback: grpc.requestCallback<_eigenlayer_hourglass_v1_DeployArtifactResponse__Output>,
  ): grpc.ClientUnaryCall;
  deployArtifact(
    argument: _eigenlayer_hourglass_v1_DeployArtifactRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_eigenlayer_hourglass_v1_DeployArtifactResponse__Output>,
  ): grpc.ClientUnaryCall;
  deployArtifact(
    argument: _eigenlayer_hourglass_v1_DeployArtifactRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_eigenlayer_hourglass_v1_DeployArtifactResponse__Output>,
  ): grpc.ClientUnaryCall;
  deployArtifact(
    argument: _eigenlayer_hourglass_v1_DeployArtifactRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_eigenlayer_hourglass_v1_DeployArtifactResponse__Output>,
  ): grpc.ClientUnaryCall;
  deployArtifact(
    argument: _eigenlayer_hourglass_v1_DeployArtifactRequest,
    callback: grpc.requestCallback<_eigenlayer_hourglass_v1_DeployArtifactResponse__Output>,
  ): grpc.ClientUnaryCall;

  GetChallengeToken(
    argument: _eigenlayer_hourglass_v1_GetChallengeTokenRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_eigenlayer_hourglass_v1_GetChallengeTokenResponse__Output>,
  ): grpc.ClientUnaryCall;
  GetChallengeToken(
    argument: _eigenlayer_hourglass_v1_GetChallengeTokenRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_eigenlayer_hourglass_v1_GetChallengeTokenResponse__Output>,
  ): grpc.ClientUnaryCall;
  GetChallengeToken(
    argument: _eigenlayer_hourglass_v1_GetChallengeTokenRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_eigenlayer_hourglass_v1_GetChallengeTokenResponse__Output>,
  ): grpc.ClientUnaryCall;
  GetChallengeToken(
    argument: _eigenlayer_hourglass_v1_GetChallengeTokenRequest,
    callback: grpc.requestCallback<_eigenlayer_hourglass_v1_GetChallengeTokenResponse__Output>,
  ): grpc.ClientUnaryCall;
  getChallengeToken(
    argument: _eigenlayer_hourglass_v1_GetChallengeTokenRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_eigenlayer_hourglass_v1_GetChallengeTokenResponse__Output>,
  ): grpc.ClientUnaryCall;
  getChallengeToken(
    argument: _eigenlayer_hourglass_v1_GetChallengeTokenRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_eigenlayer_hourglass_v1_GetChallengeTokenResponse__Output>,
  ): grpc.ClientUnaryCall;
  getChallengeToken(
    argument: _eigenlayer_hourglass_v1_GetChallengeTokenRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_eigenlayer_hourglass_v1_GetChallengeTokenResponse__Output>,
  ): grpc.ClientUnaryCall;
  getChallengeToken(
    argument: _eigenlayer_hourglass_v1_GetChallengeTokenRequest,
    callback: grpc.requestCallback<_eigenlayer_hourglass_v1_GetChallengeTokenResponse__Output>,
  ): grpc.ClientUnaryCall;

  ListPerformers(
    argument: _eigenlayer_hourglass_v1_ListPerformersRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_eigenlayer_hourglass_v1_ListPerformersResponse__Output>,
  ): grpc.ClientUnaryCall;
  ListPerformers(
    argument: _eigenlayer_hourglass_v1_ListPerformersRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_eigenlayer_hourglass_v1_ListPerformersResponse__Output>,
  ): grpc.ClientUnaryCall;
  ListPerformers(
    argument: _eigenlayer_hourglass_v1_ListPerformersRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_eigenlayer_hourglass_v1_ListPerformersResponse__Output>,
  ): grpc.ClientUnaryCall;
  ListPerformers(
    argument: _eigenlayer_hourglass_v1_ListPerformersRequest,
    callback: grpc.requestCallback<_eigenlayer_hourglass_v1_ListPerformersResponse__Output>,
  ): grpc.ClientUnaryCall;
  listPerformers(
    argument: _eigenlayer_hourglass_v1_ListPerformersRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_eigenlayer_hourglass_v1_ListPerformersResponse__Output>,
  ): grpc.ClientUnaryCall;
  listPerformers(
    argument: _eigenlayer_hourglass_v1_ListPerformersRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_eigenlayer_hourglass_v1_ListPerformersResponse__Output>,
  ): grpc.ClientUnaryCall;
  listPerformers(
    argument: _eigenlayer_hourglass_v1_ListPerformersRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_eigenlayer_hourglass_v1_ListPerformersResponse__Output>,
  ): grpc.ClientUnaryCall;
  listPerformers(
    argument: _eigenlayer_hourglass_v1_ListPerformersRequest,
    callback: grpc.requestCallback<_eigenlayer_hourglass_v1_ListPerformersResponse__Output>,
  ): grpc.ClientUnaryCall;

  RemovePerformer(
    argument: _eigenlayer_hourglass_v1_RemovePerformerRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_eigenlayer_hourglass_v1_RemovePerformerResponse__Output>,
  ): grpc.ClientUnaryCall;
  RemovePerformer(
    argument: _eigenlayer_hourglass_v1_RemovePerformerRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_eigenlayer_hourglass_v1_RemovePerformerResponse__Output>,
  ): grpc.ClientUnaryCall;
  RemovePerformer(
    argument: _eigenlayer_hourglass_v1_RemovePerformerRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_eigenlayer_hourglass_v1_RemovePerformerResponse__Output>,
  ): grpc.ClientUnaryCall;
  RemovePerformer(
    argument: _eigenlayer_hourglass_v1_RemovePerformerRequest,
    callback: grpc.requestCallback<_eigenlayer_hourglass_v1_RemovePerformerResponse__Output>,
  ): grpc.ClientUnaryCall;
  removePerformer(
    argument: _eigenlayer_hourglass_v1_RemovePerformerRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_eigenlayer_hourglass_v1_RemovePerformerResponse__Output>,
  ): grpc.ClientUnaryCall;
  removePerformer(
    argument: _eigenlayer_hourglass_v1_RemovePerformerRequest,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_eigenlayer_hourglass_v1_RemovePerformerResponse__Output>,
  ): grpc.ClientUnaryCall;
  removePerformer(
    argument: _eigenlayer_hourglass_v1_RemovePerformerRequest,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_eigenlayer_hourglass_v1_RemovePerformerResponse__Output>,
  ): grpc.ClientUnaryCall;
  removePerformer(
    argument: _eigenlayer_hourglass_v1_RemovePerformerRequest,
    callback: grpc.requestCallback<_eigenlayer_hourglass_v1_RemovePerformerResponse__Output>,
  ): grpc.ClientUnaryCall;
}

/**
 * Called by the operator's tooling to manage performers.
 */
export interface ExecutorManagementServiceHandlers extends grpc.UntypedServiceImplementation {
  DeployArtifact: grpc.handleUnaryCall<
    _eigenlayer_hourglass_v1_DeployArtifactRequest__Output,
    _eigenlayer_hourglass_v1_DeployArtifactResponse
  >;

  GetChallengeToken: grpc.handleUnaryCall<
    _eigenlayer_hourglass_v1_GetChallengeTokenRequest__Output,
    _eigenlayer_hourglass_v1_GetChallengeTokenResponse
  >;

  ListPerformers: grpc.handleUnaryCall<
    _eigenlayer_hourglass_v1_ListPerformersRequest__Output,
    _eigenlayer_hourglass_v1_ListPerformersResponse
  >;

  RemovePerformer: grpc.handleUnaryCall<
    _eigenlayer_hourglass_v1_RemovePerformerRequest__Output,
    _eigenlayer_hourglass_v1_RemovePerformerResponse
  >;
}

export interface ExecutorManagementServiceDefinition extends grpc.ServiceDefinition {
  DeployArtifact: MethodDefinition<
    _eigenlayer_hourglass_v1_DeployArtifactRequest,
    _eigenlayer_hourglass_v1_DeployArtifactResponse,
    _eigenlayer_hourglass_v1_DeployArtifactRequest__Output,
    _eigenlayer_hourglass_v1_DeployArtifactResponse__Output
  >;
  GetChallengeToken: MethodDefinition<
    _eigenlayer_hourglass_v1_GetChallengeTokenRequest,
    _eigenlayer_hourglass_v1_GetChallengeTokenResponse,
    _eigenlayer_hourglass_v1_GetChallengeTokenRequest__Output,
    _eigenlayer_hourglass_v1_GetChallengeTokenResponse__Output
  >;
  ListPerformers: MethodDefinition<
    _eigenlayer_hourglass_v1_ListPerformersRequest,
    _eigenlayer_hourglass_v1_ListPerformersResponse,
    _eigenlayer_hourglass_v1_ListPerformersRequest__Output,
    _eigenlayer_hourglass_v1_ListPerformersResponse__Output
  >;
  RemovePerformer: MethodDefinition<
    _eigenlayer_hourglass_v1_RemovePerformerRequest,
    _eigenlayer_hourglass_v1_RemovePerformerResponse,
    _eigenlayer_hourglass_v1_RemovePerformerRequest__Output,
    _eigenlayer_hourglass_v1_RemovePerformerResponse__Output
  >;
}
