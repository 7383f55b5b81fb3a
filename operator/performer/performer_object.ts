/**
 * A Performer as the reconciler sees it: metadata from the API server, spec validated and
 * defaulted by the shared zod schema.
 * @module
 */

import type * as k8s from "@kubernetes/client-node";
import {
  PerformerSpec,
  type PerformerSpec as Spec,
  PerformerStatus,
  type PerformerStatus as Status,
} from "../../shared/api/performer.ts";
import { formatIssues } from "../../shared/validation/format_issues.ts";
import { TerminalError } from "../../shared/controller/mod.ts";
import type { PerformerRef } from "./labels.ts";

/** A Performer with a validated spec. */
export interface PerformerObject {
  metadata: k8s.V1ObjectMeta & { name: string; namespace: string; uid: string };
  spec: Spec;
  status?: Status;
}

/** A Performer as stored in the informer cache (unvalidated). */
export type RawPerformer = k8s.KubernetesObject & { spec?: unknown; status?: unknown };

/**
 * Validates a cached Performer. An invalid spec (one the CRD schema let through, e.g. written
 * under an older CRD) is a TerminalError: retrying cannot fix it, a spec change can.
 */
export function parsePerformer(raw: RawPerformer): PerformerObject {
  const meta = raw.metadata ?? {};
  if (!meta.name || !meta.namespace || !meta.uid) {
    throw new TypeError("A Performer from the API server lacks name, namespace or uid");
  }
  const spec = PerformerSpec.safeParse(raw.spec);
  if (!spec.success) {
    const problems = formatIssues(spec.error.issues).map((p) => `spec.${p}`);
    throw new TerminalError("InvalidSpec", `Invalid spec: ${problems.join("; ")}`);
  }
  // A status we cannot read is treated as absent: the reconciler rewrites it whole.
  const status = PerformerStatus.safeParse(raw.status ?? {});
  return {
    metadata: { ...meta, name: meta.name, namespace: meta.namespace, uid: meta.uid },
    spec: spec.data,
    status: status.success ? status.data : undefined,
  };
}

/** The identity fields used for labels and owner references. */
export function performerRef(p: PerformerObject): PerformerRef {
  return {
    name: p.metadata.name,
    namespace: p.metadata.namespace,
    uid: p.metadata.uid,
    avsAddress: p.spec.avsAddress,
  };
}
