/**
 * Parses bind addresses in the Go/controller-runtime style of the reference flags:
 * `:8080` (all interfaces), `127.0.0.1:8080`, `[::1]:8080`, or `0` to disable.
 * @module
 */

/** Where to listen, or undefined when disabled. */
export interface BindAddress {
  hostname: string;
  port: number;
}

/** Parses a bind address; throws a RangeError naming the flag and value when invalid. */
export function parseBindAddress(flag: string, value: string): BindAddress | undefined {
  if (value === "0") return undefined;
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(value);
  const port = Number(match?.[3]);
  if (!match || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(
      `${flag}: invalid address "${value}" (use ":8080", "127.0.0.1:8080" or "0" to disable)`,
    );
  }
  return { hostname: match[1] ?? (match[2] || "0.0.0.0"), port };
}
