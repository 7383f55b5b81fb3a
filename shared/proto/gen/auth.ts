import type * as grpc from "@grpc/grpc-js";
import type { MessageTypeDefinition } from "@grpc/proto-loader";

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
