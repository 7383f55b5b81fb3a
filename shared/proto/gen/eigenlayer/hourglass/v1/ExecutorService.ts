// Original file: proto/eigenlayer/hourglass/v1/executor/executor.proto

import type * as grpc from "@grpc/grpc-js";
import type { MethodDefinition } from "@grpc/proto-loader";
import type {
  TaskResult as _eigenlayer_hourglass_v1_TaskResult,
  TaskResult__Output as _eigenlayer_hourglass_v1_TaskResult__Output,
} from "../../../eigenlayer/hourglass/v1/TaskResult.ts";
import type {
  TaskSubmission as _eigenlayer_hourglass_v1_TaskSubmission,
  TaskSubmission__Output as _eigenlayer_hourglass_v1_TaskSubmission__Output,
} from "../../../eigenlayer/hourglass/v1/TaskSubmission.ts";

/**
 * Called by aggregators.
 */
export interface ExecutorServiceClient extends grpc.Client {
  SubmitTask(
    argument: _eigenlayer_hourglass_v1_TaskSubmission,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_eigenlayer_hourglass_v1_TaskResult__Output>,
  ): grpc.ClientUnaryCall;
  SubmitTask(
    argument: _eigenlayer_hourglass_v1_TaskSubmission,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_eigenlayer_hourglass_v1_TaskResult__Output>,
  ): grpc.ClientUnaryCall;
  SubmitTask(
    argument: _eigenlayer_hourglass_v1_TaskSubmission,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_eigenlayer_hourglass_v1_TaskResult__Output>,
  ): grpc.ClientUnaryCall;
  SubmitTask(
    argument: _eigenlayer_hourglass_v1_TaskSubmission,
    callback: grpc.requestCallback<_eigenlayer_hourglass_v1_TaskResult__Output>,
  ): grpc.ClientUnaryCall;
  submitTask(
    argument: _eigenlayer_hourglass_v1_TaskSubmission,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_eigenlayer_hourglass_v1_TaskResult__Output>,
  ): grpc.ClientUnaryCall;
  submitTask(
    argument: _eigenlayer_hourglass_v1_TaskSubmission,
    metadata: grpc.Metadata,
    callback: grpc.requestCallback<_eigenlayer_hourglass_v1_TaskResult__Output>,
  ): grpc.ClientUnaryCall;
  submitTask(
    argument: _eigenlayer_hourglass_v1_TaskSubmission,
    options: grpc.CallOptions,
    callback: grpc.requestCallback<_eigenlayer_hourglass_v1_TaskResult__Output>,
  ): grpc.ClientUnaryCall;
  submitTask(
    argument: _eigenlayer_hourglass_v1_TaskSubmission,
    callback: grpc.requestCallback<_eigenlayer_hourglass_v1_TaskResult__Output>,
  ): grpc.ClientUnaryCall;
}

/**
 * Called by aggregators.
 */
export interface ExecutorServiceHandlers extends grpc.UntypedServiceImplementation {
  SubmitTask: grpc.handleUnaryCall<
    _eigenlayer_hourglass_v1_TaskSubmission__Output,
    _eigenlayer_hourglass_v1_TaskResult
  >;
}

export interface ExecutorServiceDefinition extends grpc.ServiceDefinition {
  SubmitTask: MethodDefinition<
    _eigenlayer_hourglass_v1_TaskSubmission,
    _eigenlayer_hourglass_v1_TaskResult,
    _eigenlayer_hourglass_v1_TaskSubmission__Output,
    _eigenlayer_hourglass_v1_TaskResult__Output
  >;
}
