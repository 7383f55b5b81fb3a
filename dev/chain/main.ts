/**
 * `deno task chain`: runs a local EigenLayer chain (anvil + the genuine contracts) until SIGINT,
 * SIGTERM or the parent process going away.
 *
 * Prints `RPC_URL=<url>`, `CHAIN_ID=<id>`, one `<contract>=<address> version <v>` line per
 * contract, the Hourglass scenario (`scenario.ts`: `avs=`, `avsRegistrar=`, `operatorSets=`,
 * `aggregator=`, `aggregator.ecdsaKey=`, `executor=`, `executor.ecdsaKey=`, `executor.bn254Key=`,
 * `scenarioBlock=`; the keys are public test values), then `chain ready`. `--keep` keeps
 * anvil's log folder.
 * @module
 */

import { shutdownSignal } from "../../shared/runtime/shutdown_signal.ts";
import { createChainClient, startLocalChain } from "./local_chain.ts";
import { type ChainScenario, deployHourglassScenario } from "./scenario.ts";
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
const scenario = await deployHourglassScenario({
  ...chain,
  client: createChainClient(chain.rpcUrl),
}).catch(async (err) => {
  await chain.stop();
  throw err;
});
printScenario(scenario);
console.log("chain ready");
log(`contracts from ${EIGENLAYER_CONTRACTS_MODULE}@${EIGENLAYER_CONTRACTS_VERSION}`);
log(`dev accounts (unlocked): ${chain.accounts.slice(0, 3).join(", ")}, …`);
log("scenario keys are public test values derived from labels: never hold anything with them");
log(
  `ready in ${((Date.now() - started) / 1000).toFixed(1)} s; anvil's log: ${chain.dir}/anvil.log`,
);

const reason = await shutdownSignal();
log(`stopping (${reason})`);
await chain.stop();
log("stopped");
Deno.exit(0);

function printScenario(scenario: ChainScenario): void {
  const { aggregator, executor, operatorSets: sets } = scenario;
  console.log(`avs=${scenario.avs.address}`);
  console.log(`avsRegistrar=${scenario.registrar}`);
  console.log(
    `operatorSets=${sets.aggregator.id} ${sets.aggregator.curve} (aggregator), ` +
      `${sets.executorEcdsa.id} ${sets.executorEcdsa.curve}, ` +
      `${sets.executorBn254.id} ${sets.executorBn254.curve}`,
  );
  for (const [role, operator] of [["aggregator", aggregator], ["executor", executor]] as const) {
    console.log(`${role}=${operator.account.address} socket ${operator.socket}`);
    for (const [id, key] of Object.entries(operator.keys)) {
      const shown = key.curve === "ecdsa" ? `address ${key.address}` : `G1 ${key.publicKeyG1}`;
      console.log(`${role}.${key.curve}Key=${key.privateKey} set ${id} ${shown}`);
    }
  }
  console.log(`scenarioBlock=${scenario.readyAt}`);
}
