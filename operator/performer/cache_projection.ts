/**
 * What the operator's caches keep of each object: only the fields the reconciler, the planner
 * and the metrics read (client-go's informer transform). A pod as the API server returns it is
 * mostly `managedFields`, the full container spec, volumes, tolerations and timestamps nobody
 * here reads; at 1,000 Performers the caches hold 2,000 to 3,000 such objects.
 *
 * Each projection is pure and keeps `metadata.name`, `namespace`, `uid` and `resourceVersion`
 * (the store's identity and ordering), so it can be applied to list items, watch events and the
 * results of the operator's own writes alike. Read by: `plan.ts` (labels, owner references,
 * deletion, the gRPC container port, readiness, failure reasons), `reconciler.ts` (the
 * Performer's spec, status, generation, finalizers) and `manager.ts` (phases for metrics).
 * @module
 */

import type * as k8s from "@kubernetes/client-node";
import type { RawPerformer } from "./performer_object.ts";

/** The metadata fields any cached object keeps. */
function projectMeta(meta: k8s.V1ObjectMeta | undefined): k8s.V1ObjectMeta {
  const m = meta ?? {};
  return dropUndefined({
    name: m.name,
    namespace: m.namespace,
    uid: m.uid,
    resourceVersion: m.resourceVersion,
    generation: m.generation,
    creationTimestamp: m.creationTimestamp,
    deletionTimestamp: m.deletionTimestamp,
    labels: m.labels,
    ownerReferences: m.ownerReferences?.map((o) =>
      dropUndefined({
        apiVersion: o.apiVersion,
        kind: o.kind,
        name: o.name,
        uid: o.uid,
        controller: o.controller,
      })
    ),
    finalizers: m.finalizers,
  });
}

/** A pod as the operator's cache keeps it. */
export function projectPod(pod: k8s.V1Pod): k8s.V1Pod {
  const status = pod.status;
  return dropUndefined({
    metadata: projectMeta(pod.metadata),
    spec: {
      containers: (pod.spec?.containers ?? []).map((c) =>
        dropUndefined({ name: c.name, image: c.image, ports: c.ports })
      ),
    },
    status: status && dropUndefined({
      phase: status.phase,
      reason: status.reason,
      conditions: status.conditions?.map((c) =>
        dropUndefined({ type: c.type, status: c.status, reason: c.reason, message: c.message })
      ),
      containerStatuses: status.containerStatuses?.map((c) =>
        dropUndefined({
          name: c.name,
          image: c.image,
          imageID: c.imageID,
          ready: c.ready,
          restartCount: c.restartCount,
          state: c.state?.waiting ? { waiting: c.state.waiting } : undefined,
          lastState: c.lastState?.terminated
            ? {
              terminated: {
                exitCode: c.lastState.terminated.exitCode,
              } as k8s.V1ContainerStateTerminated,
            }
            : undefined,
        })
      ),
    }),
  });
}

/** A Service as the operator's cache keeps it. */
export function projectService(service: k8s.V1Service): k8s.V1Service {
  return {
    metadata: projectMeta(service.metadata),
    spec: dropUndefined({ selector: service.spec?.selector, ports: service.spec?.ports }),
  };
}

/** A Performer as the operator's cache keeps it: spec and status whole, metadata trimmed. */
export function projectPerformer(performer: RawPerformer): RawPerformer {
  return dropUndefined({
    apiVersion: performer.apiVersion,
    kind: performer.kind,
    metadata: projectMeta(performer.metadata),
    spec: performer.spec,
    status: performer.status,
  });
}

function dropUndefined<T extends object>(obj: T): T {
  for (const key of Object.keys(obj) as (keyof T)[]) {
    if (obj[key] === undefined) delete obj[key];
  }
  return obj;
}
