/**
 * Deploys and recovers the performers of the AVSs this executor serves, on top of the lifecycle:
 *
 * - `deploy` (DeployArtifact): one AVS's configured env (plus the request's) resolved for the
 *   mode, a service account override applied, a blue-green deploy, and the deployment (image and
 *   the request's extras) remembered as the one wanted;
 * - `recover` (start-up): per AVS, adopt the newest running performer this executor made of the
 *   wanted spec: the wanted image (the last one DeployArtifact deployed, else the configured one;
 *   start-up deploys are not remembered, so an edited config image is deployed) and the same
 *   {@linkcode specFingerprint} (configured env, kubernetes settings and the last DeployArtifact's
 *   extras), or no fingerprint at all (made by an older executor: image only, as before); remove
 *   other leftovers; deploy (with the remembered extras) where nothing could be adopted, retrying
 *   failed deploys in the background (5 s doubling to 5 min) until one succeeds or the executor
 *   stops.
 * @module
 */

import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import {
  type AvsPerformerConfig,
  type DeploymentMode,
  type PerformerImage,
  PerformerKubernetesConfig,
} from "../../shared/config/executor_config.ts";
import { delay, exponentialBackoff } from "../../shared/controller/mod.ts";
import type { Logger } from "../../shared/runtime/log.ts";
import type { z } from "zod";
import { TaskError } from "../task/errors.ts";
import { type EnvEntry, resolveEnv } from "./env.ts";
import { imageReference } from "./image.ts";
import type { InstanceInfo, PerformerLifecycle } from "./lifecycle.ts";
import type { InstanceSpec, PerformerInstance } from "./runtime.ts";

const DEPLOYMENTS = ["deployments"] as const;
/** Hex digits of a fingerprint: 128 bits, well inside a label value's 63 characters. */
const FINGERPRINT_HEX = 32;
/**
 * Largest remembered deployment, as JSON characters: Deno KV refuses values over 64 KiB, and a
 * deploy whose extras could not be remembered would come back without them after a restart.
 */
const MAX_RECORD_CHARS = 60_000;

/** What {@linkcode AvsDeployer} uses of the lifecycle. */
export type DeployerLifecycle = Pick<
  PerformerLifecycle,
  "deploy" | "adopt" | "hasCurrent" | "listOwnedInstances" | "removeInstance"
>;

/** What {@linkcode AvsDeployer} needs. */
export interface AvsDeployerOptions {
  lifecycle: DeployerLifecycle;
  mode: DeploymentMode;
  /** The executor's environment, for `valueFromEnv`. */
  processEnv: Record<string, string>;
  /** Where the last deployment per AVS is remembered. */
  kv: Deno.Kv;
  log: Logger;
}

/** Extra settings of a deploy that DeployArtifact asked for. */
export interface DeployExtras {
  env?: EnvEntry[];
  serviceAccountName?: string;
}

/**
 * The deployment an AVS should run, as remembered in the store under `["deployments", avs]`
 * (records of older versions hold only `image`: they load with no extras).
 */
export interface WantedDeployment {
  image: PerformerImage;
  extras: DeployExtras;
}

/** What a deploy makes of an AVS's config and a DeployArtifact's extras, before resolving env. */
export interface DeploySource {
  image: PerformerImage;
  /** Env entries as configured, config first, then DeployArtifact's. */
  env: EnvEntry[];
  /** Kubernetes mode only: the AVS's kubernetes section with the service account override. */
  kubernetes?: KubernetesSettings;
}

type KubernetesSettings = z.output<typeof PerformerKubernetesConfig>;

/**
 * A fingerprint of what a deploy creates: sha256 of a canonical JSON (sorted keys) of the image
 * reference that runs, the env entries as configured (later entries of a name win, as when
 * resolving) and the kubernetes settings; 32 hex digits, so it fits a label value.
 *
 * The env entries are taken as written — names, literal values, `valueFromEnv` names and
 * Secret/ConfigMap references — never the values resolved from the executor's environment or a
 * Secret: a hash of a secret in a label readable by whoever can list containers or Performers
 * would be an oracle to brute-force it with. So a changed secret value alone does not make a
 * restarted executor replace its performer (restart it, or deploy, to pass a new value on).
 */
export function specFingerprint(source: DeploySource): string {
  const env = new Map<string, EnvEntry>();
  for (const entry of source.env) env.set(entry.name, canonicalEntry(entry));
  const canonical = canonicalJson({
    image: imageReference(source.image),
    env: [...env.values()].sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
    kubernetes: source.kubernetes,
  });
  return bytesToHex(sha256(new TextEncoder().encode(canonical))).slice(0, FINGERPRINT_HEX);
}

/**
 * An entry reduced to what resolves (the way `resolveEnv` reads it): `valueFromEnv`, else a
 * Secret/ConfigMap reference, else the literal value. Empty strings and nulls of gRPC requests
 * are dropped, so a request and a config that mean the same give the same entry.
 */
export function canonicalEntry(entry: EnvEntry): EnvEntry {
  const { name } = entry;
  if (entry.valueFromEnv) return { name, valueFromEnv: entry.valueFromEnv };
  const ref = entry.kubernetesEnv?.valueFrom;
  if (ref?.secretKeyRef) {
    const { name: secret, key } = ref.secretKeyRef;
    return { name, kubernetesEnv: { valueFrom: { secretKeyRef: { name: secret, key } } } };
  }
  if (ref?.configMapKeyRef) {
    const { name: configMap, key } = ref.configMapKeyRef;
    return { name, kubernetesEnv: { valueFrom: { configMapKeyRef: { name: configMap, key } } } };
  }
  return { name, value: entry.value ?? "" };
}

/** JSON with object keys sorted and undefined members dropped. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) => {
    if (v && typeof v === "object" && !Array.isArray(v)) {
      return Object.fromEntries(
        Object.keys(v).sort().filter((k) => v[k] !== undefined).map((k) => [k, v[k]]),
      );
    }
    return v;
  });
}

/** Deploys, remembers and recovers the performers of AVSs. */
export class AvsDeployer {
  readonly #o: AvsDeployerOptions;

  constructor(options: AvsDeployerOptions) {
    this.#o = options;
  }

  /**
   * DeployArtifact: blue-green deploys `image` for `avs` with `extras`; on success remembers both
   * as the deployment to run, also after a restart (instead of the configured image).
   */
  async deploy(
    avs: AvsPerformerConfig,
    image: PerformerImage,
    extras: DeployExtras = {},
  ): Promise<InstanceInfo> {
    const wanted: WantedDeployment = { image, extras: rememberedExtras(extras) };
    const size = JSON.stringify(wanted).length;
    if (size > MAX_RECORD_CHARS) {
      throw new TaskError(
        "InvalidArgument",
        `the deployment is too large to remember across restarts (${size} characters of image ` +
          `and env as JSON, at most ${MAX_RECORD_CHARS})`,
      );
    }
    const info = await this.#deploy(avs, wanted);
    await this.#o.kv.set([...DEPLOYMENTS, avs.avsAddress.toLowerCase()], wanted);
    return info;
  }

  /**
   * Deploys `wanted` without remembering it: start-up and its retries deploy what is remembered,
   * else the configured image — which must stay the configured one, so that an edited `image` in
   * the config is deployed at the next start (only a DeployArtifact replaces it).
   */
  #deploy(avs: AvsPerformerConfig, wanted: WantedDeployment): Promise<InstanceInfo> {
    const spec = this.#spec(avs, wanted);
    return this.#o.lifecycle.deploy({
      ...spec,
      env: resolveEnv(spec.env, this.#o.processEnv, this.#o.mode),
    });
  }

  /** The deployment `avs` should run: the last one DeployArtifact deployed, else the configured. */
  async wanted(avs: AvsPerformerConfig): Promise<WantedDeployment> {
    const key = [...DEPLOYMENTS, avs.avsAddress.toLowerCase()];
    const stored = (await this.#o.kv.get<Partial<WantedDeployment>>(key)).value;
    if (!stored?.image) return { image: avs.image, extras: {} };
    return { image: stored.image, extras: rememberedExtras(stored.extras ?? {}) };
  }

  /** The fingerprint a performer of `wanted` for `avs` carries. */
  fingerprint(avs: AvsPerformerConfig, wanted: WantedDeployment): string {
    return this.#spec(avs, wanted).specFingerprint;
  }

  /** What a deploy of `wanted` for `avs` starts, env not resolved yet. */
  #spec(
    avs: AvsPerformerConfig,
    wanted: WantedDeployment,
  ): Omit<InstanceSpec, "performerId" | "env"> & { env: EnvEntry[]; specFingerprint: string } {
    const { serviceAccountName } = wanted.extras;
    // A service account from DeployArtifact applies even when the config has no kubernetes section.
    const kubernetes = serviceAccountName
      ? { ...(avs.kubernetes ?? PerformerKubernetesConfig.parse({})), serviceAccountName }
      : avs.kubernetes;
    const env = [...avs.envs, ...(wanted.extras.env ?? [])].map(canonicalEntry);
    const fingerprint = specFingerprint({
      image: wanted.image,
      env,
      // Docker mode ignores the kubernetes section: editing it must not replace containers.
      // No section and an empty one deploy the same, so they fingerprint the same.
      ...(this.#o.mode === "kubernetes"
        ? { kubernetes: kubernetes ?? PerformerKubernetesConfig.parse({}) }
        : {}),
    });
    return {
      avsAddress: avs.avsAddress,
      image: wanted.image,
      env,
      kubernetes,
      specFingerprint: fingerprint,
    };
  }

  /**
   * Start-up: adopts or deploys a performer for each AVS and removes leftovers. A deploy that
   * fails is logged and retried in the background until `signal` aborts.
   */
  async recover(avsList: readonly AvsPerformerConfig[], signal: AbortSignal): Promise<void> {
    const { lifecycle, log } = this.#o;
    const owned = await lifecycle.listOwnedInstances();
    const adopted = new Set<string>();
    /** Why an owned instance is not adopted, by performer id (default: not a served AVS). */
    const notAdopted = new Map<string, string>();
    for (const avs of avsList) {
      const key = avs.avsAddress.toLowerCase();
      const wanted = await this.wanted(avs);
      const fingerprint = this.fingerprint(avs, wanted);
      const candidates: PerformerInstance[] = [];
      for (const instance of owned) {
        if (instance.avsAddress.toLowerCase() !== key) continue;
        const reason = mismatch(instance, wanted.image, fingerprint);
        if (reason) notAdopted.set(instance.performerId, reason);
        else candidates.push(instance);
      }
      // The newest of the wanted spec first, then the newest made by an older executor.
      candidates.sort((a, b) =>
        Number(b.specFingerprint !== undefined) - Number(a.specFingerprint !== undefined) ||
        b.createdAt.getTime() - a.createdAt.getTime()
      );
      for (const candidate of candidates) {
        notAdopted.set(candidate.performerId, "a newer one was adopted");
        if (await lifecycle.adopt(candidate)) {
          adopted.add(candidate.performerId);
          notAdopted.delete(candidate.performerId);
          const legacy = candidate.specFingerprint === undefined;
          log(
            "info",
            legacy
              ? "adopted a running performer made by an older executor (no spec fingerprint: " +
                "only its image was checked)"
              : "adopted a running performer",
            { avs: avs.avsAddress, performerId: candidate.performerId },
          );
          break;
        }
        notAdopted.set(candidate.performerId, "not serving");
      }
      if (!lifecycle.hasCurrent(avs.avsAddress)) {
        await this.#deploy(avs, wanted).catch((err) => {
          log("error", "initial deploy failed; retrying in the background", {
            avs: avs.avsAddress,
            error: err.message,
          });
          this.#retry(avs, wanted, signal);
        });
      }
    }
    for (const instance of owned) {
      if (!adopted.has(instance.performerId)) {
        log("info", "removing a leftover performer", {
          performerId: instance.performerId,
          avs: instance.avsAddress,
          reason: notAdopted.get(instance.performerId) ?? "its AVS is not served",
        });
        await lifecycle.removeInstance(instance);
      }
    }
  }

  /** Retries a failed deploy with back-off until it succeeds, another one does, or we stop. */
  #retry(avs: AvsPerformerConfig, wanted: WantedDeployment, signal: AbortSignal): void {
    const { lifecycle, log } = this.#o;
    const done = () => signal.aborted || lifecycle.hasCurrent(avs.avsAddress);
    const backoff = exponentialBackoff({ minTimeout: 5_000, maxTimeout: 300_000 });
    (async () => {
      while (!done()) {
        await delay(backoff.next(), signal).catch(() => {});
        if (done()) return;
        await this.#deploy(avs, wanted).catch((err) =>
          log("warn", "deploy retry failed", { avs: avs.avsAddress, error: err.message })
        );
      }
    })();
  }
}

/** DeployArtifact's extras as remembered: only these two fields, env entries canonical. */
function rememberedExtras(extras: DeployExtras): DeployExtras {
  return {
    ...(extras.env?.length ? { env: extras.env.map(canonicalEntry) } : {}),
    ...(extras.serviceAccountName ? { serviceAccountName: extras.serviceAccountName } : {}),
  };
}

/** Why `instance` cannot be adopted as the wanted deployment, or undefined when it can. */
function mismatch(
  instance: PerformerInstance,
  image: PerformerImage,
  fingerprint: string,
): string | undefined {
  if (!sameImage(instance.image, image)) {
    return `not the wanted image (${imageReference(instance.image)}, wanted ${
      imageReference(image)
    })`;
  }
  // No fingerprint: made by an executor before fingerprints; its image is all we can check.
  if (instance.specFingerprint !== undefined && instance.specFingerprint !== fingerprint) {
    return "spec changed (env, kubernetes settings or DeployArtifact extras differ from the " +
      "wanted ones)";
  }
  return undefined;
}

function sameImage(a: PerformerImage, b: PerformerImage): boolean {
  return a.repository === b.repository && (a.digest || a.tag) === (b.digest || b.tag);
}
