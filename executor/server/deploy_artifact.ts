/**
 * Decodes a DeployArtifactRequest (as grpc-js hands it over) into what to deploy, refusing a
 * malformed one with INVALID_ARGUMENT naming the field. The image is `registry_url` with a
 * digest, or — without one — with a tag in it (`repo:tag`).
 * @module
 */

import type { PerformerImage } from "../../shared/config/executor_config.ts";
import type { EnvEntry } from "../performer/env.ts";
import { TaskError } from "../task/errors.ts";

type KeyRef = { name: string; key: string };

/** A DeployArtifactRequest as grpc-js decodes it. */
export interface DeployArtifactRequest {
  avsAddress: string;
  digest: string;
  registryUrl: string;
  env: {
    name: string;
    value: string;
    valueFromEnv: string;
    kubernetesEnv?: {
      valueFrom?: { secretKeyRef?: KeyRef | null; configMapKeyRef?: KeyRef | null } | null;
    } | null;
  }[];
  kubernetes?: { serviceAccountName: string } | null;
  auth?: { challengeToken: string; signature: Uint8Array } | null;
}

/** What a DeployArtifact asks for. */
export interface ArtifactDeployment {
  avsAddress: string;
  image: PerformerImage;
  /** Added after the AVS's configured env (a later entry of the same name wins). */
  env: EnvEntry[];
  /** Overrides the AVS's service account (kubernetes mode). */
  serviceAccountName?: string;
}

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;
const REPO_TAG = /^(.*[^/]):([\w][\w.-]{0,127})$/;

/** The deployment a request asks for; TaskError InvalidArgument naming the bad field. */
export function decodeDeployArtifact(req: DeployArtifactRequest): ArtifactDeployment {
  if (!ADDRESS.test(req.avsAddress ?? "")) {
    throw new TaskError("InvalidArgument", "avs_address must be a 0x address");
  }
  return {
    avsAddress: req.avsAddress,
    image: artifactImage(req),
    env: req.env ?? [],
    serviceAccountName: req.kubernetes?.serviceAccountName || undefined,
  };
}

function artifactImage(req: DeployArtifactRequest): PerformerImage {
  if (!req.registryUrl) throw new TaskError("InvalidArgument", "registry_url is required");
  if (req.digest) {
    if (!DIGEST.test(req.digest)) {
      throw new TaskError("InvalidArgument", "digest must be sha256:<64 hex>");
    }
    return { repository: req.registryUrl, tag: "", digest: req.digest };
  }
  const match = REPO_TAG.exec(req.registryUrl);
  if (!match) {
    throw new TaskError(
      "InvalidArgument",
      "registry_url needs a tag (repo:tag) when no digest is given",
    );
  }
  return { repository: match[1], tag: match[2] };
}
