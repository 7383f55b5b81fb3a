/**
 * `deno task chain`: runs a local EigenLayer chain (anvil + the genuine contracts) until SIGINT,
 * SIGTERM or the parent process going away.
 *
 * Prints `RPC_URL=<url>`, `CHAIN_ID=<id>`, one `<contract>=<address> version <v>` line per
 * contract, then `chain ready`. `--keep` keeps anvil's log folder.
 * @module
 */

import { shutdownSignal } from "../../shared/runtime/shutdown_signal.ts";
import { startLocalChain } from "./local_chain.ts";
import { EIGENLAYER_CONTRACTS_MODULE, EIGENLAYER_CONTRACTS_VERSION } from "./versions.ts";

const log = (line: string) => console.error(`[chain] ${line}`);
const started = Date.now();
log("starting anvil and deploying the EigenLayer contracts (the first run installs anvil)");
const chain = await startLocalChain({ log, keepDir: Deno.args.includes("--keep") });
console.log(`RPC_URL=${chain.rpcUrl}`);
console.log(`CHAIN_ID=${chain.chainId}`);
for (const [name, address] of Object.entries(chain.contracts)) {
  const version = chain.versions[name as keyof typeof chain.versions];
  console.log(`${name}=${address}${version ? ` version ${version}` : ""}`);
}
console.log("chain ready");
log(`contracts from ${EIGENLAYER_CONTRACTS_MODULE}@${EIGENLAYER_CONTRACTS_VERSION}`);
log(`dev accounts (unlocked): ${chain.accounts.slice(0, 3).join(", ")}, …`);
log(
  `ready in ${((Date.now() - started) / 1000).toFixed(1)} s; anvil's log: ${chain.dir}/anvil.log`,
);

const reason = await shutdownSignal();
log(`stopping (${reason})`);
await chain.stop();
log("stopped");
Deno.exit(0);
