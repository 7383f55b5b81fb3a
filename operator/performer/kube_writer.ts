/**
 * The reconciler's writes, through `@kubernetes/client-node`: the narrow interface the
 * reconciler depends on, and its implementation against the API server.
 * @module
 */

import * as k8s from "@kubernetes/client-node";
import { GROUP, PLURAL, VERSION } from "../../shared/api/performer.ts";
import { isAlreadyExists, isNotFound, kubeCall } from "../../shared/kube/errors.ts";
import { FIELD_MANAGER } from "./labels.ts";
import type { RawPerformer } from "./performer_object.ts";
import type { PerformerEvent } from "./plan.ts";

/** Every write the Performer reconciler makes. */
export interface PerformerWriter {
  /** Creates a pod; undefined if one of that name already exists. */
  createPod(namespace: string, pod: k8s.V1Pod): Promise<k8s.V1Pod | undefined>;
  /** Deletes a pod (if it still has `uid`); returns it (terminating), or undefined if gone. */
  deletePod(namespace: string, name: string, uid?: string): Promise<k8s.V1Pod | undefined>;
  createService(namespace: string, service: k8s.V1Service): Promise<k8s.V1Service | undefined>;
  patchService(namespace: string, name: string, patch: object): Promise<k8s.V1Service>;
  deleteService(namespace: string, name: string, uid?: string): Promise<void>;
  /** JSON-merge-patches the status subresource. */
  patchStatus(namespace: string, name: string, patch: object): Promise<RawPerformer>;
  /** Applies a JSON patch to the Performer (used for finalizers). */
  jsonPatchPerformer(namespace: string, name: string, ops: object[]): Promise<RawPerformer>;
  /** Records a Kubernetes Event about the Performer. */
  recordEvent(performer: RawPerformer, event: PerformerEvent): Promise<void>;
}

const MERGE = k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch);
const JSON_PATCH = k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.JsonPatch);

/** Creates the writer over the given API clients. */
export function kubePerformerWriter(
  core: k8s.CoreV1Api,
  custom: k8s.CustomObjectsApi,
  reportingInstance: string,
): PerformerWriter {
  return {
    async createPod(namespace, pod) {
      const action = `Cannot create pod "${namespace}/${pod.metadata?.name}"`;
      try {
        return await kubeCall(
          action,
          () => core.createNamespacedPod({ namespace, body: pod, fieldManager: FIELD_MANAGER }),
        );
      } catch (err) {
        if (isAlreadyExists(err)) return undefined;
        throw err;
      }
    },
    async deletePod(namespace, name, uid) {
      try {
        return await kubeCall(
          `Cannot delete pod "${namespace}/${name}"`,
          () => core.deleteNamespacedPod({ name, namespace, body: { preconditions: { uid } } }),
        );
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    },
    async createService(namespace, service) {
      const action = `Cannot create service "${namespace}/${service.metadata?.name}"`;
      try {
        return await kubeCall(
          action,
          () =>
            core.createNamespacedService({ namespace, body: service, fieldManager: FIELD_MANAGER }),
        );
      } catch (err) {
        if (isAlreadyExists(err)) return undefined;
        throw err;
      }
    },
    patchService(namespace, name, patch) {
      return kubeCall(
        `Cannot update service "${namespace}/${name}"`,
        () =>
          core.patchNamespacedService(
            { name, namespace, body: patch, fieldManager: FIELD_MANAGER },
            MERGE,
          ),
      );
    },
    async deleteService(namespace, name, uid) {
      try {
        await kubeCall(
          `Cannot delete service "${namespace}/${name}"`,
          () => core.deleteNamespacedService({ name, namespace, body: { preconditions: { uid } } }),
        );
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    },
    patchStatus(namespace, name, patch) {
      return kubeCall(
        `Cannot update the status of performer "${namespace}/${name}"`,
        () =>
          custom.patchNamespacedCustomObjectStatus({
            group: GROUP,
            version: VERSION,
            plural: PLURAL,
            namespace,
            name,
            body: patch,
            fieldManager: FIELD_MANAGER,
          }, MERGE),
      );
    },
    jsonPatchPerformer(namespace, name, ops) {
      return kubeCall(
        `Cannot update performer "${namespace}/${name}"`,
        () =>
          custom.patchNamespacedCustomObject({
            group: GROUP,
            version: VERSION,
            plural: PLURAL,
            namespace,
            name,
            body: ops,
            fieldManager: FIELD_MANAGER,
          }, JSON_PATCH),
      );
    },
    async recordEvent(performer, event) {
      const meta = performer.metadata ?? {};
      const now = new Date();
      await kubeCall(
        `Cannot record event ${event.reason} on "${meta.namespace}/${meta.name}"`,
        () =>
          core.createNamespacedEvent({
            namespace: meta.namespace!,
            body: {
              metadata: { generateName: `${meta.name}.`, namespace: meta.namespace },
              involvedObject: {
                apiVersion: performer.apiVersion ?? `${GROUP}/${VERSION}`,
                kind: performer.kind ?? "Performer",
                name: meta.name,
                namespace: meta.namespace,
                uid: meta.uid,
                resourceVersion: meta.resourceVersion,
              },
              type: event.type,
              reason: event.reason,
              message: event.message.slice(0, 1024),
              source: { component: FIELD_MANAGER },
              reportingComponent: FIELD_MANAGER,
              reportingInstance,
              firstTimestamp: now,
              lastTimestamp: now,
              count: 1,
            },
          }),
      );
    },
  };
}
