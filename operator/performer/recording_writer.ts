/**
 * A `PerformerWriter` that also reports each write's result to the informers' caches, so the
 * reconciler can read its caches only (`ReadonlyStore`) and still never act on a cache older
 * than its own last write: the next reconcile may run before the watch event of that write.
 * @module
 */

import type * as k8s from "@kubernetes/client-node";
import type { WriteRecorder } from "../../shared/controller/mod.ts";
import type { PerformerWriter } from "./kube_writer.ts";
import type { RawPerformer } from "./performer_object.ts";

/** Where the results of writes go: the informer of each kind. */
export interface PerformerRecorders {
  performers: WriteRecorder<RawPerformer>;
  pods: WriteRecorder<k8s.V1Pod>;
  services: WriteRecorder<k8s.V1Service>;
}

/** Wraps `writer` so that every successful write is recorded in `recorders`. */
export function recordingWriter(
  writer: PerformerWriter,
  recorders: PerformerRecorders,
): PerformerWriter {
  const { performers, pods, services } = recorders;
  return {
    getPerformer: (namespace, name, options) => writer.getPerformer(namespace, name, options),
    async createPod(namespace, pod, options) {
      const created = await writer.createPod(namespace, pod, options);
      if (created) pods.recordWrite(created);
      return created;
    },
    async deletePod(namespace, name, uid, options) {
      const pod = await writer.deletePod(namespace, name, uid, options);
      if (pod?.metadata?.deletionTimestamp) pods.recordTerminating(pod);
      else pods.recordDelete(`${namespace}/${name}`);
      return pod;
    },
    async createService(namespace, service, options) {
      const created = await writer.createService(namespace, service, options);
      if (created) services.recordWrite(created);
      return created;
    },
    async patchService(namespace, name, patch, options) {
      const patched = await writer.patchService(namespace, name, patch, options);
      services.recordWrite(patched);
      return patched;
    },
    async deleteService(namespace, name, uid, options) {
      await writer.deleteService(namespace, name, uid, options);
      services.recordDelete(`${namespace}/${name}`);
    },
    async patchStatus(namespace, name, patch, options) {
      const updated = await writer.patchStatus(namespace, name, patch, options);
      performers.recordWrite(updated);
      return updated;
    },
    async jsonPatchPerformer(namespace, name, ops, options) {
      const updated = await writer.jsonPatchPerformer(namespace, name, ops, options);
      performers.recordWrite(updated);
      return updated;
    },
    recordEvent: (performer, event, options) => writer.recordEvent(performer, event, options),
  };
}
