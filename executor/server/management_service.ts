/**
 * `ExecutorManagementService`: deploy (blue-green, in the configured mode), list (live health),
 * remove, and challenge tokens. When management auth is on, every call but GetChallengeToken
 * must carry a signed, single-use token (see `management_auth.ts`); failures answer
 * UNAUTHENTICATED. When it is off, GetChallengeToken and calls that carry auth anyway answer
 * UNIMPLEMENTED — the Go executor's codes, which the reference clients (`hgctl`) expect.
 * @module
 */

import * as grpc from "@grpc/grpc-js";
import type { Logger } from "../../shared/runtime/log.ts";
import type { InstanceInfo, PerformerLifecycle } from "../performer/lifecycle.ts";
import { sameAddress } from "../signing/ecdsa.ts";
import { TaskError } from "../task/errors.ts";
import {
  type ArtifactDeployment,
  decodeDeployArtifact,
  type DeployArtifactRequest,
} from "./deploy_artifact.ts";
import { toServiceError } from "./grpc_status.ts";
import { canonicalRequestBytes, type ManagementAuth } from "./management_auth.ts";

/** What the service needs from the executor. */
export interface ManagementDeps {
  /** The operator this executor serves (GetChallengeToken checks it even with auth off). */
  operatorAddress: string;
  lifecycle: PerformerLifecycle;
  /** null when management auth is off. */
  auth: ManagementAuth | null;
  /** Blue-green deploys an artifact (creating its AVS if needed); resolves with the performer. */
  deployArtifact(deployment: ArtifactDeployment): Promise<InstanceInfo>;
  log?: Logger;
}

type Handler = (request: Record<string, unknown>) => Promise<unknown>;

/** Longest caller-given value an error message or log line carries; callers may send anything. */
const MAX_ECHOED = 200;

function clip(value: unknown): string {
  const text = String(value ?? "");
  return text.length > MAX_ECHOED ? `${text.slice(0, MAX_ECHOED)}…(${text.length} chars)` : text;
}

/** Handlers of ExecutorManagementService, given its service definition (for request bytes). */
export function managementServiceHandlers(
  deps: ManagementDeps,
  definition: grpc.ServiceDefinition,
): grpc.UntypedServiceImplementation {
  const handlers: Record<string, Handler> = {
    DeployArtifact: async (req) => {
      const info = await deps.deployArtifact(
        decodeDeployArtifact(req as unknown as DeployArtifactRequest),
      );
      return {
        success: true,
        message: `Performer ${info.performerId} is in service`,
        deploymentId: info.performerId,
      };
    },
    ListPerformers: async (req) => {
      const list = await deps.lifecycle.list((req.avsAddress as string) || undefined);
      return { performers: list.map(toMessage) };
    },
    RemovePerformer: async (req) => {
      const removed = await deps.lifecycle.remove(req.performerId as string);
      // Clipped: the id is the caller's (before, a 10,000-character id came back whole in the
      // answer and in the executor's log line; tests/executor_grpc_fuzz_test.ts).
      if (!removed) throw new TaskError("NotFound", `No performer ${clip(req.performerId)}`);
      return { success: true, message: `Performer ${clip(req.performerId)} removed` };
    },
  };
  const impl: grpc.UntypedServiceImplementation = {
    GetChallengeToken(
      call: grpc.ServerUnaryCall<{ operatorAddress: string }, unknown>,
      callback: grpc.sendUnaryData<unknown>,
    ) {
      try {
        if (!deps.auth) {
          const requested = call.request.operatorAddress;
          if (!requested) throw new TaskError("InvalidArgument", "operator address is required");
          if (!sameAddress(requested, deps.operatorAddress)) {
            throw new TaskError("PermissionDenied", "operator address mismatch");
          }
          throw new TaskError("Unimplemented", "authentication is not enabled on this executor");
        }
        // The peer's host (not its port): one client cannot dodge the limit with new connections.
        // The executor's h2 server names the client itself (no relay in front of it).
        const peer = call.getPeer().replace(/:\d+$/, "");
        const { token, expiresAt } = deps.auth.issue(call.request.operatorAddress, peer);
        callback(null, { challengeToken: token, expiresAt: String(expiresAt) });
      } catch (err) {
        callback(toServiceError(err));
      }
    },
  };
  for (const [method, handler] of Object.entries(handlers)) {
    impl[method] = (
      call: grpc.ServerUnaryCall<Record<string, unknown>, unknown>,
      callback: grpc.sendUnaryData<unknown>,
    ) => {
      (async () => {
        const auth = call.request.auth as { challengeToken: string; signature: Uint8Array } | null;
        if (deps.auth) {
          const scheme = deps.auth.verify(
            method,
            auth,
            () => canonicalRequestBytes(definition[method].requestSerialize, call.request),
          );
          deps.log?.("debug", "management call authenticated", { method, scheme });
        } else if (auth?.challengeToken) {
          throw new TaskError("Unimplemented", "authentication is not enabled on this executor");
        }
        return await handler(call.request);
      })().then(
        (res) => callback(null, res),
        (err) => {
          deps.log?.("warn", "management call failed", {
            method,
            error: clip((err as Error).message),
          });
          callback(toServiceError(err));
        },
      );
    };
  }
  return impl;
}

function toMessage(p: InstanceInfo) {
  return {
    performerId: p.performerId,
    avsAddress: p.avsAddress,
    status: p.status,
    artifactRegistry: p.instance.image.repository,
    artifactDigest: p.instance.image.digest ?? "",
    artifactTag: p.instance.image.tag,
    resourceHealthy: p.resourceHealthy,
    applicationHealthy: p.applicationHealthy,
    // RFC 3339 without fractions, as Go's time.RFC3339 formats it.
    lastHealthCheck: p.lastHealthCheck?.toISOString().replace(/\.\d+Z$/, "Z") ?? "",
    containerId: p.instance.resourceId,
  };
}
