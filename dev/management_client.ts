/**
 * What the operator's tooling does with an executor's management API: ask for a challenge
 * token, sign it with the operator's key, and call. For tests and the local demo. Two ways to
 * sign (see executor/server/management_auth.ts): `bound` (this project's: ECDSA over the token,
 * method and request) and `reference` (what the Go client and `hgctl` send: the operator's ECDSA
 * or BN254 key over keccak256(keccak256(token)), the token only).
 * @module
 */

import * as grpc from "@grpc/grpc-js";
import { Bn254Key } from "../executor/signing/bn254.ts";
import type { EcdsaKey } from "../executor/signing/ecdsa.ts";
import {
  canonicalRequestBytes,
  managementAuthDigest,
  referenceAuthDigest,
} from "../executor/server/management_auth.ts";
import { executorProto } from "../shared/proto/load.ts";
import { OWN_CONNECTIONS } from "../shared/grpc/channel_options.ts";
import { BoundedClient } from "../shared/grpc/bounded_sessions.ts";

type Request = Record<string, unknown>;

/** How a management client signs: bound to the request, or the reference's token-only form. */
export type ManagementSigning =
  | { scheme: "bound"; key: EcdsaKey }
  | { scheme: "reference"; key: EcdsaKey | Bn254Key; operatorAddress: string };

/**
 * A management client; with `operatorKey` (bound) or `signing` every call is signed, one token
 * per call.
 */
export function managementClient(address: string, signing?: EcdsaKey | ManagementSigning) {
  const how: ManagementSigning | undefined = signing === undefined || "scheme" in signing
    ? signing
    : { scheme: "bound", key: signing };
  const Service = executorProto().eigenlayer.hourglass.v1.ExecutorManagementService;
  type ManagementStub =
    & grpc.Client
    & Record<
      string,
      (
        req: Request,
        opts: grpc.CallOptions,
        cb: (e: grpc.ServiceError | null, r: unknown) => void,
      ) => void
    >;
  // A fresh connection every few calls, closed by us: shared/grpc/bounded_sessions.ts.
  const client = new BoundedClient(() =>
    new Service(
      address,
      grpc.credentials.createInsecure(),
      OWN_CONNECTIONS,
    ) as unknown as ManagementStub
  );
  const call = <T>(method: string, request: Request, timeoutMs = 120_000): Promise<T> => {
    const lease = client.lease();
    return new Promise((resolve, reject) =>
      lease.client[method](
        request,
        { deadline: Date.now() + timeoutMs },
        (err, res) => {
          lease.done();
          if (err) reject(err);
          else resolve(res as T);
        },
      )
    );
  };
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
  /** The auth field as the Go `AuthenticatedExecutorClient` makes it (token only). */
  const signReference = async (key: EcdsaKey | Bn254Key, operatorAddress: string) => {
    const { challengeToken } = await call<{ challengeToken: string }>("GetChallengeToken", {
      operatorAddress,
    });
    const digest = referenceAuthDigest(challengeToken);
    return {
      challengeToken,
      signature: key instanceof Bn254Key ? key.signStandard(digest) : key.sign(digest),
    };
  };
  const signed = async <T>(method: string, request: Request): Promise<T> => {
    const auth = how === undefined
      ? undefined
      : how.scheme === "bound"
      ? await sign(method, request, how.key)
      : await signReference(how.key, how.operatorAddress);
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
    signReference,
    close: () => client.close(),
  };
}
