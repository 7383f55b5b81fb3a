/**
 * The AVSs this executor serves: those in its config, plus those a DeployArtifact created (as the
 * Go executor does for an AVS it has no performer for — `hgctl`'s flow starts from a config with
 * no performers). Created AVSs get the config's `avsDefaults` and are remembered in the store, so
 * a restart serves them again. The task path and the concurrency limits read the same live view.
 * @module
 */

import { z } from "zod";
import type { AvsPerformerConfig, PerformerImage } from "../shared/config/executor_config.ts";
import type { SignatureScheme } from "./signing/keys.ts";
import { ConcurrencyLimits } from "./task/concurrency.ts";
import type { AvsTaskSettings } from "./task/pipeline.ts";

const STORE_PREFIX = ["avs"] as const;

/** What the store keeps of a created AVS. */
const StoredAvs = z.object({
  avsAddress: z.string().regex(/^0x[0-9a-fA-F]{40}$/),
  // As DeployArtifact gives it: a digest-only image has an empty tag.
  image: z.object({
    repository: z.string().min(1),
    tag: z.string(),
    digest: z.string().optional(),
  }),
});
type StoredAvs = z.infer<typeof StoredAvs>;

/** Builds the config of an AVS that DeployArtifact creates (from `avsDefaults`). */
export type CreateAvs = (avs: { avsAddress: string; image: PerformerImage }) => AvsPerformerConfig;

/** One AVS as the registry keeps it. */
export interface AvsEntry {
  config: AvsPerformerConfig;
  /** Whether it came from DeployArtifact rather than the config file. */
  created: boolean;
}

/** The AVSs served, by lower-case address. */
export class AvsRegistry {
  readonly #entries = new Map<string, AvsEntry>();
  readonly #kv: Deno.Kv;
  readonly #create: CreateAvs;
  readonly #defaultScheme: SignatureScheme;
  /** Task settings per AVS, kept in step with the entries (the task path reads this map). */
  readonly taskSettings = new Map<string, AvsTaskSettings>();
  /** Concurrency limits per AVS, kept in step with the entries. */
  readonly limits = new ConcurrencyLimits(new Map());

  private constructor(kv: Deno.Kv, create: CreateAvs, defaultScheme: SignatureScheme) {
    this.#kv = kv;
    this.#create = create;
    this.#defaultScheme = defaultScheme;
  }

  /**
   * The configured AVSs plus those created earlier (from the store). A configured AVS wins over
   * a stored one of the same address.
   */
  static async open(options: {
    kv: Deno.Kv;
    configured: readonly AvsPerformerConfig[];
    create: CreateAvs;
    /** The curve when an AVS sets none (bn254 when the operator has a BLS key, else ecdsa). */
    defaultScheme: SignatureScheme;
  }): Promise<AvsRegistry> {
    const registry = new AvsRegistry(options.kv, options.create, options.defaultScheme);
    for (const config of options.configured) registry.#add(config, false);
    for await (const entry of options.kv.list<unknown>({ prefix: [...STORE_PREFIX] })) {
      const stored = StoredAvs.safeParse(entry.value);
      // A stored entry that does not validate (e.g. written by another version) is skipped.
      if (!stored.success || registry.has(stored.data.avsAddress)) continue;
      registry.#add(options.create(stored.data), true);
    }
    return registry;
  }

  /** Whether `avs` is served. */
  has(avs: string): boolean {
    return this.#entries.has(avs.toLowerCase());
  }

  /** The config of `avs`, if served. */
  get(avs: string): AvsPerformerConfig | undefined {
    return this.#entries.get(avs.toLowerCase())?.config;
  }

  /** Every AVS served, configured ones first. */
  all(): AvsEntry[] {
    return [...this.#entries.values()];
  }

  /**
   * The config of `avs`, creating it from `avsDefaults` with `image` when it is not served yet;
   * a created AVS is stored before it is returned.
   */
  async ensure(avsAddress: string, image: PerformerImage): Promise<AvsEntry> {
    const existing = this.#entries.get(avsAddress.toLowerCase());
    if (existing) return existing;
    const config = this.#create({ avsAddress, image });
    // Only the address and first image are stored: the settings come from the current
    // avsDefaults at every start, so a changed default applies to created AVSs too.
    const stored: StoredAvs = { avsAddress, image };
    await this.#kv.set([...STORE_PREFIX, avsAddress.toLowerCase()], stored);
    // A concurrent call may have created it meanwhile; the first one stays.
    return this.#entries.get(avsAddress.toLowerCase()) ?? this.#add(config, true);
  }

  /**
   * Forgets an AVS DeployArtifact created (configured ones stay), from memory and the store:
   * for a first deploy that failed, so that no AVS without a performer is left served.
   */
  async forget(avsAddress: string): Promise<boolean> {
    const key = avsAddress.toLowerCase();
    if (!this.#entries.get(key)?.created) return false;
    this.#entries.delete(key);
    this.taskSettings.delete(key);
    await this.#kv.delete([...STORE_PREFIX, key]);
    return true;
  }

  #add(config: AvsPerformerConfig, created: boolean): AvsEntry {
    const key = config.avsAddress.toLowerCase();
    const entry = { config, created };
    this.#entries.set(key, entry);
    this.taskSettings.set(key, {
      aggregators: config.aggregators,
      scheme: config.signingCurve ?? this.#defaultScheme,
      taskTimeoutMs: config.taskTimeout,
    });
    this.limits.setLimit(key, config.maxConcurrentTasks);
    return entry;
  }
}
