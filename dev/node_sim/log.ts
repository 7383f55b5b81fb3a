/**
 * Structured logging for the node simulator: one record per event, with fields rather than
 * sentences, so a test or the CLI can filter by pod, container or level.
 * @module
 */

/** Severity of a log record. */
export type LogLevel = "debug" | "info" | "warn" | "error";

/** One log record: a message plus structured fields. */
export interface LogRecord {
  level: LogLevel;
  msg: string;
  [field: string]: unknown;
}

/** A sink for log records. */
export type Log = (record: LogRecord) => void;

const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/** A sink that drops everything. */
export const silentLog: Log = () => {};

/** Writes records at or above `minLevel` to stderr as JSON lines. */
export function stderrLog(minLevel: LogLevel = "info"): Log {
  const encoder = new TextEncoder();
  return (record) => {
    if (RANK[record.level] < RANK[minLevel]) return;
    const line = JSON.stringify({ time: new Date().toISOString(), ...record }, errorReplacer);
    Deno.stderr.writeSync(encoder.encode(`${line}\n`));
  };
}

/** Returns a sink that adds `fields` to every record before passing it to `log`. */
export function withFields(log: Log, fields: Record<string, unknown>): Log {
  return (record) => log({ ...fields, ...record });
}

/** Renders an error (and its causes) as a short string for a log field. */
export function errorText(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause === undefined ? "" : `: ${errorText(err.cause)}`;
  return `${err.message}${cause}`;
}

function errorReplacer(_key: string, value: unknown): unknown {
  return value instanceof Error ? errorText(value) : value;
}
