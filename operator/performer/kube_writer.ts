/**
 * The reconciler's writes, through `@kubernetes/client-node`: the narrow interface the
 * reconciler depends on, and its implementation against the API server.
 *
 * Every write takes the reconcile's AbortSignal (`WriteOptions`) and hands it to its request
 * (`kubeCall`'s `{ signal }`), so a reconcile that times out, or an operator that stops, cancels
 * its requests in flight instead of leaving them to finish after the reconcile gave up.
 * @module
 */

import * as k8s from "@kubernetes/client-node";
import { GROUP, PLURAL, VERSION } from "../../shared/api/performer.ts";
import { isAlreadyExists, isNotFound, kubeCall } from "../../shared/kube/errors.ts";
import { FIELD_MANAGER } from "./labels.ts";
import type { RawPerformer } from "./performer_object.ts";
import type { PerformerEvent } from "./plan.ts";

/** Options of every write. */
export interface WriteOptions {
  /** The reconcile's signal: aborting it cancels the request, even in flight. */
  signal: AbortSignal;
}

/** Every write the Performer reconciler makes, and its one read that bypasses the cache. */
export interface PerformerWriter {
  /**
   * Reads a Performer from the API server (not the cache); undefined if there is none. Used
   * only before children are removed, to be sure their Performer is really gone.
   */
  getPerformer(
    namespace: string,
    name: string,
    options: WriteOptions,
  ): Promise<RawPerformer | undefined>;
  /** Creates a pod; undefined if one of that name already exists. */
  createPod(
    namespace: string,
    pod: k8s.V1Pod,
    options: WriteOptions,
  ): Promise<k8s.V1Pod | undefined>;
  /** Deletes a pod (if it still has `uid`); returns it (terminating), or undefined if gone. */
  deletePod(
    namespace: string,
    name: string,
    uid: string | undefined,
    options: WriteOptions,
  ): Promise<k8s.V1Pod | undefined>;
  /** Creates a Service; undefined if one of that name already exists. */
  createService(
    namespace: string,
    service: k8s.V1Service,
    options: WriteOptions,
  ): Promise<k8s.V1Service | undefined>;
  /** JSON-merge-patches a Service. */
  patchService(
    namespace: string,
    name: string,
    patch: object,
    options: WriteOptions,
  ): Promise<k8s.V1Service>;
  /** Deletes a Service (if it still has `uid`); done if it is gone. */
  deleteService(
    namespace: string,
    name: string,
    uid: string | undefined,
    options: WriteOptions,
  ): Promise<void>;
  /** JSON-merge-patches the status subresource. */
  patchStatus(
    namespace: string,
    name: string,
    patch: object,
    options: WriteOptions,
  ): Promise<RawPerformer>;
  /** Applies a JSON patch to the Performer (used for finalizers). */
  jsonPatchPerformer(
    namespace: string,
    name: string,
    ops: object[],
    options: WriteOptions,
  ): Promise<RawPerformer>;
  /** Records a Kubernetes Event about the Performer. */
  recordEvent(performer: RawPerformer, event: PerformerEvent, options: WriteOptions): Promise<void>;
}

/** Per-call options with a patch's Content-Type, after those `kubeCall` passes (the signal). */
function patchAs(
  strategy: k8s.PatchStrategy,
  options: k8s.ConfigurationOptions | undefined,
): k8s.ConfigurationOptions {
  return k8s.setHeaderOptions("Content-Type", strategy, options);
}

/** Creates the writer over the given API clients. */
export function kubePerformerWriter(
  core: k8s.CoreV1Api,
  custom: k8s.CustomObjectsApi,
  reportingInstance: string,
): PerformerWriter {
  const crd = { group: GROUP, version: VERSION, plural: PLURAL, fieldManager: FIELD_MANAGER };
  return {
    async getPerformer(namespace, name, options) {
      try {
        return await kubeCall(
          `Cannot read performer "${namespace}/${name}"`,
          (o) =>
            custom.getNamespacedCustomObject(
              { group: GROUP, version: VERSION, plural: PLURAL, namespace, name },
              o,
            ) as Promise<RawPerformer>,
          options,
        );
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    },
    async createPod(namespace, pod, options) {
      const action = `Cannot create pod "${namespace}/${pod.metadata?.name}"`;
      try {
        return await kubeCall(
          action,
          (o) => core.createNamespacedPod({ namespace, body: pod, fieldManager: FIELD_MANAGER }, o),
          options,
        );
      } catch (err) {
        if (isAlreadyExists(err)) return undefined;
        throw err;
      }
    },
    async deletePod(namespace, name, uid, options) {
      try {
        return await kubeCall(
          `Cannot delete pod "${namespace}/${name}"`,
          (o) => core.deleteNamespacedPod({ name, namespace, body: { preconditions: { uid } } }, o),
          options,
        );
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    },
    async createService(namespace, service, options) {
      const action = `Cannot create service "${namespace}/${service.metadata?.name}"`;
      const body = { namespace, body: service, fieldManager: FIELD_MANAGER };
      try {
        return await kubeCall(action, (o) => core.createNamespacedService(body, o), options);
      } catch (err) {
        if (isAlreadyExists(err)) return undefined;
        throw err;
      }
    },
    patchService(namespace, name, patch, options) {
      return kubeCall(
        `Cannot update service "${namespace}/${name}"`,
        (o) =>
          core.patchNamespacedService(
            { name, namespace, body: patch, fieldManager: FIELD_MANAGER },
            patchAs(k8s.PatchStrategy.MergePatch, o),
          ),
        options,
      );
    },
    async deleteService(namespace, name, uid, options) {
      try {
        await kubeCall(
          `Cannot delete service "${namespace}/${name}"`,
          (o) =>
            core.deleteNamespacedService({ name, namespace, body: { preconditions: { uid } } }, o),
          options,
        );
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    },
    patchStatus(namespace, name, patch, options) {
      return kubeCall(
        `Cannot update the status of performer "${namespace}/${name}"`,
        (o) =>
          custom.patchNamespacedCustomObjectStatus(
            { ...crd, namespace, name, body: patch },
            patchAs(k8s.PatchStrategy.MergePatch, o),
          ),
        options,
      );
    },
    jsonPatchPerformer(namespace, name, ops, options) {
      return kubeCall(
        `Cannot update performer "${namespace}/${name}"`,
        (o) =>
          custom.patchNamespacedCustomObject(
            { ...crd, namespace, name, body: ops },
            patchAs(k8s.PatchStrategy.JsonPatch, o),
          ),
        options,
      );
    },
    async recordEvent(performer, event, options) {
      const meta = performer.metadata ?? {};
      const body = eventFor(performer, event, reportingInstance);
      await kubeCall(
        `Cannot record event ${event.reason} on "${meta.namespace}/${meta.name}"`,
        (o) => core.createNamespacedEvent({ namespace: meta.namespace!, body }, o),
        options,
      );
    },
  };
}

/** A core/v1 Event about `performer`, reported by this operator instance. */
function eventFor(
  performer: RawPerformer,
  event: PerformerEvent,
  reportingInstance: string,
): k8s.CoreV1Event {
  const meta = performer.metadata ?? {};
  const now = new Date();
  return {
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
  };
}
