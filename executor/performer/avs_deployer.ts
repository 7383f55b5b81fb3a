/**
 * Deploys and recovers the performers of the AVSs this executor serves, on top of the lifecycle:
 *
 * - `deploy`: one AVS's configured env (plus a DeployArtifact's) resolved for the mode, a service
 *   account override applied, a blue-green deploy, and the image remembered as the one wanted;
 * - `recover` (start-up): per AVS, adopt the newest running performer this executor made with the
 *   wanted image (the last one deployed, else the configured one); remove other leftovers;
 *   deploy where nothing could be adopted, retrying failed deploys in the background (5 s
 *   doubling to 5 min) until one succeeds or the executor stops.
 * @module
 */

import {
  type AvsPerformerConfig,
  type DeploymentMode,
  type PerformerImage,
  PerformerKubernetesConfig,
} from "../../shared/config/executor_config.ts";
import { delay, exponentialBackoff } from "../../shared/controller/mod.ts";
import type { Logger } from "../../shared/runtime/log.ts";
import { type EnvEntry, resolveEnv } from "./env.ts";
import type { InstanceInfo, PerformerLifecycle } from "./lifecycle.ts";

const DEPLOYMENTS = ["deployments"] as const;

/** What {@linkcode AvsDeployer} needs. */
export interface AvsDeployerOptions {
  lifecycle: PerformerLifecycle;
  mode: DeploymentMode;
  /** The executor's environment, for `valueFromEnv`. */
  processEnv: Record<string, string>;
  /** Where the last deployed image per AVS is remembered. */
  kv: Deno.Kv;
  log: Logger;
}

/** Extra settings of a deploy that DeployArtifact asked for. */
export interface DeployExtras {
  env?: EnvEntry[];
  serviceAccountName?: string;
}

/** Deploys, remembers and recovers the performers of AVSs. */
export class AvsDeployer {
  readonly #o: AvsDeployerOptions;

  constructor(options: AvsDeployerOptions) {
    this.#o = options;
  }

  /** Blue-green deploys `image` for `avs`; on success remembers it as the image to run. */
  async deploy(
    avs: AvsPerformerConfig,
    image: PerformerImage,
    extras: DeployExtras = {},
  ): Promise<InstanceInfo> {
    const { serviceAccountName } = extras;
    // A service account from DeployArtifact applies even when the config has no kubernetes section.
    const kubernetes = serviceAccountName
      ? { ...(avs.kubernetes ?? PerformerKubernetesConfig.parse({})), serviceAccountName }
      : avs.kubernetes;
    const info = await this.#o.lifecycle.deploy({
      avsAddress: avs.avsAddress,
      image,
      env: resolveEnv([...avs.envs, ...(extras.env ?? [])], this.#o.processEnv, this.#o.mode),
      kubernetes,
    });
    await this.#o.kv.set([...DEPLOYMENTS, avs.avsAddress.toLowerCase()], { image });
    return info;
  }

  /** The image `avs` should run: the last one deployed, else its configured one. */
  async wantedImage(avs: AvsPerformerConfig): Promise<PerformerImage> {
    const key = [...DEPLOYMENTS, avs.avsAddress.toLowerCase()];
    const deployed = (await this.#o.kv.get<{ image: PerformerImage }>(key)).value?.image;
    return deployed ?? avs.image;
  }

  /**
   * Start-up: adopts or deploys a performer for each AVS and removes leftovers. A deploy that
   * fails is logged and retried in the background until `signal` aborts.
   */
  async recover(avsList: readonly AvsPerformerConfig[], signal: AbortSignal): Promise<void> {
    const { lifecycle, log } = this.#o;
    const owned = await lifecycle.listOwnedInstances();
    const adopted = new Set<string>();
    for (const avs of avsList) {
      const key = avs.avsAddress.toLowerCase();
      const wanted = await this.wantedImage(avs);
      const candidates = owned
        .filter((i) => i.avsAddress.toLowerCase() === key && sameImage(i.image, wanted))
        .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
      for (const candidate of candidates) {
        if (await lifecycle.adopt(candidate)) {
          adopted.add(candidate.performerId);
          log("info", "adopted a running performer", {
            avs: avs.avsAddress,
            performerId: candidate.performerId,
          });
          break;
        }
      }
      if (!lifecycle.hasCurrent(avs.avsAddress)) {
        await this.deploy(avs, wanted).catch((err) => {
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
        log("info", "removing a leftover performer", { performerId: instance.performerId });
        await lifecycle.removeInstance(instance);
      }
    }
  }

  /** Retries a failed deploy with back-off until it succeeds, another one does, or we stop. */
  #retry(avs: AvsPerformerConfig, image: PerformerImage, signal: AbortSignal): void {
    const { lifecycle, log } = this.#o;
    const done = () => signal.aborted || lifecycle.hasCurrent(avs.avsAddress);
    const backoff = exponentialBackoff({ minTimeout: 5_000, maxTimeout: 300_000 });
    (async () => {
      while (!done()) {
        await delay(backoff.next(), signal).catch(() => {});
        if (done()) return;
        await this.deploy(avs, image).catch((err) =>
          log("warn", "deploy retry failed", { avs: avs.avsAddress, error: err.message })
        );
      }
    })();
  }
}

function sameImage(a: PerformerImage, b: PerformerImage): boolean {
  return a.repository === b.repository && (a.digest || a.tag) === (b.digest || b.tag);
}
