import type * as grpc from "@grpc/grpc-js";
import type { MessageTypeDefinition } from "@grpc/proto-loader";

import type {
  ConfigMapKeyRef as _eigenlayer_hourglass_v1_ConfigMapKeyRef,
  ConfigMapKeyRef__Output as _eigenlayer_hourglass_v1_ConfigMapKeyRef__Output,
} from "./eigenlayer/hourglass/v1/ConfigMapKeyRef.ts";
import type {
  DeployArtifactRequest as _eigenlayer_hourglass_v1_DeployArtifactRequest,
  DeployArtifactRequest__Output as _eigenlayer_hourglass_v1_DeployArtifactRequest__Output,
} from "./eigenlayer/hourglass/v1/DeployArtifactRequest.ts";
import type {
  DeployArtifactResponse as _eigenlayer_hourglass_v1_DeployArtifactResponse,
  DeployArtifactResponse__Output as _eigenlayer_hourglass_v1_DeployArtifactResponse__Output,
} from "./eigenlayer/hourglass/v1/DeployArtifactResponse.ts";
import type {
  EnvValueFrom as _eigenlayer_hourglass_v1_EnvValueFrom,
  EnvValueFrom__Output as _eigenlayer_hourglass_v1_EnvValueFrom__Output,
} from "./eigenlayer/hourglass/v1/EnvValueFrom.ts";
import type {
  ExecutorManagementServiceClient as _eigenlayer_hourglass_v1_ExecutorManagementServiceClient,
  ExecutorManagementServiceDefinition
    as _eigenlayer_hourglass_v1_ExecutorManagementServiceDefinition,
} from "./eigenlayer/hourglass/v1/ExecutorManagementService.ts";
import type {
  ExecutorServiceClient as _eigenlayer_hourglass_v1_ExecutorServiceClient,
  ExecutorServiceDefinition as _eigenlayer_hourglass_v1_ExecutorServiceDefinition,
} from "./eigenlayer/hourglass/v1/ExecutorService.ts";
import type {
  GetChallengeTokenRequest as _eigenlayer_hourglass_v1_GetChallengeTokenRequest,
  GetChallengeTokenRequest__Output as _eigenlayer_hourglass_v1_GetChallengeTokenRequest__Output,
} from "./eigenlayer/hourglass/v1/GetChallengeTokenRequest.ts";
import type {
  GetChallengeTokenResponse as _eigenlayer_hourglass_v1_GetChallengeTokenResponse,
  GetChallengeTokenResponse__Output as _eigenlayer_hourglass_v1_GetChallengeTokenResponse__Output,
} from "./eigenlayer/hourglass/v1/GetChallengeTokenResponse.ts";
import type {
  KubernetesConfig as _eigenlayer_hourglass_v1_KubernetesConfig,
  KubernetesConfig__Output as _eigenlayer_hourglass_v1_KubernetesConfig__Output,
} from "./eigenlayer/hourglass/v1/KubernetesConfig.ts";
import type {
  KubernetesEnv as _eigenlayer_hourglass_v1_KubernetesEnv,
  KubernetesEnv__Output as _eigenlayer_hourglass_v1_KubernetesEnv__Output,
} from "./eigenlayer/hourglass/v1/KubernetesEnv.ts";
import type {
  ListPerformersRequest as _eigenlayer_hourglass_v1_ListPerformersRequest,
  ListPerformersRequest__Output as _eigenlayer_hourglass_v1_ListPerformersRequest__Output,
} from "./eigenlayer/hourglass/v1/ListPerformersRequest.ts";
import type {
  ListPerformersResponse as _eigenlayer_hourglass_v1_ListPerformersResponse,
  ListPerformersResponse__Output as _eigenlayer_hourglass_v1_ListPerformersResponse__Output,
} from "./eigenlayer/hourglass/v1/ListPerformersResponse.ts";
import type {
  Performer as _eigenlayer_hourglass_v1_Performer,
  Performer__Output as _eigenlayer_hourglass_v1_Performer__Output,
} from "./eigenlayer/hourglass/v1/Performer.ts";
import type {
  PerformerEnv as _eigenlayer_hourglass_v1_PerformerEnv,
  PerformerEnv__Output as _eigenlayer_hourglass_v1_PerformerEnv__Output,
} from "./eigenlayer/hourglass/v1/PerformerEnv.ts";
import type {
  RemovePerformerRequest as _eigenlayer_hourglass_v1_RemovePerformerRequest,
  RemovePerformerRequest__Output as _eigenlayer_hourglass_v1_RemovePerformerRequest__Output,
} from "./eigenlayer/hourglass/v1/RemovePerformerRequest.ts";
import type {
  RemovePerformerResponse as _eigenlayer_hourglass_v1_RemovePerformerResponse,
  RemovePerformerResponse__Output as _eigenlayer_hourglass_v1_RemovePerformerResponse__Output,
} from "./eigenlayer/hourglass/v1/RemovePerformerResponse.ts";
import type {
  SecretKeyRef as _eigenlayer_hourglass_v1_SecretKeyRef,
  SecretKeyRef__Output as _eigenlayer_hourglass_v1_SecretKeyRef__Output,
} from "./eigenlayer/hourglass/v1/SecretKeyRef.ts";
import type {
  TaskResult as _eigenlayer_hourglass_v1_TaskResult,
  TaskResult__Output as _eigenlayer_hourglass_v1_TaskResult__Output,
} from "./eigenlayer/hourglass/v1/TaskResult.ts";
import type {
  TaskSubmission as _eigenlayer_hourglass_v1_TaskSubmission,
  TaskSubmission__Output as _eigenlayer_hourglass_v1_TaskSubmission__Output,
} from "./eigenlayer/hourglass/v1/TaskSubmission.ts";
import type {
  AuthSignature as _eigenlayer_hourglass_v1_common_AuthSignature,
  AuthSignature__Output as _eigenlayer_hourglass_v1_common_AuthSignature__Output,
} from "./eigenlayer/hourglass/v1/common/AuthSignature.ts";

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new (...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  eigenlayer: {
    hourglass: {
      v1: {
        ConfigMapKeyRef: MessageTypeDefinition<
          _eigenlayer_hourglass_v1_ConfigMapKeyRef,
          _eigenlayer_hourglass_v1_ConfigMapKeyRef__Output
        >;
        DeployArtifactRequest: MessageTypeDefinition<
          _eigenlayer_hourglass_v1_DeployArtifactRequest,
          _eigenlayer_hourglass_v1_DeployArtifactRequest__Output
        >;
        DeployArtifactResponse: MessageTypeDefinition<
          _eigenlayer_hourglass_v1_DeployArtifactResponse,
          _eigenlayer_hourglass_v1_DeployArtifactResponse__Output
        >;
        EnvValueFrom: MessageTypeDefinition<
          _eigenlayer_hourglass_v1_EnvValueFrom,
          _eigenlayer_hourglass_v1_EnvValueFrom__Output
        >;
        /**
         * Called by the operator's tooling to manage performers.
         */
        ExecutorManagementService:
          & SubtypeConstructor<
            typeof grpc.Client,
            _eigenlayer_hourglass_v1_ExecutorManagementServiceClient
          >
          & { service: _eigenlayer_hourglass_v1_ExecutorManagementServiceDefinition };
        /**
         * Called by aggregators.
         */
        ExecutorService:
          & SubtypeConstructor<typeof grpc.Client, _eigenlayer_hourglass_v1_ExecutorServiceClient>
          & { service: _eigenlayer_hourglass_v1_ExecutorServiceDefinition };
        GetChallengeTokenRequest: MessageTypeDefinition<
          _eigenlayer_hourglass_v1_GetChallengeTokenRequest,
          _eigenlayer_hourglass_v1_GetChallengeTokenRequest__Output
        >;
        GetChallengeTokenResponse: MessageTypeDefinition<
          _eigenlayer_hourglass_v1_GetChallengeTokenResponse,
          _eigenlayer_hourglass_v1_GetChallengeTokenResponse__Output
        >;
        KubernetesConfig: MessageTypeDefinition<
          _eigenlayer_hourglass_v1_KubernetesConfig,
          _eigenlayer_hourglass_v1_KubernetesConfig__Output
        >;
        KubernetesEnv: MessageTypeDefinition<
          _eigenlayer_hourglass_v1_KubernetesEnv,
          _eigenlayer_hourglass_v1_KubernetesEnv__Output
        >;
        ListPerformersRequest: MessageTypeDefinition<
          _eigenlayer_hourglass_v1_ListPerformersRequest,
          _eigenlayer_hourglass_v1_ListPerformersRequest__Output
        >;
        ListPerformersResponse: MessageTypeDefinition<
          _eigenlayer_hourglass_v1_ListPerformersResponse,
          _eigenlayer_hourglass_v1_ListPerformersResponse__Output
        >;
        Performer: MessageTypeDefinition<
          _eigenlayer_hourglass_v1_Performer,
          _eigenlayer_hourglass_v1_Performer__Output
        >;
        PerformerEnv: MessageTypeDefinition<
          _eigenlayer_hourglass_v1_PerformerEnv,
          _eigenlayer_hourglass_v1_PerformerEnv__Output
        >;
        RemovePerformerRequest: MessageTypeDefinition<
          _eigenlayer_hourglass_v1_RemovePerformerRequest,
          _eigenlayer_hourglass_v1_RemovePerformerRequest__Output
        >;
        RemovePerformerResponse: MessageTypeDefinition<
          _eigenlayer_hourglass_v1_RemovePerformerResponse,
          _eigenlayer_hourglass_v1_RemovePerformerResponse__Output
        >;
        SecretKeyRef: MessageTypeDefinition<
          _eigenlayer_hourglass_v1_SecretKeyRef,
          _eigenlayer_hourglass_v1_SecretKeyRef__Output
        >;
        TaskResult: MessageTypeDefinition<
          _eigenlayer_hourglass_v1_TaskResult,
          _eigenlayer_hourglass_v1_TaskResult__Output
        >;
        TaskSubmission: MessageTypeDefinition<
          _eigenlayer_hourglass_v1_TaskSubmission,
          _eigenlayer_hourglass_v1_TaskSubmission__Output
        >;
        common: {
          AuthSignature: MessageTypeDefinition<
            _eigenlayer_hourglass_v1_common_AuthSignature,
            _eigenlayer_hourglass_v1_common_AuthSignature__Output
          >;
        };
      };
    };
  };
}
