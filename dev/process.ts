/**
 * Child processes of the local tools (control plane, chain, Podman, the node simulator's
 * containers): started with their output in a log file, stopped with SIGTERM then SIGKILL
 * (`stopProcess`, the one place that does it), and recorded in an owner file so that a later run
 * can clean up the processes of a run that died without stopping them (e.g. killed with SIGKILL).
 * @module
 */

/** A running child process with a log file. */
export interface ManagedProcess {
  name: string;
  pid: number;
  logPath: string;
  /** Resolves with the exit status once the process ends. */
  status: Promise<Deno.CommandStatus>;
  /** Stops the process: SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

const OWNER_FILE = "owner.json";

interface OwnerRecord {
  ownerPid: number;
  pids: number[];
}

/** Starts `bin args…` with stdout and stderr appended to `<dir>/<name>.log`. */
export function startProcess(
  name: string,
  bin: string,
  args: string[],
  dir: string,
): ManagedProcess {
  const logPath = `${dir}/${name}.log`;
  // `exec` keeps the pid of the shell, so signals reach the server itself, and the redirect
  // means Deno holds no pipe open for it (which would keep tests' op sanitizers busy).
  const child = new Deno.Command("/bin/sh", {
    args: ["-c", `exec "$0" "$@" >>"${logPath}" 2>&1`, bin, ...args],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  let exited = false;
  const status = child.status.then((s) => {
    exited = true;
    return s;
  });
  return {
    name,
    pid: child.pid,
    logPath,
    status,
    async stop(graceMs = 10_000) {
      if (!exited) await stopProcess(child.pid, status, graceMs);
    },
  };
}

/**
 * Stops process `pid`: SIGTERM, then SIGKILL if `exited` has not settled after `graceMs`;
 * resolves with `exited`. Call it only while the process has not been seen to exit.
 */
export async function stopProcess<T>(pid: number, exited: Promise<T>, graceMs: number): Promise<T> {
  signalProcess(pid, "SIGTERM");
  const timer = setTimeout(() => signalProcess(pid, "SIGKILL"), graceMs);
  try {
    return await exited;
  } finally {
    clearTimeout(timer);
  }
}

/** Sends `sig` to `pid`; a process that is already gone is not an error. */
export function signalProcess(pid: number, sig: Deno.Signal): void {
  try {
    Deno.kill(pid, sig);
  } catch {
    // Already gone.
  }
}

/** Records which processes this run owns, so a later run can reap them if we die. */
export async function writeOwnerRecord(dir: string, pids: number[]): Promise<void> {
  const record: OwnerRecord = { ownerPid: Deno.pid, pids };
  await Deno.writeTextFile(`${dir}/${OWNER_FILE}`, JSON.stringify(record));
}

/**
 * Kills the processes of earlier runs under `parent` whose owner is no longer alive, and removes
 * their directories. Returns the number of directories cleaned.
 */
export async function reapOrphans(parent: string, prefix: string): Promise<number> {
  let cleaned = 0;
  let entries: Deno.DirEntry[];
  try {
    entries = await Array.fromAsync(Deno.readDir(parent));
  } catch {
    return 0;
  }
  for (const entry of entries) {
    if (!entry.isDirectory || !entry.name.startsWith(prefix)) continue;
    const dir = `${parent}/${entry.name}`;
    let record: OwnerRecord;
    try {
      record = JSON.parse(await Deno.readTextFile(`${dir}/${OWNER_FILE}`));
    } catch {
      continue;
    }
    if (isAlive(record.ownerPid)) continue;
    for (const pid of record.pids) signalProcess(pid, "SIGKILL");
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    cleaned++;
  }
  return cleaned;
}

function isAlive(pid: number): boolean {
  try {
    Deno.statSync(`/proc/${pid}`);
    return true;
  } catch {
    return false;
  }
}

/** Lowest port {@linkcode freePort} hands out. */
const FREE_PORT_FLOOR = 10_000;
/** Ports this process handed out, so that it never hands out one twice. */
const handedOut = new Set<number>();

/**
 * A free TCP port on 127.0.0.1, for a process started next to listen on (the executor, etcd,
 * kube-apiserver…). Chosen below the kernel's ephemeral range: between this check and that
 * process's bind, a port of the ephemeral range can be taken by any outgoing connection on the
 * machine — an executor test failed with "Address already in use" that way — while ports below it
 * are only ever taken by a listener. Never the same port twice in one process.
 */
export function freePort(): number {
  const ceiling = ephemeralPortFloor() - 1;
  for (let attempt = 0; attempt < 200 && ceiling > FREE_PORT_FLOOR; attempt++) {
    const port = FREE_PORT_FLOOR + Math.floor(Math.random() * (ceiling - FREE_PORT_FLOOR + 1));
    if (handedOut.has(port)) continue;
    try {
      Deno.listen({ hostname: "127.0.0.1", port }).close();
    } catch {
      continue; // taken
    }
    handedOut.add(port);
    return port;
  }
  // No room below the ephemeral range (an unusual ip_local_port_range): let the kernel choose.
  for (;;) {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (listener.addr as Deno.NetAddr).port;
    listener.close();
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}

/** The first port of the kernel's ephemeral range (Linux's default 32768 when unreadable). */
export function ephemeralPortFloor(): number {
  try {
    const range = Deno.readTextFileSync("/proc/sys/net/ipv4/ip_local_port_range");
    const low = Number(range.trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > 0 ? low : 32_768;
  } catch {
    return 32_768;
  }
}

/** Last `lines` lines of a log file, for error messages. */
export async function tailLog(path: string, lines = 30): Promise<string> {
  try {
    return (await Deno.readTextFile(path)).trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}
