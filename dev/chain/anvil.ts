/**
 * Anvil, Foundry's local Ethereum node: installed once from npm into the cache directory, started
 * on a free loopback port with a fixed chain id and the deterministic dev accounts.
 *
 * Stopping: `stop()` sends SIGTERM (then SIGKILL). Where util-linux's `setpriv` exists (every
 * Debian), anvil also gets SIGTERM from the kernel when the process that started it dies, even by
 * SIGKILL; elsewhere the next start reaps it through the owner record, as the control plane does.
 * @module
 */

import { type BuildOptions, cacheDir } from "../cluster/binaries.ts";
import { freePort, type ManagedProcess, startProcess, tailLog } from "../process.ts";
import { ANVIL_VERSION, LOCAL_CHAIN_ID } from "./versions.ts";

/** The mnemonic of anvil's (and Hardhat's) well-known dev accounts: never hold value with them. */
export const DEV_MNEMONIC = "test test test test test test test test test test test junk";

/** A running anvil. */
export interface AnvilNode {
  /** HTTP JSON-RPC endpoint, `http://127.0.0.1:<port>`. */
  rpcUrl: string;
  chainId: number;
  /** The anvil process (for unload handlers that cannot await `stop`). */
  process: ManagedProcess;
  /** Stops anvil: SIGTERM, then SIGKILL after a grace period. */
  stop(): Promise<void>;
}

/** Options for {@linkcode startAnvil}. */
export interface AnvilOptions extends BuildOptions {
  /** Directory for anvil's log file. */
  dir: string;
  /** Number of funded dev accounts (anvil's default is 10). */
  accounts?: number;
}

/** npm's platform package for this machine, e.g. `@foundry-rs/anvil-linux-amd64`. */
export function anvilPlatformPackage(
  os: string = Deno.build.os,
  arch: string = Deno.build.arch,
): string {
  const osName = { linux: "linux", darwin: "darwin", windows: "win32" }[os];
  const archName = { x86_64: "amd64", aarch64: "arm64" }[arch];
  if (!osName || !archName) {
    throw new Error(`@foundry-rs/anvil has no binary for ${os}/${arch}`);
  }
  return `@foundry-rs/anvil-${osName}-${archName}`;
}

/** Installs anvil from npm into the cache directory if it is not there; returns its path. */
export async function ensureAnvil(options: BuildOptions = {}): Promise<string> {
  const dir = `${cacheDir()}/anvil-${ANVIL_VERSION}`;
  const bin = (root: string) => `${root}/node_modules/${anvilPlatformPackage()}/bin/anvil`;
  if (await isFile(bin(dir))) return bin(dir);
  const tmp = `${dir}.partial-${Deno.pid}`;
  await Deno.remove(tmp, { recursive: true }).catch(() => {});
  await Deno.mkdir(tmp, { recursive: true });
  const started = Date.now();
  options.log?.(`npm install @foundry-rs/anvil@${ANVIL_VERSION}   (into ${dir})`);
  // The package's postinstall only fetches the platform binary when npm skipped the optional
  // dependency that carries it; with scripts off, a missing binary is reported below instead.
  await npmInstall(tmp, [
    "--ignore-scripts",
    `@foundry-rs/anvil@${ANVIL_VERSION}`,
  ]);
  if (!(await isFile(bin(tmp)))) {
    throw new Error(
      `npm installed @foundry-rs/anvil@${ANVIL_VERSION} without "${anvilPlatformPackage()}" ` +
        `(are optional dependencies omitted in your npm config?)`,
    );
  }
  // Rename last so an interrupted install never leaves a half-installed anvil in the cache; a
  // concurrent install that won the race is as good as ours.
  await Deno.rename(tmp, dir).catch(async (err) => {
    if (!(await isFile(bin(dir)))) throw err;
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  });
  options.log?.(`installed ${bin(dir)} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return bin(dir);
}

/** Starts anvil on a free loopback port and waits until it answers JSON-RPC. */
export async function startAnvil(options: AnvilOptions): Promise<AnvilNode> {
  const anvil = await ensureAnvil(options);
  const port = freePort();
  const args = [
    "--host=127.0.0.1",
    `--port=${port}`,
    `--chain-id=${LOCAL_CHAIN_ID}`,
    `--accounts=${options.accounts ?? 10}`,
    "--mnemonic",
    DEV_MNEMONIC,
  ];
  const setpriv = await findSetpriv();
  const proc = setpriv
    ? startProcess("anvil", setpriv, ["--pdeathsig", "SIGTERM", "--", anvil, ...args], options.dir)
    : startProcess("anvil", anvil, args, options.dir);
  const rpcUrl = `http://127.0.0.1:${port}`;
  try {
    await waitForRpc(proc, rpcUrl, 30_000);
  } catch (err) {
    await proc.stop();
    throw err;
  }
  options.log?.(`anvil ${ANVIL_VERSION} ready at ${rpcUrl} (chain id ${LOCAL_CHAIN_ID})`);
  return { rpcUrl, chainId: LOCAL_CHAIN_ID, process: proc, stop: () => proc.stop() };
}

/** Polls `eth_chainId` until it answers; fails early with the log if anvil exits. */
async function waitForRpc(proc: ManagedProcess, rpcUrl: string, timeoutMs: number): Promise<void> {
  let exited = false;
  proc.status.then(() => exited = true);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exited) {
      throw new Error(
        `anvil exited during start-up; last log lines:\n${await tailLog(proc.logPath)}`,
      );
    }
    if (await answersChainId(rpcUrl)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(
    `anvil not ready after ${timeoutMs / 1000} s; last log lines:\n${await tailLog(proc.logPath)}`,
  );
}

async function answersChainId(rpcUrl: string): Promise<boolean> {
  try {
    const res = await fetch(rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
    });
    const body = await res.json() as { result?: string };
    return Number(body.result) === LOCAL_CHAIN_ID;
  } catch {
    return false;
  }
}

async function npmInstall(prefix: string, args: string[]): Promise<void> {
  let output: Deno.CommandOutput;
  try {
    output = await new Deno.Command("npm", {
      args: ["install", "--no-audit", "--no-fund", "--no-save", "--prefix", prefix, ...args],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
  } catch (err) {
    throw new Error(`Cannot run "npm": install Node.js with npm to install anvil`, { cause: err });
  }
  if (!output.success) {
    const stderr = new TextDecoder().decode(output.stderr).trim().split("\n").slice(-20).join("\n");
    throw new Error(`"npm install ${args.join(" ")}" failed:\n${stderr}`);
  }
}

async function findSetpriv(): Promise<string | undefined> {
  for (const path of ["/usr/bin/setpriv", "/bin/setpriv"]) {
    if (await isFile(path)) return path;
  }
  return undefined;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return false;
    throw err;
  }
}
