/**
 * Structured logs: one JSON object per line on stderr, so that container runtimes and log
 * shippers can parse them. Callers pass ids and durations, never payloads or results (a task's
 * payload may carry an AVS's secrets).
 * @module
 */

/** One log record before it is written. */
export interface LogEntry {
  time: string;
  level: "info" | "warn" | "error";
  msg: string;
  [field: string]: unknown;
}

/** Where log records go. */
export type LogSink = (entry: LogEntry) => void;

/** Writes each record as a JSON line on stderr. */
export const stderrSink: LogSink = (entry) => console.error(JSON.stringify(entry, jsonSafe));

/** A logger that stamps time and level and adds `base` fields to every record. */
export function makeLogger(sink: LogSink, base: Record<string, unknown>) {
  const write = (level: LogEntry["level"], msg: string, fields: Record<string, unknown> = {}) =>
    sink({ time: new Date().toISOString(), level, msg, ...base, ...fields });
  return {
    info: (msg: string, fields?: Record<string, unknown>) => write("info", msg, fields),
    warn: (msg: string, fields?: Record<string, unknown>) => write("warn", msg, fields),
    error: (msg: string, fields?: Record<string, unknown>) => write("error", msg, fields),
  };
}

/** The logger shape `makeLogger` returns. */
export type Logger = ReturnType<typeof makeLogger>;

/** A logger for performer code outside handlers (start-up, configuration), in the SDK's format. */
export function performerLogger(name: string, sink: LogSink = stderrSink): Logger {
  return makeLogger(sink, { performer: name });
}

// Errors serialise to {} by default; keep their message (never their stack in one line).
function jsonSafe(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message };
  if (typeof value === "bigint") return value.toString();
  return value;
}
