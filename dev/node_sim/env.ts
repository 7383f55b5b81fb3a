/**
 * A container's environment as the kubelet builds it: `envFrom` sources, then `env` in order with
 * `$(VAR)` references expanded, values from Secrets, ConfigMaps and the downward API resolved.
 * A missing, non-optional Secret or ConfigMap (or key) is a `CreateContainerConfigError`, with the
 * kubelet's wording.
 * @module
 */

import type * as k8s from "@kubernetes/client-node";
import { ReasonError } from "../../shared/errors/reason_error.ts";
import { isNotFound, kubeCall } from "../../shared/kube/errors.ts";

/** The container cannot be configured; shown as waiting reason `CreateContainerConfigError`. */
export class ContainerConfigError extends ReasonError<"CreateContainerConfigError"> {
  /** The reason is the container's waiting reason, `CreateContainerConfigError`. */
  constructor(message: string, options?: ErrorOptions) {
    super("CreateContainerConfigError", message, options);
  }
}

/** Where Secret and ConfigMap data comes from; undefined when the object does not exist. */
export interface ConfigSource {
  secret(namespace: string, name: string): Promise<Record<string, string> | undefined>;
  configMap(namespace: string, name: string): Promise<Record<string, string> | undefined>;
}

/** Facts of the running pod that the downward API exposes. */
export interface PodFacts {
  podIP: string;
  hostIP: string;
}

/** Reads Secrets and ConfigMaps through the API (Secret values base64-decoded). */
export function apiConfigSource(core: k8s.CoreV1Api): ConfigSource {
  const decoder = new TextDecoder();
  const decode = (b64: string) =>
    decoder.decode(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)));
  const readIfExists = async <T>(what: string, read: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await kubeCall(`Cannot read ${what}`, read);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  };
  return {
    async secret(namespace, name) {
      const secret = await readIfExists(
        `secret "${namespace}/${name}"`,
        () => core.readNamespacedSecret({ name, namespace }),
      );
      if (!secret) return undefined;
      return Object.fromEntries(Object.entries(secret.data ?? {}).map(([k, v]) => [k, decode(v)]));
    },
    async configMap(namespace, name) {
      const cm = await readIfExists(
        `config map "${namespace}/${name}"`,
        () => core.readNamespacedConfigMap({ name, namespace }),
      );
      return cm ? { ...cm.data } : undefined;
    },
  };
}

/** The container's environment in kubelet order; throws `ContainerConfigError`. */
export async function containerEnv(
  pod: k8s.V1Pod,
  container: k8s.V1Container,
  source: ConfigSource,
  facts: PodFacts,
): Promise<[string, string][]> {
  const namespace = pod.metadata?.namespace ?? "default";
  const env = new Map<string, string>();
  for (const from of container.envFrom ?? []) {
    const data = await envFromData(from, namespace, source);
    for (const [key, value] of Object.entries(data)) env.set(`${from.prefix ?? ""}${key}`, value);
  }
  for (const v of container.env ?? []) {
    const value = v.valueFrom
      ? await valueFrom(v.valueFrom, pod, namespace, source, facts)
      : expand(v.value ?? "", env);
    if (value !== undefined) env.set(v.name, value);
  }
  return [...env];
}

async function envFromData(
  from: k8s.V1EnvFromSource,
  namespace: string,
  source: ConfigSource,
): Promise<Record<string, string>> {
  const ref = from.secretRef ?? from.configMapRef;
  if (!ref) return {};
  const kind = from.secretRef ? "secret" : "configmap";
  const data = await read(source, kind, namespace, ref.name ?? "");
  if (data === undefined && !ref.optional) {
    throw new ContainerConfigError(`${kind} "${ref.name}" not found`);
  }
  return data ?? {};
}

async function valueFrom(
  from: k8s.V1EnvVarSource,
  pod: k8s.V1Pod,
  namespace: string,
  source: ConfigSource,
  facts: PodFacts,
): Promise<string | undefined> {
  const keyRef = from.secretKeyRef ?? from.configMapKeyRef;
  if (keyRef) {
    const [kind, title] = from.secretKeyRef
      ? ["secret", "Secret"] as const
      : ["configmap", "ConfigMap"] as const;
    const data = await read(source, kind, namespace, keyRef.name ?? "");
    if (data === undefined) {
      if (keyRef.optional) return undefined;
      throw new ContainerConfigError(`${kind} "${keyRef.name}" not found`);
    }
    if (Object.hasOwn(data, keyRef.key)) return data[keyRef.key];
    if (keyRef.optional) return undefined;
    throw new ContainerConfigError(
      `couldn't find key ${keyRef.key} in ${title} ${namespace}/${keyRef.name}`,
    );
  }
  if (from.fieldRef) return fieldValue(from.fieldRef.fieldPath, pod, facts);
  throw new ContainerConfigError(
    "unsupported env valueFrom source (the simulator reads secretKeyRef, configMapKeyRef and fieldRef)",
  );
}

async function read(
  source: ConfigSource,
  kind: "secret" | "configmap",
  namespace: string,
  name: string,
): Promise<Record<string, string> | undefined> {
  try {
    return kind === "secret"
      ? await source.secret(namespace, name)
      : await source.configMap(namespace, name);
  } catch (cause) {
    throw new ContainerConfigError(`cannot read ${kind} "${namespace}/${name}"`, { cause });
  }
}

/** The downward API fields a container can ask for. */
function fieldValue(path: string, pod: k8s.V1Pod, facts: PodFacts): string {
  const indexed = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
  if (indexed) {
    const map = indexed[1] === "labels" ? pod.metadata?.labels : pod.metadata?.annotations;
    return map?.[indexed[2]] ?? "";
  }
  const fields: Record<string, string | undefined> = {
    "metadata.name": pod.metadata?.name,
    "metadata.namespace": pod.metadata?.namespace,
    "metadata.uid": pod.metadata?.uid,
    "spec.nodeName": pod.spec?.nodeName,
    "spec.serviceAccountName": pod.spec?.serviceAccountName,
    "status.hostIP": facts.hostIP,
    "status.hostIPs": facts.hostIP,
    "status.podIP": facts.podIP,
    "status.podIPs": facts.podIP,
  };
  if (!Object.hasOwn(fields, path)) {
    throw new ContainerConfigError(`unsupported fieldRef "${path}"`);
  }
  return fields[path] ?? "";
}

/** Expands `$(NAME)` from earlier variables; `$$(NAME)` stays literal, unknown names stay as is. */
export function expand(value: string, env: ReadonlyMap<string, string>): string {
  return value.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (match, name?: string) => {
    if (match === "$$") return "$";
    return name !== undefined && env.has(name) ? env.get(name)! : match;
  });
}

/** The port a performer serves on: the container port named `grpc`, else the first one. */
export function grpcPort(container: k8s.V1Container): number | undefined {
  const ports = container.ports ?? [];
  return (ports.find((p) => p.name === "grpc") ?? ports[0])?.containerPort;
}

/**
 * The process environment: `GRPC_PORT` from the container's ports (the container's own `env`
 * wins, as it is what the process would see in a real container), the container env, and
 * `HOURGLASS_BIND_HOST` = the pod IP last, since binding anywhere else would break the pod's
 * network isolation on the shared loopback.
 */
export function processEnv(
  container: k8s.V1Container,
  env: [string, string][],
  pod: { podName: string; podIP: string },
): Record<string, string> {
  const out: Record<string, string> = { HOSTNAME: pod.podName };
  const port = grpcPort(container);
  if (port !== undefined) out.GRPC_PORT = String(port);
  for (const [name, value] of env) out[name] = value;
  out.HOURGLASS_BIND_HOST = pod.podIP;
  return out;
}
