/**
 * hello-performer's task: upper-case the input and say which version did it. Its payload and
 * environment carry knobs so that tests can drive the failure paths of executors and operators
 * (slow tasks, failing tasks, crashes, unhealthy performers).
 * @module
 */

import { PerformerError, type TaskHandler } from "../mod.ts";

/** The result of a task, sent as UTF-8 JSON. */
export interface HelloResult {
  taskId: string;
  /** The payload as UTF-8. */
  input: string;
  /** The `text` knob (or the whole input) upper-cased. */
  output: string;
  /** env HELLO_VERSION, or "dev". */
  version: string;
}

/** How hello behaves, from its environment. */
export interface HelloConfig {
  /** HELLO_VERSION, or "dev". */
  version: string;
  /** HELLO_DELAY_MS: a delay before every task. */
  delayMs: number;
  /** HELLO_CRASH_ON_START=1: exit with code 1 right after starting. */
  crashOnStart: boolean;
  /** HELLO_HEALTH: NOT_SERVING keeps grpc.health.v1 at NOT_SERVING. */
  health: "SERVING" | "NOT_SERVING";
}

/** Reads the HELLO_* variables; throws naming the variable when one is malformed. */
export function helloConfigFromEnv(env: (name: string) => string | undefined): HelloConfig {
  const delay = env("HELLO_DELAY_MS")?.trim() || "0";
  if (!/^\d+$/.test(delay)) {
    throw new RangeError(`HELLO_DELAY_MS must be a number of milliseconds, got "${delay}"`);
  }
  const health = env("HELLO_HEALTH")?.trim() || "SERVING";
  if (health !== "SERVING" && health !== "NOT_SERVING") {
    throw new RangeError(`HELLO_HEALTH must be SERVING or NOT_SERVING, got "${health}"`);
  }
  return {
    version: env("HELLO_VERSION")?.trim() || "dev",
    delayMs: Number(delay),
    crashOnStart: env("HELLO_CRASH_ON_START")?.trim() === "1",
    health,
  };
}

/** The payload knobs: `{"text": "...", "sleepMs": n, "fail": "message", "crash": true}`. */
interface Knobs {
  text?: string;
  sleepMs?: number;
  fail?: string;
  crash?: boolean;
}

/** Options of `helloTaskHandler`. */
export interface HelloHandlerOptions {
  /** How the `crash` knob ends the process; `Deno.exit` by default. */
  exit?: (code: number) => void;
}

/** Exit code of the `crash` knob (a performer killed mid-task). */
export const CRASH_EXIT_CODE = 3;

/** The task handler of hello-performer. */
export function helloTaskHandler(
  config: HelloConfig,
  options: HelloHandlerOptions = {},
): TaskHandler {
  const exit = options.exit ?? ((code: number) => Deno.exit(code));
  return async ({ taskId, payload, signal }) => {
    const input = new TextDecoder().decode(payload);
    const knobs = parseKnobs(input);
    if (knobs.crash) exit(CRASH_EXIT_CODE);
    await sleep(config.delayMs + (knobs.sleepMs ?? 0), signal);
    if (knobs.fail !== undefined) throw new Error(knobs.fail);
    const result: HelloResult = {
      taskId,
      input,
      output: (knobs.text ?? input).toUpperCase(),
      version: config.version,
    };
    return JSON.stringify(result);
  };
}

/** Knobs from a JSON object payload; any other payload is plain text with no knobs. */
function parseKnobs(input: string): Knobs {
  let parsed: unknown;
  try {
    parsed = JSON.parse(input);
  } catch {
    return {};
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) return {};
  const p = parsed as Record<string, unknown>;
  const wrong = (key: string, type: string) =>
    new PerformerError(`Payload field "${key}" must be ${type}`, { code: "INVALID_ARGUMENT" });
  if (p.text !== undefined && typeof p.text !== "string") throw wrong("text", "a string");
  if (p.sleepMs !== undefined && !(typeof p.sleepMs === "number" && p.sleepMs >= 0)) {
    throw wrong("sleepMs", "a number of milliseconds");
  }
  if (p.fail !== undefined && typeof p.fail !== "string") throw wrong("fail", "a string");
  if (p.crash !== undefined && typeof p.crash !== "boolean") throw wrong("crash", "a boolean");
  return p as Knobs;
}

/** Waits `ms`, or rejects with the signal's reason as soon as it aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  signal.throwIfAborted();
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
