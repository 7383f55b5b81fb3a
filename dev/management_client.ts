/**
 * What the operator's tooling does with an executor's management API: ask for a challenge
 * token, sign the request with the operator's ECDSA key, and call. For tests and the local demo.
 * @module
 */

import * as grpc from "@grpc/grpc-js";
import type { EcdsaKey } from "../executor/signing/ecdsa.ts";
import { canonicalRequestBytes, managementAuthDigest } from "../executor/server/management_auth.ts";
import { executorProto } from "../shared/proto/load.ts";
import { OWN_CONNECTIONS } from "../shared/grpc/channel_options.ts";

type Request = Record<string, unknown>;

/** A management client; with `operatorKey` every call is signed (one token per call). */
export function managementClient(address: string, operatorKey?: EcdsaKey) {
  const Service = executorProto().eigenlayer.hourglass.v1.ExecutorManagementService;
  const client = new Service(
    address,
    grpc.credentials.createInsecure(),
    OWN_CONNECTIONS,
  ) as unknown as
    & grpc.Client
    & Record<
      string,
      (
        req: Request,
        opts: grpc.CallOptions,
        cb: (e: grpc.ServiceError | null, r: unknown) => void,
      ) => void
    >;
  const call = <T>(method: string, request: Request, timeoutMs = 120_000): Promise<T> =>
    new Promise((resolve, reject) =>
      client[method](
        request,
        { deadline: Date.now() + timeoutMs },
        (err, res) => err ? reject(err) : resolve(res as T),
      )
    );
  /** The auth field for `method` and `request`, signed by the operator key. */
  const sign = async (method: string, request: Request, key: EcdsaKey) => {
    const { challengeToken } = await call<{ challengeToken: string }>("GetChallengeToken", {
      operatorAddress: key.address,
    });
    const bytes = canonicalRequestBytes(Service.service[method].requestSerialize, request);
    return {
      challengeToken,
      signature: key.sign(managementAuthDigest(challengeToken, method, bytes)),
    };
  };
  const signed = async <T>(method: string, request: Request): Promise<T> => {
    const auth = operatorKey ? await sign(method, request, operatorKey) : undefined;
    return await call<T>(method, { ...request, auth });
  };
  return {
    deployArtifact: (request: Request) =>
      signed<{ success: boolean; message: string; deploymentId: string }>(
        "DeployArtifact",
        request,
      ),
    listPerformers: (avsAddress = "") =>
      signed<{ performers: Record<string, unknown>[] }>("ListPerformers", { avsAddress }),
    removePerformer: (performerId: string) =>
      signed<{ success: boolean; message: string }>("RemovePerformer", { performerId }),
    /** Calls `method` with an explicit auth field (for tests of the auth rules). */
    raw: <T>(method: string, request: Request) => call<T>(method, request),
    sign,
    close: () => client.close(),
  };
}
