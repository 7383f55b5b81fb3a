/**
 * Podman as the container engine of docker mode on development and CI machines: installed from
 * Debian's packages when missing, configured for these VMs, and serving the Docker Engine API on
 * a unix socket of our own.
 * @module
 */

import { startProcess, tailLog } from "../process.ts";
import { conflictingSettings, withRequiredSettings } from "./_containers_conf.ts";
import { engineClient } from "./engine_api.ts";

/** Where Podman reads its engine settings. */
export const CONTAINERS_CONF = "/etc/containers/containers.conf";

/** What `ensurePodman` found or did. */
export interface PodmanSetup {
  /** `podman --version` output, e.g. "podman version 4.3.1". */
  version: string;
  /** Whether this call installed the packages. */
  installed: boolean;
  /** Whether this call added settings to containers.conf. */
  configUpdated: boolean;
}

/** Options of `ensurePodman`. */
export interface EnsurePodmanOptions {
  /** Progress lines (installing takes a minute or two); stderr by default. */
  log?: (line: string) => void;
  /** containers.conf to complete; `CONTAINERS_CONF` by default. */
  configPath?: string;
}

const PACKAGES = ["podman", "runc"];
const APT_ENV = { DEBIAN_FRONTEND: "noninteractive" };
// Other processes (another test run, unattended upgrades) may hold the dpkg lock for a while.
const APT_LOCK_WAIT = ["-o", "DPkg::Lock::Timeout=600"];
let aptUpdated = false;

/** Installs podman and runc with apt-get when missing and writes the settings these VMs need. */
export async function ensurePodman(options: EnsurePodmanOptions = {}): Promise<PodmanSetup> {
  const log = options.log ?? ((line: string) => console.error(`[podman] ${line}`));
  const missing = [];
  for (const bin of PACKAGES) if (!await runs(bin, ["--version"])) missing.push(bin);
  let installed = false;
  if (missing.length > 0) {
    if (Deno.uid() !== 0) {
      throw new Error(
        `Cannot install ${missing.join(", ")}: apt-get needs root; run ` +
          `"apt-get install -y ${PACKAGES.join(" ")}" as root first`,
      );
    }
    const started = Date.now();
    log(`${missing.join(" and ")} not found: installing ${PACKAGES.join(", ")} with apt-get`);
    if (!aptUpdated) {
      await apt(["update"], log);
      aptUpdated = true;
    }
    await apt(["install", "-y", ...PACKAGES], log);
    log(`installed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    installed = true;
  }
  const configUpdated = await ensureConfig(options.configPath ?? CONTAINERS_CONF, log);
  const version = (await output("podman", ["--version"])).trim();
  return { version, installed, configUpdated };
}

/** Adds the settings of `_containers_conf.ts` to `path` when absent; true when it wrote. */
async function ensureConfig(path: string, log: (line: string) => void): Promise<boolean> {
  let current = "";
  try {
    current = await Deno.readTextFile(path);
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) {
      throw new Error(`Cannot read "${path}"`, { cause: err });
    }
  }
  for (const conflict of conflictingSettings(current)) {
    log(`warning: ${path} sets ${conflict}; left as it is`);
  }
  const wanted = withRequiredSettings(current);
  if (wanted === current) return false;
  const dir = path.slice(0, path.lastIndexOf("/")) || "/";
  await Deno.mkdir(dir, { recursive: true });
  // Write then rename, so a concurrent Podman never reads half a file.
  const temp = `${path}.${Deno.pid}.partial`;
  await Deno.writeTextFile(temp, wanted);
  await Deno.rename(temp, path);
  log(`wrote runtime = "runc" and default_ulimits = [] into ${path}`);
  return true;
}

/** Runs apt-get, forwarding the lines that show progress; throws with its output's tail. */
async function apt(args: string[], log: (line: string) => void): Promise<void> {
  const child = new Deno.Command("apt-get", {
    args: ["-q", ...APT_LOCK_WAIT, ...args],
    env: APT_ENV,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const tail: string[] = [];
  const forward = async (stream: ReadableStream<Uint8Array>) => {
    for await (const line of lines(stream)) {
      tail.push(line);
      if (tail.length > 30) tail.shift();
      if (/^(Setting up|Get:\d|Err:|E:|W:)/.test(line)) log(`apt-get: ${line}`);
    }
  };
  const [status] = await Promise.all([child.status, forward(child.stdout), forward(child.stderr)]);
  if (!status.success) {
    throw new Error(
      `"apt-get ${args.join(" ")}" failed with exit code ${status.code}:\n${tail.join("\n")}`,
    );
  }
}

async function* lines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  let buffered = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    buffered += chunk;
    const parts = buffered.split("\n");
    buffered = parts.pop() ?? "";
    yield* parts;
  }
  if (buffered) yield buffered;
}

async function runs(bin: string, args: string[]): Promise<boolean> {
  try {
    const out = await new Deno.Command(bin, { args, stdout: "null", stderr: "null" }).output();
    return out.success;
  } catch {
    return false;
  }
}

async function output(bin: string, args: string[]): Promise<string> {
  const out = await new Deno.Command(bin, { args, stdout: "piped", stderr: "piped" }).output();
  if (!out.success) {
    const stderr = new TextDecoder().decode(out.stderr).trim();
    throw new Error(`"${bin} ${args.join(" ")}" failed: ${stderr}`);
  }
  return new TextDecoder().decode(out.stdout);
}

/** A running `podman system service`. */
export interface PodmanService {
  /** The unix socket serving the Docker Engine API. */
  socketPath: string;
  /** The service's process id. */
  pid: number;
  /** The service's own log. */
  logPath: string;
  /** Stops the service (SIGTERM, then SIGKILL) and removes its socket. */
  stop(): Promise<void>;
}

/** Options of `startPodmanService`. */
export interface PodmanServiceOptions {
  /** Directory for the socket and the service's log. */
  dir: string;
  /** How long to wait for `GET /_ping` to answer; 30 s by default. */
  timeoutMs?: number;
}

/** Starts `podman system service` on `<dir>/podman.sock` and waits until the API answers. */
export async function startPodmanService(options: PodmanServiceOptions): Promise<PodmanService> {
  const socketPath = `${options.dir}/podman.sock`;
  await Deno.remove(socketPath).catch(() => {});
  // --time=0: never exit on idle; the caller owns the lifetime.
  const process = startProcess(
    "podman-service",
    "podman",
    ["system", "service", "--time=0", `unix://${socketPath}`],
    options.dir,
  );
  const stop = async () => {
    await process.stop(10_000);
    await Deno.remove(socketPath).catch(() => {});
  };
  try {
    await waitForPing(socketPath, process.status, options.timeoutMs ?? 30_000);
  } catch (err) {
    await stop();
    throw new Error(
      `Podman's API did not come up on "${socketPath}":\n${await tailLog(process.logPath)}`,
      { cause: err },
    );
  }
  return { socketPath, pid: process.pid, logPath: process.logPath, stop };
}

async function waitForPing(
  socketPath: string,
  exited: Promise<Deno.CommandStatus>,
  timeoutMs: number,
): Promise<void> {
  let done: Deno.CommandStatus | undefined;
  exited.then((s) => {
    done = s;
  });
  const deadline = Date.now() + timeoutMs;
  const client = engineClient(socketPath);
  try {
    while (true) {
      if (done) throw new Error(`podman system service exited with code ${done.code}`);
      if (await client.ping().catch(() => false)) return;
      if (Date.now() > deadline) throw new Error(`no answer to GET /_ping in ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    client.close();
  }
}
