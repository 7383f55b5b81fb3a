/**
 * Resolves performer environment variables from the config and from DeployArtifact requests
 * into what a runtime starts a performer with. `valueFromEnv` is read from the executor's own
 * environment (so secrets need not be written in the config); Secret and ConfigMap references
 * are only possible in kubernetes mode, where the kubelet resolves them.
 * @module
 */

import type { PerformerEnv } from "../../shared/config/executor_config.ts";
import type { DeploymentMode } from "../../shared/config/executor_config.ts";
import { TaskError } from "../task/errors.ts";
import type { InstanceEnv } from "./runtime.ts";

/** An env entry in either shape (config file or gRPC request: empty strings mean unset). */
export interface EnvEntry {
  name: string;
  value?: string;
  valueFromEnv?: string;
  kubernetesEnv?: PerformerEnv["kubernetesEnv"] | {
    valueFrom?: {
      secretKeyRef?: { name: string; key: string } | null;
      configMapKeyRef?: { name: string; key: string } | null;
    } | null;
  } | null;
}

/** Resolves entries in order; a later entry with the same name replaces an earlier one. */
export function resolveEnv(
  entries: EnvEntry[],
  processEnv: Record<string, string>,
  mode: DeploymentMode,
): InstanceEnv[] {
  const out = new Map<string, InstanceEnv>();
  entries.forEach((entry, i) => {
    const where = `env[${i}] (${entry.name})`;
    if (!entry.name) throw new TaskError("InvalidArgument", `env[${i}]: name is required`);
    const ref = entry.kubernetesEnv?.valueFrom;
    if (entry.valueFromEnv) {
      const value = processEnv[entry.valueFromEnv];
      if (value === undefined) {
        throw new TaskError(
          "InvalidArgument",
          `${where}: valueFromEnv ${entry.valueFromEnv} is not set in the executor's environment`,
        );
      }
      out.set(entry.name, { name: entry.name, value });
    } else if (ref && (ref.secretKeyRef || ref.configMapKeyRef)) {
      if (mode !== "kubernetes") {
        throw new TaskError(
          "InvalidArgument",
          `${where}: Secret and ConfigMap references need deploymentMode kubernetes`,
        );
      }
      out.set(entry.name, {
        name: entry.name,
        valueFrom: {
          ...(ref.secretKeyRef ? { secretKeyRef: ref.secretKeyRef } : {}),
          ...(ref.configMapKeyRef ? { configMapKeyRef: ref.configMapKeyRef } : {}),
        },
      });
    } else {
      out.set(entry.name, { name: entry.name, value: entry.value ?? "" });
    }
  });
  return [...out.values()];
}
