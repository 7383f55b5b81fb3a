/**
 * A container's process: a local command with its own environment only (as a container does not
 * inherit the node's), stdout and stderr appended to a log file, stopped with SIGTERM and then
 * SIGKILL after the grace period.
 * @module
 */

import { stopProcess } from "../process.ts";
import type { ImageLaunch } from "./images.ts";

/** How a process ended, in the runtime's terms (a signal shows as 128 + its number). */
export interface ProcessExit {
  exitCode: number;
  signal: Deno.Signal | null;
}

/** A running container process. */
export interface LocalProcess {
  pid: number;
  /** Resolves once the process has exited. */
  exited: Promise<ProcessExit>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
  stop(graceMs: number): Promise<ProcessExit>;
}

/** Variables of the node's environment that the runtime itself needs (not the container). */
const RUNTIME_ENV = ["PATH", "HOME", "DENO_DIR", "XDG_CACHE_HOME", "TMPDIR", "LANG"];

/** Starts `launch` with `env` (plus what the runtime needs), output appended to `logPath`. */
export function spawnProcess(
  launch: ImageLaunch,
  env: Record<string, string>,
  logPath: string,
): LocalProcess {
  const runtimeEnv: Record<string, string> = { NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" };
  for (const name of RUNTIME_ENV) {
    const value = Deno.env.get(name);
    if (value !== undefined) runtimeEnv[name] = value;
  }
  // `exec` keeps the shell's pid for the command, so signals reach it; the redirect means this
  // process holds no pipe for it (which would keep the test sanitizers' ops busy).
  const child = new Deno.Command("/bin/sh", {
    args: [
      "-c",
      'log="$1"; shift; exec "$@" >>"$log" 2>&1',
      "sh",
      logPath,
      launch.command,
      ...launch.args,
    ],
    cwd: launch.cwd,
    clearEnv: true,
    env: { ...runtimeEnv, ...env },
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  let done = false;
  const exited = child.status.then((status) => {
    done = true;
    return { exitCode: status.code, signal: status.signal };
  });
  return {
    pid: child.pid,
    exited,
    stop: (graceMs) => done ? exited : stopProcess(child.pid, exited, graceMs),
  };
}
