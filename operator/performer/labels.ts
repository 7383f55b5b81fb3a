/**
 * Names, labels and the finalizer the operator puts on what it creates. Label keys and the
 * names the executor also reads are defined once in `shared/api/labels.ts`.
 * @module
 */

import type * as k8s from "@kubernetes/client-node";
import { LABEL, OPERATOR_MANAGED_BY, OPERATOR_SELECTOR } from "../../shared/api/labels.ts";
import { API_VERSION, KIND } from "../../shared/api/performer.ts";

export { CONTAINER_NAME, LABEL } from "../../shared/api/labels.ts";

/** Value of `app.kubernetes.io/managed-by` on everything the operator creates. */
export const MANAGED_BY = OPERATOR_MANAGED_BY;

/** Selects every object the operator manages (used by its informers). */
export const MANAGED_SELECTOR = OPERATOR_SELECTOR;

/**
 * Finalizer of earlier operator versions, which added it to every Performer. It is no longer
 * added (children are removed once the Performer is gone, see `reconciler.ts`); a Performer
 * that still carries it has it removed after clean-up when deleted.
 */
export const FINALIZER = "hourglass.eigenlayer.io/performer-finalizer";

/** Field manager name of the operator's writes. */
export const FIELD_MANAGER = "hourglass-operator";

/** The minimal identity of a Performer needed to label and own its children. */
export interface PerformerRef {
  name: string;
  namespace: string;
  uid: string;
  avsAddress: string;
}

/** Labels on both the pod and the Service of a Performer. */
export function commonLabels(ref: PerformerRef): Record<string, string> {
  return {
    [LABEL.name]: "performer",
    [LABEL.instance]: ref.name,
    [LABEL.managedBy]: MANAGED_BY,
    [LABEL.partOf]: "hourglass",
    [LABEL.performer]: ref.name,
    [LABEL.avs]: ref.avsAddress.toLowerCase(),
    [LABEL.legacyApp]: "hourglass-performer",
  };
}

/** The controller ownerReference pointing at the Performer. */
export function ownerReference(ref: PerformerRef): k8s.V1OwnerReference {
  return {
    apiVersion: API_VERSION,
    kind: KIND,
    name: ref.name,
    uid: ref.uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** The key (`namespace/name`) of the Performer a pod or Service is labelled for. */
export function performerKeyOf(obj: k8s.KubernetesObject): string | undefined {
  const name = obj.metadata?.labels?.[LABEL.performer];
  return name && obj.metadata?.namespace ? `${obj.metadata.namespace}/${name}` : undefined;
}

/** The uid of the Performer controlling `obj`, if a Performer controls it. */
export function controllingPerformerUid(obj: k8s.KubernetesObject): string | undefined {
  return (obj.metadata?.ownerReferences ?? []).find((o) =>
    o.controller && o.kind === KIND && o.apiVersion === API_VERSION
  )?.uid;
}

/** Whether `obj` is controlled by the Performer with this uid. */
export function isOwnedBy(obj: k8s.KubernetesObject, uid: string): boolean {
  return (obj.metadata?.ownerReferences ?? []).some((o) => o.controller && o.uid === uid);
}

/**
 * Makes any string a valid label value (≤ 63 characters of `[A-Za-z0-9._-]`, alphanumeric at
 * both ends), so user-given values such as a GPU model never make a pod invalid.
 */
export function sanitizeLabelValue(value: string): string {
  return value.replace(/[^A-Za-z0-9._-]/g, "-").slice(0, 63).replace(/^[^A-Za-z0-9]+/, "")
    .replace(/[^A-Za-z0-9]+$/, "");
}
