/**
 * The one piece of kube-controller-manager the local control plane needs: every namespace gets
 * a `default` ServiceAccount. Without it, the API server's ServiceAccount admission rejects
 * every pod that does not name another service account.
 * @module
 */

import * as k8s from "@kubernetes/client-node";
import { Informer } from "../../shared/controller/mod.ts";
import { isAlreadyExists, kubeCall } from "../../shared/kube/errors.ts";

/** Runs until the returned stop function is called. */
export async function startServiceAccountController(
  kc: k8s.KubeConfig,
): Promise<() => Promise<void>> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const namespaces = new Informer<k8s.V1Namespace>({
    name: "namespaces",
    kubeConfig: kc,
    watchPath: "/api/v1/namespaces",
    list: (p) => core.listNamespace(p),
  });
  const ensure = async (namespace: string) => {
    try {
      await kubeCall(
        `Cannot create the default service account of ${namespace}`,
        () =>
          core.createNamespacedServiceAccount({
            namespace,
            body: { metadata: { name: "default" } },
          }),
      );
    } catch (err) {
      if (!isAlreadyExists(err)) console.error(`[cluster] ${(err as Error).message}`);
    }
  };
  namespaces.onEvent((event) => {
    const ns = event.object;
    if (event.type === "ADDED" && ns.status?.phase !== "Terminating" && ns.metadata?.name) {
      void ensure(ns.metadata.name);
    }
  });
  await namespaces.start();
  return () => namespaces.stop();
}
