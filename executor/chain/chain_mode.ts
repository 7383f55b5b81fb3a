/**
 * Which trust mode a config runs in, and chain mode's start: with `l1Chain.rpcUrl` and an
 * AllocationManager and KeyRegistrar that resolve (a known deployment, or `overrideContracts`),
 * tasks are checked against EigenLayer (`chain_trust.ts`, through the event-following cache of
 * `cached_reader.ts`); otherwise against the aggregators the config lists (offline mode).
 * @module
 */

import type { Address } from "viem";
import { redactUrl } from "../../shared/config/chain_config.ts";
import { resolveChainContracts, type ResolvedContract } from "../../shared/config/contracts.ts";
import type { ExecutorConfig } from "../../shared/config/executor_config.ts";
import type { Logger } from "../../shared/runtime/log.ts";
import type { CertificateVerifierRef } from "../signing/certificate.ts";
import type { SigningKeys } from "../signing/keys.ts";
import type { AuthorizeTask } from "../task/pipeline.ts";
import { CachedOperatorSetReader } from "./cached_reader.ts";
import { type ChainSource, viemChainSource } from "./chain_source.ts";
import { chainTrust } from "./chain_trust.ts";

/** How a config's tasks are trusted. */
export type TrustMode =
  | {
    mode: "chain";
    rpcUrl: string;
    allocationManager: ResolvedContract;
    keyRegistrar: ResolvedContract;
    pollIntervalMs: number;
  }
  | {
    mode: "config";
    /** Why a config with an rpcUrl still runs offline. */
    warning?: string;
  };

/** The trust mode of a config. */
export function trustModeOf(config: ExecutorConfig): TrustMode {
  const rpcUrl = config.l1Chain?.rpcUrl;
  if (rpcUrl === undefined) return { mode: "config" };
  const resolved = resolveChainContracts(config);
  if (resolved.contracts === undefined) {
    const keys = resolved.missing.map((name) => `overrideContracts.${name}`).join(" and ");
    return {
      mode: "config",
      warning: `l1Chain.rpcUrl is set, but chain ${config.l1Chain?.chainId} has no known ` +
        `EigenLayer deployment and ${keys} ${resolved.missing.length > 1 ? "are" : "is"} not ` +
        `set: tasks are checked against avsPerformers[].aggregators (offline mode), not ` +
        `against the chain`,
    };
  }
  return {
    mode: "chain",
    rpcUrl,
    ...resolved.contracts,
    pollIntervalMs: config.l1Chain!.pollInterval,
  };
}

/** Warnings about config keys that chain mode does not use. */
export function chainModeWarnings(config: ExecutorConfig): string[] {
  const listed = config.avsPerformers
    .map((p, i) => p.aggregators.length > 0 ? `avsPerformers[${i}].aggregators` : undefined)
    .filter((path): path is string => path !== undefined);
  if (config.avsDefaults.aggregators.length > 0) listed.push("avsDefaults.aggregators");
  if (listed.length === 0) return [];
  return [
    `${listed.join(", ")}: not used in chain mode (l1Chain.rpcUrl is set): the aggregator is ` +
    `the one holding the key KeyRegistrar has for the AVS's aggregator operator set`,
  ];
}

/** Chain mode, running. */
export interface ChainMode {
  authorize: AuthorizeTask;
  reader: CachedOperatorSetReader;
  /** What the start-up log line says about it. */
  describe: Record<string, string>;
  stop(): void;
}

/** Options of {@linkcode startChainMode}. */
export interface ChainModeOptions {
  log: Logger;
  keys: SigningKeys;
  ecdsaVerifier?: CertificateVerifierRef;
  /** Replaces the viem source (tests). */
  source?: ChainSource;
}

/**
 * Starts chain mode when the config asks for it (undefined: offline mode, after logging why a
 * config with an rpcUrl stays offline). The first read of the chain may fail: tasks are then
 * refused with UNAVAILABLE until a read succeeds; nothing needs a restart.
 */
export async function startChainMode(
  config: ExecutorConfig,
  options: ChainModeOptions,
): Promise<ChainMode | undefined> {
  const { log } = options;
  const mode = trustModeOf(config);
  if (mode.mode === "config") {
    if (mode.warning) log("warn", mode.warning);
    return undefined;
  }
  for (const warning of chainModeWarnings(config)) log("warn", warning);
  const source = options.source ?? viemChainSource({
    rpcUrl: mode.rpcUrl,
    allocationManager: mode.allocationManager.address as Address,
    keyRegistrar: mode.keyRegistrar.address as Address,
  });
  const reader = new CachedOperatorSetReader({
    source,
    pollIntervalMs: mode.pollIntervalMs,
    log,
  });
  await reader.sync().catch(() => {}); // logged by the reader; tasks retry
  reader.start();
  return {
    authorize: chainTrust({
      reader,
      operatorAddress: config.operator.address,
      keys: options.keys,
      ecdsaVerifier: options.ecdsaVerifier,
    }),
    reader,
    describe: {
      l1Rpc: redactUrl(mode.rpcUrl),
      allocationManager: mode.allocationManager.address,
      keyRegistrar: mode.keyRegistrar.address,
      startBlock: String(reader.stats().startBlock ?? "not read yet"),
    },
    stop: () => reader.stop(),
  };
}
