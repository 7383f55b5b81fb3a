/**
 * What both binaries read from a performer pod: whether it is Ready, and its gRPC port.
 * @module
 */

import type * as k8s from "@kubernetes/client-node";
import { CONTAINER_NAME, GRPC_PORT_NAME } from "./labels.ts";

/** True when the pod is Ready and not being deleted. */
export function isPodReady(pod: k8s.V1Pod): boolean {
  if (pod.metadata?.deletionTimestamp) return false;
  return (pod.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");
}

/** The container port named `grpc` of the performer container, if the pod has one. */
export function grpcPortOf(pod: k8s.V1Pod): number | undefined {
  const containers = pod.spec?.containers ?? [];
  const container = containers.find((c) => c.name === CONTAINER_NAME) ?? containers[0];
  return container?.ports?.find((p) => p.name === GRPC_PORT_NAME)?.containerPort;
}
