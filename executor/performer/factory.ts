/**
 * The one place that turns the config's deployment mode into a performer runtime: a
 * `DockerRuntime` (constructed; it calls the engine on first use) or a `KubernetesRuntime`
 * (connected: it checks the cluster before it is handed out).
 * @module
 */

import { deploymentModeOf, type ExecutorConfig } from "../../shared/config/executor_config.ts";
import { loadKubeConfig } from "../../shared/kube/client.ts";
import type { Logger } from "../../shared/runtime/log.ts";
import { DockerRuntime } from "./docker/docker_runtime.ts";
import { createEngineClient } from "./docker/engine_client.ts";
import { KubernetesRuntime } from "./kubernetes/kubernetes_runtime.ts";
import type { PerformerRuntime } from "./runtime.ts";

/** Creates the runtime of the config's deployment mode. */
export function createRuntime(
  config: ExecutorConfig,
  options: { executorId: string; log: Logger },
): Promise<PerformerRuntime> {
  const mode = deploymentModeOf(config);
  if (mode === "docker") {
    const engine = createEngineClient({ host: config.docker.host });
    return Promise.resolve(
      new DockerRuntime({
        engine,
        executorId: options.executorId,
        network: config.docker.network,
        limits: { memoryBytes: config.docker.memoryLimit, pids: config.docker.pidsLimit },
        log: options.log,
      }),
    );
  }
  const k = config.kubernetes;
  if (!k) {
    // The config schema requires the section in kubernetes mode; this guards other callers.
    return Promise.reject(new TypeError("deploymentMode kubernetes needs a kubernetes section"));
  }
  let kubeConfig;
  try {
    kubeConfig = loadKubeConfig({ kubeconfigPath: k.kubeConfigPath, inCluster: k.inCluster });
  } catch (err) {
    return Promise.reject(err);
  }
  return KubernetesRuntime.connect({
    kubeConfig,
    namespace: k.namespace,
    executorId: options.executorId,
    connectionTimeoutMs: k.connectionTimeout,
    readyTimeoutMs: k.readyTimeout,
    crdGroup: k.crdGroup,
    crdVersion: k.crdVersion,
    trustedOverrides: new Set(
      [...config.avsPerformers, config.avsDefaults].flatMap((p) =>
        p.kubernetes?.endpointOverride ? [p.kubernetes.endpointOverride] : []
      ),
    ),
    log: options.log,
  });
}
