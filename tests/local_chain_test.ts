/**
 * The local EigenLayer chain as its users meet it: `deno task chain` prints its endpoint,
 * contracts and Hourglass scenario and stops without leaving anvil behind (also when it is
 * killed); the deployed contracts are wired to each other as their constructors say. The
 * scenario itself is tested in `chain_scenario_test.ts`.
 */

import assert from "node:assert/strict";
import { type Abi, type Address, getAddress, zeroAddress } from "viem";
import { createChainClient } from "../dev/chain/local_chain.ts";
import {
  DEALLOCATION_DELAY_BLOCKS,
  MAX_TASK_SLA_SECONDS,
  OPERATOR_TABLE_UPDATER_PLACEHOLDER,
} from "../dev/chain/contracts.ts";
import { readOperatorSetDetails, readRegistrar } from "../dev/chain/ponos_reads.ts";
import { eventually } from "./fixture/eventually.ts";
import { type TestChain, testChain } from "./fixture/chain.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const CHAIN_MAIN = new URL("../dev/chain/main.ts", import.meta.url).pathname;

/** Starts `dev/chain/main.ts` and reads stdout until `chain ready`. */
async function startChainCommand() {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CHAIN_MAIN],
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const lines: string[] = [];
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  while (!lines.includes("chain ready")) {
    const { value, done } = await reader.read();
    if (done) break;
    buffered += value;
    const parts = buffered.split("\n");
    buffered = parts.pop()!;
    lines.push(...parts);
  }
  reader.releaseLock();
  const values = Object.fromEntries(lines.map((l) => l.split("=")).filter((p) => p.length === 2));
  return { child, lines, values };
}

/** The pid of the anvil listening for `rpcUrl`, from /proc (no pid is printed). */
function anvilPid(rpcUrl: string): number | undefined {
  const port = new URL(rpcUrl).port;
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const cmdline = Deno.readTextFileSync(`/proc/${entry.name}/cmdline`).split("\0");
      if (cmdline[0].endsWith("/anvil") && cmdline.includes(`--port=${port}`)) {
        return Number(entry.name);
      }
    } catch { /* gone meanwhile */ }
  }
  return undefined;
}

function alive(pid: number): boolean {
  try {
    return !Deno.readTextFileSync(`/proc/${pid}/stat`).split(" ")[2].startsWith("Z");
  } catch {
    return false;
  }
}

Deno.test(
  "deno task chain prints the chain, answers JSON-RPC, and SIGTERM stops anvil",
  opts,
  async () => {
    const { child, lines, values } = await startChainCommand();
    try {
      assert.ok(lines.includes("chain ready"), lines.join("\n"));
      assert.match(values.RPC_URL, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.equal(values.CHAIN_ID, "31337");
      for (const name of ["taskMailbox", "allocationManager", "keyRegistrar"]) {
        assert.match(values[name] ?? "", /^0x[0-9a-fA-F]{40} version 1\.8\.0$/, name);
      }
      assert.match(values.pauserRegistry, /^0x[0-9a-fA-F]{40}$/);
      assert.equal(values.operatorSets, "0 ecdsa (aggregator), 1 ecdsa, 2 bn254");
      assert.match(values["executor.bn254Key"], /^0x[0-9a-f]{64} set 2 G1 0x[0-9a-f]{128}$/);
      assert.match(
        values["aggregator.ecdsaKey"],
        /^0x[0-9a-f]{64} set 0 address 0x[0-9a-fA-F]{40}$/,
      );
      const client = createChainClient(values.RPC_URL);
      assert.equal(await client.getChainId(), 31337);
      const reader = {
        client,
        allocationManager: values.allocationManager.split(" ")[0] as Address,
        keyRegistrar: values.keyRegistrar.split(" ")[0] as Address,
      };
      const avs = values.avs as Address;
      assert.equal(await readRegistrar(reader, { avs }), values.avsRegistrar);
      const blockNumber = BigInt(values.scenarioBlock);
      const executor = values.executor.split(" ")[0] as Address;
      const details = await readOperatorSetDetails(reader, {
        avs,
        operator: executor,
        operatorSetId: 1,
        blockNumber,
      });
      assert.equal(details.ecdsaAddress, values["executor.ecdsaKey"].split(" ").at(-1));
      const pid = anvilPid(values.RPC_URL);
      assert.ok(pid, "anvil runs");
      child.kill("SIGTERM");
      assert.equal((await child.status).code, 0);
      assert.ok(!alive(pid), "anvil stopped with the command");
    } finally {
      try {
        child.kill("SIGKILL");
      } catch { /* already gone */ }
      await child.status;
    }
  },
);

Deno.test("anvil dies with the process that started it, even by SIGKILL", opts, async () => {
  const { child, values } = await startChainCommand();
  const pid = anvilPid(values.RPC_URL);
  assert.ok(pid, "anvil runs");
  child.kill("SIGKILL");
  await child.status;
  await eventually(() => assert.ok(!alive(pid), "anvil still runs"), { timeoutMs: 5000 });
});

Deno.test("the contracts are wired as their constructors say", opts, async () => {
  const chain: TestChain = await testChain();
  const read = (name: keyof TestChain["contracts"], functionName: string) =>
    chain.client.readContract({
      address: chain.contracts[name],
      abi: chain.abis[name] as Abi,
      functionName,
    });
  assert.equal(chain.chainId, 31337);
  assert.equal(await chain.client.getChainId(), 31337);
  assert.equal(
    await read("taskMailbox", "BN254_CERTIFICATE_VERIFIER"),
    chain.contracts.bn254CertificateVerifier,
  );
  assert.equal(
    await read("taskMailbox", "ECDSA_CERTIFICATE_VERIFIER"),
    chain.contracts.ecdsaCertificateVerifier,
  );
  assert.equal(await read("taskMailbox", "MAX_TASK_SLA"), MAX_TASK_SLA_SECONDS);
  for (const verifier of ["ecdsaCertificateVerifier", "bn254CertificateVerifier"] as const) {
    assert.equal(await read(verifier, "operatorTableUpdater"), OPERATOR_TABLE_UPDATER_PLACEHOLDER);
    assert.equal(chain.versions[verifier], "1.8.0");
  }
  assert.equal(chain.versions.taskMailbox, "1.8.0");
  assert.equal(OPERATOR_TABLE_UPDATER_PLACEHOLDER, zeroAddress);
  // anvil's deterministic dev accounts: the well-known first one deploys.
  assert.equal(chain.accounts[0], getAddress("0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"));
});

/** ERC-1967's implementation slot: keccak256("eip1967.proxy.implementation") - 1. */
const IMPLEMENTATION_SLOT = "0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc";

Deno.test(
  "the core contracts sit behind initialised proxies and point at each other",
  opts,
  async () => {
    const chain: TestChain = await testChain();
    const { contracts } = chain;
    type Name = keyof TestChain["contracts"];
    const read = (name: Name, functionName: string, args: unknown[] = []) =>
      chain.client.readContract({
        address: contracts[name],
        abi: chain.abis[name] as Abi,
        functionName,
        args,
      });
    for (const [name, implementation] of Object.entries(chain.implementations)) {
      const slot = await chain.client.getStorageAt({
        address: contracts[name as Name],
        slot: IMPLEMENTATION_SLOT,
      });
      assert.equal(getAddress(`0x${slot!.slice(-40)}`), implementation, `${name} proxy`);
    }
    const wiring: [Name, string, Name][] = [
      ["allocationManager", "delegation", "delegationManager"],
      ["allocationManager", "permissionController", "permissionController"],
      ["allocationManager", "pauserRegistry", "pauserRegistry"],
      ["delegationManager", "allocationManager", "allocationManager"],
      ["delegationManager", "strategyManager", "strategyManager"],
      ["delegationManager", "eigenPodManager", "eigenPodManager"],
      ["strategyManager", "delegation", "delegationManager"],
      ["eigenPodManager", "delegationManager", "delegationManager"],
      ["keyRegistrar", "allocationManager", "allocationManager"],
      ["keyRegistrar", "permissionController", "permissionController"],
    ];
    for (const [name, getter, target] of wiring) {
      assert.equal(await read(name, getter), contracts[target], `${name}.${getter}()`);
    }
    assert.equal(await read("allocationManager", "DEALLOCATION_DELAY"), DEALLOCATION_DELAY_BLOCKS);
    for (const name of ["strategyManager", "eigenPodManager"] as const) {
      assert.equal(await read(name, "owner"), chain.accounts[0], `${name} initialised`);
    }
    for (const name of ["allocationManager", "delegationManager"] as const) {
      assert.equal(await read(name, "paused", []), 0n, `${name} initialised unpaused`);
      await assert.rejects(
        chain.client.simulateContract({
          address: contracts[name],
          abi: chain.abis[name] as Abi,
          functionName: "initialize",
          args: [0n],
          account: chain.accounts[0],
        }),
        /already initialized/,
        `${name} cannot be initialised twice`,
      );
    }
    for (const [name, version] of Object.entries(chain.versions)) {
      assert.equal(version, "1.8.0", name);
    }
  },
);
