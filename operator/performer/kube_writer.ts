/**
 * The reconciler's writes: the narrow interface the reconciler depends on, and its implementation
 * against the API server over the REST client (`shared/kube/rest.ts`; not client-node, which
 * would cost the operator ~60 MiB of memory).
 *
 * Every write takes the reconcile's AbortSignal (`WriteOptions`) and hands it to its request
 * (`kubeCall`'s `{ signal }`), so a reconcile that times out, or an operator that stops, cancels
 * its requests in flight instead of leaving them to finish after the reconcile gave up.
 * @module
 */

import type * as k8s from "@kubernetes/client-node";
import { GROUP, PLURAL, VERSION } from "../../shared/api/performer.ts";
import { signalOf } from "../../shared/kube/call_options.ts";
import { isAlreadyExists, isNotFound, kubeCall } from "../../shared/kube/errors.ts";
import type { KubeRest, RequestOptions } from "../../shared/kube/rest.ts";
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

const MERGE_PATCH = "application/merge-patch+json";
const JSON_PATCH = "application/json-patch+json";

/** Creates the writer over the REST client. */
export function kubePerformerWriter(rest: KubeRest, reportingInstance: string): PerformerWriter {
  const enc = encodeURIComponent;
  const core = (namespace: string, plural: string, name?: string) =>
    `/api/v1/namespaces/${enc(namespace)}/${plural}${name === undefined ? "" : `/${enc(name)}`}`;
  const performer = (namespace: string, name: string) =>
    `/apis/${GROUP}/${VERSION}/namespaces/${enc(namespace)}/${PLURAL}/${enc(name)}`;
  const fieldManager = { fieldManager: FIELD_MANAGER };
  /** One request through `kubeCall` (throttling retries, errors), cancelled by its signal. */
  const call = <T>(
    action: string,
    method: string,
    path: string,
    request: Omit<RequestOptions, "signal">,
    options: WriteOptions,
  ) =>
    kubeCall(
      action,
      (o) => rest.request<T>(method, path, { ...request, signal: signalOf(o) }),
      options,
    );
  return {
    getPerformer(namespace, name, options) {
      return undefinedIf(
        isNotFound,
        call<RawPerformer>(
          `Cannot read performer "${namespace}/${name}"`,
          "GET",
          performer(namespace, name),
          {},
          options,
        ),
      );
    },
    createPod(namespace, pod, options) {
      return undefinedIf(
        isAlreadyExists,
        call<k8s.V1Pod>(
          `Cannot create pod "${namespace}/${pod.metadata?.name}"`,
          "POST",
          core(namespace, "pods"),
          { body: pod, query: fieldManager },
          options,
        ),
      );
    },
    deletePod(namespace, name, uid, options) {
      return undefinedIf(
        isNotFound,
        call<k8s.V1Pod>(
          `Cannot delete pod "${namespace}/${name}"`,
          "DELETE",
          core(namespace, "pods", name),
          { body: { preconditions: { uid } } },
          options,
        ),
      );
    },
    createService(namespace, service, options) {
      return undefinedIf(
        isAlreadyExists,
        call<k8s.V1Service>(
          `Cannot create service "${namespace}/${service.metadata?.name}"`,
          "POST",
          core(namespace, "services"),
          { body: service, query: fieldManager },
          options,
        ),
      );
    },
    patchService(namespace, name, patch, options) {
      return call<k8s.V1Service>(
        `Cannot update service "${namespace}/${name}"`,
        "PATCH",
        core(namespace, "services", name),
        { body: patch, contentType: MERGE_PATCH, query: fieldManager },
        options,
      );
    },
    async deleteService(namespace, name, uid, options) {
      await undefinedIf(
        isNotFound,
        call<unknown>(
          `Cannot delete service "${namespace}/${name}"`,
          "DELETE",
          core(namespace, "services", name),
          { body: { preconditions: { uid } } },
          options,
        ),
      );
    },
    patchStatus(namespace, name, patch, options) {
      return call<RawPerformer>(
        `Cannot update the status of performer "${namespace}/${name}"`,
        "PATCH",
        `${performer(namespace, name)}/status`,
        { body: patch, contentType: MERGE_PATCH, query: fieldManager },
        options,
      );
    },
    jsonPatchPerformer(namespace, name, ops, options) {
      return call<RawPerformer>(
        `Cannot update performer "${namespace}/${name}"`,
        "PATCH",
        performer(namespace, name),
        { body: ops, contentType: JSON_PATCH, query: fieldManager },
        options,
      );
    },
    async recordEvent(performer, event, options) {
      const meta = performer.metadata ?? {};
      await call<unknown>(
        `Cannot record event ${event.reason} on "${meta.namespace}/${meta.name}"`,
        "POST",
        core(meta.namespace!, "events"),
        { body: eventFor(performer, event, reportingInstance) },
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

/** The request's result, or `undefined` when it failed the expected way (`expected(err)`). */
async function undefinedIf<T>(
  expected: (err: unknown) => boolean,
  request: Promise<T>,
): Promise<T | undefined> {
  try {
    return await request;
  } catch (err) {
    if (expected(err)) return undefined;
    throw err;
  }
}
