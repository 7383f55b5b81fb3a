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

// Kubernetes' rule for env var names (C_IDENTIFIER relaxed), which Docker accepts too.
const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]{0,255}$/;

/**
 * The executor's own secrets: its key and password variables (`EXECUTOR_*PRIVATE_KEY`,
 * `…PASSWORD`), which a config or DeployArtifact must not copy into a performer.
 */
export function isExecutorSecret(name: string): boolean {
  return /^EXECUTOR_/.test(name) && /(PRIVATE_KEY|PASSWORD|SECRET|MNEMONIC)/.test(name);
}

/** Resolves entries in order; a later entry with the same name replaces an earlier one. */
export function resolveEnv(
  entries: EnvEntry[],
  processEnv: Record<string, string>,
  mode: DeploymentMode,
): InstanceEnv[] {
  const out = new Map<string, InstanceEnv>();
  entries.forEach((entry, i) => {
    if (!entry.name) throw new TaskError("InvalidArgument", `env[${i}]: name is required`);
    if (!ENV_NAME.test(entry.name)) {
      throw new TaskError(
        "InvalidArgument",
        `env[${i}]: name must be letters, digits, "_", "-" or "." (not starting with a digit), ` +
          `at most 256 characters`,
      );
    }
    const where = `env[${i}] (${entry.name})`;
    const ref = entry.kubernetesEnv?.valueFrom;
    if (entry.valueFromEnv && isExecutorSecret(entry.valueFromEnv)) {
      throw new TaskError(
        "InvalidArgument",
        `${where}: valueFromEnv may not read ${entry.valueFromEnv}, one of the executor's own ` +
          `key or password variables`,
      );
    }
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
