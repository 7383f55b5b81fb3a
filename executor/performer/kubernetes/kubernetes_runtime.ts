/**
 * Kubernetes mode's `PerformerRuntime`: one `Performer` resource per performer instance, which
 * the operator turns into a pod and a Service. Readiness is watched (list+watch caches), and a
 * status that reports a failure no waiting can fix (image pull, crash loop, unschedulable,
 * container config) fails at once instead of running out the ready timeout. Performers serve
 * plaintext; the executor dials `status.grpcEndpoint`, or — from outside the cluster — the pod
 * IP or an endpoint override.
 *
 * Needs only the executor Role (charts/hourglass-executor/files/role-rules.yaml): performers
 * create/delete/get/list/watch/patch, pods get/list/watch.
 * @module
 */

import { executorSelector } from "../../../shared/api/labels.ts";
import * as k8s from "@kubernetes/client-node";
import { GROUP, PLURAL, VERSION } from "../../../shared/api/performer.ts";
import { isAlreadyExists, isNotFound, kubeCall } from "../../../shared/kube/errors.ts";
import type { Logger } from "../../../shared/runtime/log.ts";
import { imageReference } from "../image.ts";
import {
  type InstanceSpec,
  type PerformerInstance,
  type PerformerRuntime,
  type RuntimeState,
} from "../runtime.ts";
import { withTimeout } from "./_cluster_check.ts";
import { connect } from "./_connect.ts";
import { buildPerformer, RESTART_ENV } from "./_performer_object.ts";
import {
  connectionOf,
  endpointOf,
  type EndpointTrust,
  instanceOf,
  type PerformerResource,
  readStatus,
  runtimeStateOf,
} from "./_state.ts";
import type { WatchCache } from "./_watch_cache.ts";
import { apiFailure, KubernetesRuntimeError } from "./errors.ts";

/** Options of `KubernetesRuntime.connect`. */
export interface KubernetesRuntimeOptions {
  kubeConfig: k8s.KubeConfig;
  /** Where the Performers go (config `kubernetes.namespace`). */
  namespace: string;
  /** Written into every Performer's executor label; `listOwned` finds Performers by it. */
  executorId: string;
  /** Limit of the start-up check and of each API request, in ms. */
  connectionTimeoutMs: number;
  /** How long a new Performer has to report ready, in ms. */
  readyTimeoutMs: number;
  /**
   * The `endpointOverride`s of the executor's config: the only overrides a Performer's
   * annotation may name (annotations and status are editable by anyone with rights on
   * Performers; the executor's config is not).
   */
  trustedOverrides?: ReadonlySet<string>;
  /** API group and version of the Performer CRD (default hourglass.eigenlayer.io/v1alpha1). */
  crdGroup?: string;
  crdVersion?: string;
  log?: Logger;
}

const MERGE_PATCH = k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch);

interface Resolved {
  log: Logger;
  group: string;
  version: string;
  custom: k8s.CustomObjectsApi;
  cache: WatchCache;
}

/** The kubernetes-mode runtime; `KubernetesRuntime.connect` makes one. */
export class KubernetesRuntime implements PerformerRuntime {
  readonly mode = "kubernetes" as const;
  readonly #o: KubernetesRuntimeOptions & Resolved;
  readonly #trust: EndpointTrust;
  // Grows with the overrides of the specs this executor creates (they come from its config).
  readonly #overrides: Set<string>;
  readonly #api: { group: string; version: string; plural: string; namespace: string };

  /**
   * Connects (the API server answers, the CRD is installed, Performers may be listed — within the
   * connection timeout), starts the watch cache and returns the runtime.
   */
  static async connect(options: KubernetesRuntimeOptions): Promise<KubernetesRuntime> {
    if (!options.executorId) throw new TypeError("KubernetesRuntime needs a non-empty executorId");
    const log: Logger = options.log ?? (() => {});
    const group = options.crdGroup ?? GROUP;
    const version = options.crdVersion ?? VERSION;
    const started = performance.now();
    const { custom, cache, server } = await connect({
      kubeConfig: options.kubeConfig,
      namespace: options.namespace,
      executorId: options.executorId,
      group,
      version,
      timeoutMs: options.connectionTimeoutMs,
      log,
    });
    log("info", "kubernetes runtime connected", {
      server,
      namespace: options.namespace,
      ms: elapsed(started),
    });
    return new KubernetesRuntime({ ...options, log, group, version, custom, cache });
  }

  private constructor(options: KubernetesRuntimeOptions & Resolved) {
    this.#o = options;
    this.#overrides = new Set(options.trustedOverrides ?? []);
    this.#trust = { trustedOverrides: this.#overrides };
    this.#api = {
      group: options.group,
      version: options.version,
      plural: PLURAL,
      namespace: options.namespace,
    };
  }

  async create(spec: InstanceSpec, signal?: AbortSignal): Promise<PerformerInstance> {
    const started = performance.now();
    signal?.throwIfAborted();
    const { namespace, executorId, group, version, log } = this.#o;
    const { performer, replaced } = buildPerformer(spec, { namespace, executorId, group, version });
    const name = performer.metadata.name;
    const fields = { performer: name, avs: spec.avsAddress, namespace };
    if (replaced.length > 0) {
      log("warn", "performer env entries replaced by the operator's own", { ...fields, replaced });
    }
    const k = spec.kubernetes;
    if (k?.endpointOverride) this.#overrides.add(k.endpointOverride);
    if (k?.connectVia === "podIP" && !k.endpointOverride) await this.#ensurePods();
    const action = `Cannot create Performer "${namespace}/${name}"`;
    // Not cancellable: cancelled after the API server stored it, the Performer would be left
    // without anyone knowing. A cancel is seen by the wait below, which deletes it.
    try {
      await this.#call(
        action,
        () => this.#o.custom.createNamespacedCustomObject({ ...this.#api, body: performer }),
      );
    } catch (err) {
      throw apiFailure(isAlreadyExists(err) ? "AlreadyExists" : "ApiError", action, err);
    }
    const createMs = elapsed(started);
    try {
      const { resource, endpoint } = await this.#o.cache.waitServing(name, {
        timeoutMs: this.#o.readyTimeoutMs,
        signal,
        trustedOverrides: this.#trust.trustedOverrides,
      });
      log("info", "performer ready", {
        ...fields,
        image: imageReference(spec.image),
        endpoint,
        createMs,
        readyMs: elapsed(started),
      });
      return instanceOf(resource, endpoint);
    } catch (err) {
      // The caller gets no instance to remove: remove it here (the reason is in the error).
      await this.#discard(name);
      throw err;
    }
  }

  async inspect(instance: PerformerInstance): Promise<RuntimeState> {
    const found = await this.#read(instance.resourceId);
    if (!found) {
      return {
        running: false,
        failed: true,
        detail: `Performer "${instance.resourceId}" no longer exists`,
      };
    }
    return runtimeStateOf(found);
  }

  async restart(instance: PerformerInstance): Promise<PerformerInstance> {
    const name = instance.resourceId;
    const { namespace, log } = this.#o;
    const current = await this.#read(name);
    if (!current) {
      throw new KubernetesRuntimeError(
        "NotFound",
        `Cannot restart Performer "${namespace}/${name}": it no longer exists`,
      );
    }
    if (connectionOf(current, this.#trust).connectVia === "podIP") await this.#ensurePods();
    const status = readStatus(current);
    // The operator may have replaced the pod by itself (a new pod IP): re-point, no new pod.
    const now = status.ready
      ? endpointOf(current, (p) => this.#o.cache.pod(p), this.#trust)
      : undefined;
    if (now && now !== instance.endpoint) {
      log("info", "performer endpoint changed; re-pointing", { performer: name, endpoint: now });
      return { ...instance, endpoint: now };
    }
    // A changed pod template makes the operator roll a fresh pod (old one kept until it is
    // Ready), the way `kubectl rollout restart` does; the executor Role cannot delete pods.
    const action = `Cannot restart Performer "${namespace}/${name}"`;
    const body = { spec: { config: { environment: { [RESTART_ENV]: new Date().toISOString() } } } };
    const patched = await this.#call(
      action,
      () => this.#o.custom.patchNamespacedCustomObject({ ...this.#api, name, body }, MERGE_PATCH),
    ).catch((err) => {
      throw apiFailure(isNotFound(err) ? "NotFound" : "ApiError", action, err);
    }) as PerformerResource;
    const { endpoint } = await this.#o.cache.waitServing(name, {
      timeoutMs: this.#o.readyTimeoutMs,
      generation: patched.metadata?.generation ?? 0,
      replacing: status.podName,
      trustedOverrides: this.#trust.trustedOverrides,
    });
    log("info", "performer restarted", { performer: name, endpoint });
    return { ...instance, endpoint };
  }

  async remove(instance: PerformerInstance): Promise<void> {
    await this.#delete(instance.resourceId);
  }

  async #delete(name: string): Promise<void> {
    const action = `Cannot delete Performer "${this.#o.namespace}/${name}"`;
    try {
      // The operator's finalizer deletes the pod and the Service.
      await this.#call(
        action,
        () => this.#o.custom.deleteNamespacedCustomObject({ ...this.#api, name }),
      );
    } catch (err) {
      if (isNotFound(err)) return;
      throw apiFailure("ApiError", action, err);
    }
    this.#o.log("info", "performer removed", { performer: name, namespace: this.#o.namespace });
  }

  async listOwned(): Promise<PerformerInstance[]> {
    const action = `Cannot list this executor's Performers in namespace "${this.#o.namespace}"`;
    const labelSelector = executorSelector(this.#o.executorId);
    // From the API server, not the cache: adoption decisions deserve the authoritative list.
    const list = await this.#call(
      action,
      () => this.#o.custom.listNamespacedCustomObject({ ...this.#api, labelSelector }),
    ).catch((err) => {
      throw apiFailure("ApiError", action, err);
    }) as { items?: PerformerResource[] };
    const live = (list.items ?? []).filter((r) => !r.metadata?.deletionTimestamp);
    if (live.some((r) => connectionOf(r, this.#trust).connectVia === "podIP")) {
      await this.#ensurePods();
    }
    return live.map((r) =>
      instanceOf(r, endpointOf(r, (p) => this.#o.cache.pod(p), this.#trust) ?? "")
    );
  }

  async close(): Promise<void> {
    await this.#o.cache.stop();
  }

  /** The Performer from the cache, else from the API server; undefined when it is gone. */
  async #read(name: string): Promise<PerformerResource | undefined> {
    const cached = this.#o.cache.performer(name);
    if (cached) return cached;
    const action = `Cannot read Performer "${this.#o.namespace}/${name}"`;
    try {
      return await this.#call(
        action,
        () => this.#o.custom.getNamespacedCustomObject({ ...this.#api, name }),
      ) as PerformerResource;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw apiFailure("ApiError", action, err);
    }
  }

  #ensurePods(): Promise<void> {
    return this.#o.cache.ensurePods(this.#o.connectionTimeoutMs);
  }

  /** Best-effort delete of a Performer this runtime failed to hand out. */
  async #discard(name: string): Promise<void> {
    await this.#delete(name).catch((err) =>
      this.#o.log("warn", "cannot delete a Performer that did not start", {
        performer: name,
        error: (err as Error).message,
      })
    );
  }

  /** One API call, bounded by the connection timeout; failures become KubeApiError. */
  #call<T>(action: string, fn: () => Promise<T>): Promise<T> {
    return kubeCall(action, () => withTimeout(fn(), this.#o.connectionTimeoutMs));
  }
}

function elapsed(started: number): number {
  return Math.round(performance.now() - started);
}
