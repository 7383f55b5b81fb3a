/**
 * hello-performer as a child process, for its own tests: started with `Deno.execPath()` (never a
 * shim that would not forward signals), ready once it logs "performer listening", its JSON log
 * records kept for assertions.
 * @module
 */

import { stopProcess } from "../../dev/process.ts";

/** Path of hello-performer's entry point. */
export const HELLO_MAIN = new URL("./main.ts", import.meta.url).pathname;
const REPO_ROOT = new URL("../../", import.meta.url).pathname;

/** One JSON log record of the performer. */
export type LogRecord = Record<string, unknown> & { msg?: string; level?: string };

/** Options of `startHelloProcess`. */
export interface HelloProcessOptions {
  /** HOURGLASS_BIND_HOST; "127.0.0.1" by default. */
  host?: string;
  /** GRPC_PORT; 0 (a free port, read back from the log) by default. */
  port?: number;
  /** More environment, e.g. `{ HELLO_VERSION: "v2" }`. */
  env?: Record<string, string>;
  /** Wait for "performer listening"; false for processes expected to die at start. */
  waitReady?: boolean;
  /** How long to wait for readiness; 15 s by default. */
  readyTimeoutMs?: number;
}

/** A running hello-performer process. */
export interface HelloProcess {
  pid: number;
  /** "host:port" it listens on (empty when not waited for). */
  address: string;
  /** Its log records so far. */
  records: LogRecord[];
  /** Its stderr lines that were not JSON (e.g. Deno's own errors). */
  otherLines: string[];
  /** Resolves with the exit status. */
  status: Promise<Deno.CommandStatus>;
  /** Resolves with the first record matching `match` (waiting up to `timeoutMs`). */
  waitForLog(match: (r: LogRecord) => boolean, timeoutMs?: number): Promise<LogRecord>;
  /** Sends `signal` if it still runs. */
  kill(signal?: Deno.Signal): void;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit status. */
  stop(graceMs?: number): Promise<Deno.CommandStatus>;
}

/** Starts `deno run -A sdk/hello/main.ts` with GRPC_PORT and HOURGLASS_BIND_HOST. */
export async function startHelloProcess(options: HelloProcessOptions = {}): Promise<HelloProcess> {
  const host = options.host ?? "127.0.0.1";
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", HELLO_MAIN],
    cwd: REPO_ROOT,
    env: {
      ...options.env,
      GRPC_PORT: String(options.port ?? 0),
      HOURGLASS_BIND_HOST: host,
      NO_COLOR: "1",
    },
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let exited = false;
  const status = child.status.then((s) => {
    exited = true;
    return s;
  });
  const records: LogRecord[] = [];
  const otherLines: string[] = [];
  const listeners = new Set<() => void>();
  const reading = readLines(child.stderr, (line) => {
    try {
      records.push(JSON.parse(line));
    } catch {
      otherLines.push(line);
    }
    listeners.forEach((l) => l());
  });
  // Exit status once every line of stderr has been read.
  const finalStatus = status.then(async (s) => {
    await reading;
    return s;
  });
  const waitForLog = (match: (r: LogRecord) => boolean, timeoutMs = 10_000) =>
    waitForRecord(records, listeners, finalStatus, match, timeoutMs);
  const kill = (signal: Deno.Signal = "SIGTERM") => {
    if (!exited) {
      try {
        child.kill(signal);
      } catch {
        // Exited meanwhile.
      }
    }
  };
  const proc: HelloProcess = {
    pid: child.pid,
    address: "",
    records,
    otherLines,
    status: finalStatus,
    waitForLog,
    kill,
    stop: (graceMs = 10_000) => exited ? proc.status : stopProcess(child.pid, proc.status, graceMs),
  };
  if (options.waitReady === false) return proc;
  try {
    const ready = await waitForLog(
      (r) => r.msg === "performer listening",
      options.readyTimeoutMs ?? 15_000,
    );
    proc.address = String(ready.address);
  } catch (err) {
    await proc.stop(1_000);
    throw new Error(
      `hello-performer did not start on ${host}: ${otherLines.slice(-10).join("\n")}`,
      { cause: err },
    );
  }
  return proc;
}

async function readLines(stream: ReadableStream<Uint8Array>, onLine: (line: string) => void) {
  let buffered = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    buffered += chunk;
    const lines = buffered.split("\n");
    buffered = lines.pop() ?? "";
    lines.filter((l) => l.trim()).forEach(onLine);
  }
  if (buffered.trim()) onLine(buffered);
}

function waitForRecord(
  records: LogRecord[],
  listeners: Set<() => void>,
  exited: Promise<Deno.CommandStatus>,
  match: (r: LogRecord) => boolean,
  timeoutMs: number,
): Promise<LogRecord> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const check = () => {
      const found = records.find(match);
      if (!found) return false;
      done();
      resolve(found);
      return true;
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`No matching log record within ${timeoutMs} ms`));
    }, timeoutMs);
    const onExit = (s: Deno.CommandStatus) => {
      if (settled || check()) return;
      done();
      reject(new Error(`The process exited with code ${s.code} before logging it`));
    };
    const done = () => {
      settled = true;
      clearTimeout(timer);
      listeners.delete(listener);
    };
    const listener = () => void (settled || check());
    listeners.add(listener);
    if (!check()) exited.then(onExit);
  });
}
