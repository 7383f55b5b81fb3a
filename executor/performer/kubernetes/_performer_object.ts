/**
 * The Performer resource an instance spec becomes: name, labels, annotations and spec. Pure, so
 * every rule (env split, digest, pull policy, pass-through of scheduling and hardware) is
 * unit-tested without a cluster.
 * @module
 */

import { EXECUTOR_MANAGED_BY, LABEL } from "../../../shared/api/labels.ts";
import type { PerformerImage } from "../../../shared/config/executor_config.ts";
import {
  KIND,
  PerformerMetadata,
  PerformerSpec,
  type PerformerSpecInput,
} from "../../../shared/api/performer.ts";
import { formatIssues } from "../../../shared/validation/format_issues.ts";
import { imageReference } from "../image.ts";
import type { InstanceEnv, InstanceSpec } from "../runtime.ts";
import { KubernetesRuntimeError } from "./errors.ts";

/** `app.kubernetes.io/managed-by` on every Performer the executor creates. */

/** Annotations that let a restarted executor read back how to reach an instance. */
export const ANNOTATIONS = {
  /** The image as configured, JSON `{repository, tag, digest?}` (the spec keeps only one). */
  image: "hourglass.eigenlayer.io/image",
  /** `service` or `podIP`. */
  connectVia: "hourglass.eigenlayer.io/connect-via",
  /** The endpoint override, when one is configured. */
  endpointOverride: "hourglass.eigenlayer.io/endpoint-override",
} as const;

/** Variables the operator sets itself (first in the pod); entries with these names are dropped. */
export const RESERVED_ENV = ["AVS_ADDRESS", "GRPC_PORT"] as const;

/**
 * Set by `restart`: changing it changes the pod, so the operator rolls a fresh pod without
 * downtime. (The executor Role may not delete pods; patching its own Performer is enough.)
 */
export const RESTART_ENV = "HOURGLASS_RESTARTED_AT";

/** Where the Performer goes and who owns it. */
export interface PerformerTarget {
  namespace: string;
  executorId: string;
  group: string;
  version: string;
}

/** A Performer to create, before the API server fills in metadata and status. */
export interface PerformerBody {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace: string;
    labels: Record<string, string>;
    annotations: Record<string, string>;
  };
  spec: PerformerSpecInput;
}

type EnvFrom = NonNullable<NonNullable<PerformerSpecInput["config"]>["environmentFrom"]>[number];

/** Plain values, Secret/ConfigMap references, and the reserved names that were dropped. */
export interface SplitEnv {
  environment: Record<string, string>;
  environmentFrom: EnvFrom[];
  replaced: string[];
}

/** Splits resolved env entries into `config.environment` and `config.environmentFrom`. */
export function splitEnv(env: InstanceEnv[]): SplitEnv {
  const out: SplitEnv = { environment: {}, environmentFrom: [], replaced: [] };
  for (const entry of env) {
    if ((RESERVED_ENV as readonly string[]).includes(entry.name)) {
      out.replaced.push(entry.name);
    } else if ("value" in entry) {
      out.environment[entry.name] = entry.value;
    } else {
      const { secretKeyRef, configMapKeyRef } = entry.valueFrom;
      const valueFrom = secretKeyRef
        ? { secretKeyRef: { name: secretKeyRef.name, key: secretKeyRef.key } }
        : { configMapKeyRef: { name: configMapKeyRef!.name, key: configMapKeyRef!.key } };
      out.environmentFrom.push({ name: entry.name, valueFrom });
    }
  }
  return out;
}

/** The Version column: the tag, else the start of the digest (deploys by digest have no tag). */
export function performerVersion(image: PerformerImage): string | undefined {
  if (image.tag) return image.tag;
  return image.digest ? image.digest.slice(0, "sha256:".length + 12) : undefined;
}

/** Builds the Performer for `spec`; throws InvalidSpec when the API server would reject it. */
export function buildPerformer(
  spec: InstanceSpec,
  target: PerformerTarget,
): { performer: PerformerBody; replaced: string[] } {
  const k = spec.kubernetes;
  const { environment, environmentFrom, replaced } = splitEnv(spec.env);
  const config: PerformerSpecInput["config"] = {
    ...(Object.keys(environment).length > 0 ? { environment } : {}),
    ...(environmentFrom.length > 0 ? { environmentFrom } : {}),
    ...(k?.serviceAccountName ? { serviceAccountName: k.serviceAccountName } : {}),
  };
  const version = performerVersion(spec.image);
  const performerSpec: PerformerSpecInput = {
    avsAddress: spec.avsAddress,
    // A digest pins the image: `repo@sha256:…` (the tag is kept in the annotation only).
    image: imageReference(spec.image),
    imagePullPolicy: k?.imagePullPolicy ?? "IfNotPresent",
    ...(version ? { version } : {}),
    config,
    ...(k?.resources ? { resources: k.resources } : {}),
    ...(k?.scheduling ? { scheduling: k.scheduling } : {}),
    ...(k?.hardwareRequirements ? { hardwareRequirements: k.hardwareRequirements } : {}),
  };
  validate(spec.performerId, performerSpec);
  const annotations: Record<string, string> = {
    [ANNOTATIONS.image]: JSON.stringify(spec.image),
    [ANNOTATIONS.connectVia]: k?.connectVia ?? "service",
  };
  if (k?.endpointOverride) annotations[ANNOTATIONS.endpointOverride] = k.endpointOverride;
  return {
    replaced,
    performer: {
      apiVersion: `${target.group}/${target.version}`,
      kind: KIND,
      metadata: {
        name: spec.performerId,
        namespace: target.namespace,
        labels: {
          [LABEL.avs]: spec.avsAddress.toLowerCase(),
          [LABEL.performerId]: spec.performerId,
          [LABEL.executor]: target.executorId,
          [LABEL.managedBy]: EXECUTOR_MANAGED_BY,
          ...(spec.specFingerprint ? { [LABEL.specFingerprint]: spec.specFingerprint } : {}),
        },
        annotations,
      },
      spec: performerSpec,
    },
  };
}

/** Checks with the shared schema what the API server would reject, to fail before the call. */
function validate(name: string, spec: PerformerSpecInput): void {
  const problems = [
    ...issues(PerformerMetadata.safeParse({ name }), "metadata"),
    ...issues(PerformerSpec.safeParse(spec), "spec"),
  ];
  if (problems.length > 0) {
    throw new KubernetesRuntimeError(
      "InvalidSpec",
      `Cannot build Performer "${name}": ${problems.join("; ")}`,
    );
  }
}

function issues(
  result: { success: true } | {
    success: false;
    error: { issues: Parameters<typeof formatIssues>[0] };
  },
  prefix: string,
): string[] {
  return result.success ? [] : formatIssues(result.error.issues).map((p) => `${prefix}.${p}`);
}
