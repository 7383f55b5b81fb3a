/**
 * A small structured logger: JSON lines (for log pipelines) or `key=value` text (for people),
 * to stderr, filtered by level. Callers pass fields, never pre-formatted strings with secrets.
 * @module
 */

/** Log levels, least to most severe. */
export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
/** A log level. */
export type LogLevel = (typeof LOG_LEVELS)[number];
/** A log output format. */
export type LogFormat = "json" | "text";

/** Logs one message with structured fields. */
export type Logger = (level: LogLevel, msg: string, fields?: object) => void;

/** Options of a logger. */
export interface LoggerOptions {
  level?: LogLevel;
  format?: LogFormat;
  /** Added to every line, e.g. `{ component: "operator" }`. */
  base?: Record<string, unknown>;
  /** Where lines go (default stderr). */
  write?: (line: string) => void;
}

/** Creates a logger. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const min = LOG_LEVELS.indexOf(options.level ?? "info");
  const write = options.write ?? ((line: string) => console.error(line));
  const format = options.format ?? "json";
  return (level, msg, fields = {}) => {
    if (LOG_LEVELS.indexOf(level) < min) return;
    const record = { ts: new Date().toISOString(), level, msg, ...options.base, ...fields };
    write(format === "json" ? JSON.stringify(record, jsonSafe) : textLine(record));
  };
}

/** A logger that adds `fields` to every line (a child logger, e.g. per pod); call fields win. */
export function withFields(log: Logger, fields: Record<string, unknown>): Logger {
  return (level, msg, more = {}) => log(level, msg, { ...fields, ...more });
}

function textLine(record: Record<string, unknown>): string {
  const { ts, level, msg, ...rest } = record;
  const fields = Object.entries(rest).map(([k, v]) =>
    `${k}=${typeof v === "string" && !/\s/.test(v) ? v : JSON.stringify(v, jsonSafe)}`
  );
  return [ts, String(level).toUpperCase().padEnd(5), msg, ...fields].join(" ");
}

function jsonSafe(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message };
  if (typeof value === "bigint") return value.toString();
  return value;
}
