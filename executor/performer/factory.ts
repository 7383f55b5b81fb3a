/**
 * The one place that turns the config's deployment mode into a performer runtime.
 * @module
 */

import { deploymentModeOf, type ExecutorConfig } from "../../shared/config/executor_config.ts";
import type { Logger } from "../../shared/runtime/log.ts";
import { dockerRuntime } from "./docker/docker_runtime.ts";
import { createEngineClient } from "./docker/engine_client.ts";
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
      dockerRuntime({
        engine,
        executorId: options.executorId,
        network: config.docker.network,
        log: options.log,
      }),
    );
  }
  return Promise.reject(new Error("deploymentMode kubernetes is not available in this build yet"));
}
