/**
 * A local EigenLayer chain: anvil with the genuine EigenLayer contracts deployed from the Go
 * module Ponos pins. For tests and `deno task dev`; `deno task chain` runs one by hand.
 * @module
 */

import { type Abi, type Address, createWalletClient, defineChain, http, publicActions } from "viem";
import type { BuildOptions } from "../cluster/binaries.ts";
import { reapOrphans, writeOwnerRecord } from "../process.ts";
import { type AnvilNode, startAnvil } from "./anvil.ts";
import {
  type ChainClient,
  type ContractAddresses,
  type ContractName,
  deployEigenLayer,
} from "./contracts.ts";
import { LOCAL_CHAIN_ID } from "./versions.ts";

/** A running local chain with the EigenLayer contracts deployed. */
export interface LocalChain {
  /** HTTP JSON-RPC endpoint on loopback. */
  rpcUrl: string;
  /** Always 31337. */
  chainId: number;
  /** Where each contract lives (the proxy, for proxied ones: call these). */
  contracts: ContractAddresses;
  /** The implementation behind each proxied contract. */
  implementations: Partial<ContractAddresses>;
  /** Each contract's `version()`, read back from the chain. */
  versions: Partial<Record<ContractName, string>>;
  /** The genuine ABIs from the Go bindings. */
  abis: Record<ContractName, Abi>;
  /** anvil's funded, unlocked dev accounts; the first deployed the contracts. */
  accounts: Address[];
  /** Holds anvil's log. */
  dir: string;
  /** Process ids to signal from an unload handler, which cannot await `stop()`. */
  pids: number[];
  /** Stops anvil and removes `dir` (unless `keepDir`). */
  stop(): Promise<void>;
}

/** Options for {@linkcode startLocalChain}. */
export interface LocalChainOptions extends BuildOptions {
  /** Directory for anvil's log and the owner record; a new temporary one by default. */
  dir?: string;
  /** Keep `dir` after stopping (for reading anvil's log). */
  keepDir?: boolean;
}

const DIR_PREFIX = "hourglass-chain-";
const TEMP_PARENT = "/tmp";

/** Starts anvil (installing it on first use) and deploys the EigenLayer contracts. */
export async function startLocalChain(options: LocalChainOptions = {}): Promise<LocalChain> {
  const reaped = await reapOrphans(TEMP_PARENT, DIR_PREFIX);
  if (reaped > 0) options.log?.(`cleaned up ${reaped} local chain(s) left by runs that died`);
  const dir = options.dir ?? await Deno.makeTempDir({ dir: TEMP_PARENT, prefix: DIR_PREFIX });
  let anvil: AnvilNode | undefined;
  const stop = async () => {
    await anvil?.stop();
    if (!options.keepDir) await Deno.remove(dir, { recursive: true }).catch(() => {});
  };
  try {
    anvil = await startAnvil({ ...options, dir });
    await writeOwnerRecord(dir, [anvil.process.pid]);
    const client = createChainClient(anvil.rpcUrl);
    const accounts = await client.getAddresses();
    const started = Date.now();
    const deployment = await deployEigenLayer(client, accounts[0], options);
    options.log?.(`EigenLayer contracts deployed in ${Date.now() - started} ms`);
    return {
      rpcUrl: anvil.rpcUrl,
      chainId: anvil.chainId,
      ...deployment,
      accounts,
      dir,
      pids: [anvil.process.pid],
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** A viem client (wallet and public actions) for a local chain's JSON-RPC endpoint. */
export function createChainClient(rpcUrl: string): ChainClient {
  const chain = defineChain({
    id: LOCAL_CHAIN_ID,
    name: "Hourglass local",
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  });
  // viem polls every 4 s by default (a public chain's block time): waiting for a receipt that
  // anvil's automine had not yet written would stall a deployment for seconds.
  return createWalletClient({ chain, transport: http(rpcUrl), pollingInterval: 50 })
    .extend(publicActions);
}
