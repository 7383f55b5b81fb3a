/**
 * Where the Docker Engine API is served: `docker.host` from the config, else `DOCKER_HOST`, else
 * the local socket — the same order and spellings the docker CLI accepts, minus the transports
 * this client does not speak (TLS, ssh, named pipes), which are refused with a clear message
 * rather than tried in plaintext.
 *
 * A tcp:// or http:// host may carry `user:password@` for a proxy in front of the engine; it is
 * sent as HTTP Basic auth. No message, log line or metric names the address with its user info
 * or query: they print {@linkcode redactDockerHost} or {@linkcode describeEngineAddress}.
 * @module
 */

/** The socket the docker CLI and the engine use by default. */
export const DEFAULT_DOCKER_SOCKET = "/var/run/docker.sock";

/** Docker's conventional plaintext port, used when a `tcp://` host names none. */
const DEFAULT_TCP_PORT = 2375;

/** A resolved Engine API address. */
export type EngineAddress =
  | { transport: "unix"; path: string }
  | {
    transport: "tcp";
    hostname: string;
    port: number;
    /** `Basic …` from the URL's user info; never printed. */
    authorization?: string;
  };

/** Options of `resolveEngineAddress`. */
export interface ResolveEngineOptions {
  /** `docker.host` from the config; wins over the environment. */
  host?: string;
  /** Reads environment variables; `Deno.env.get` by default. */
  env?: (name: string) => string | undefined;
}

/** Resolves the engine address from the config, `DOCKER_HOST` or the default socket. */
export function resolveEngineAddress(options: ResolveEngineOptions = {}): EngineAddress {
  const env = options.env ?? ((name: string) => Deno.env.get(name));
  const fromConfig = options.host?.trim();
  const fromEnv = env("DOCKER_HOST")?.trim();
  const [value, source] = fromConfig
    ? [fromConfig, "docker.host"]
    : fromEnv
    ? [fromEnv, "DOCKER_HOST"]
    : [DEFAULT_DOCKER_SOCKET, "the default"];
  const address = parseHost(value, source);
  // DOCKER_TLS_VERIFY asks for TLS; sending the same requests in plaintext would fail with a
  // confusing error (or, worse, succeed against a different listener).
  if (address.transport === "tcp" && env("DOCKER_TLS_VERIFY")) {
    throw new Error(
      `Cannot use Docker host "${redactDockerHost(value)}" (from ${source}): DOCKER_TLS_VERIFY ` +
        `is set, and TLS to the engine is not supported; use a unix socket, or a plaintext ` +
        `tcp:// endpoint reachable only locally (e.g. through an SSH tunnel)`,
    );
  }
  return address;
}

/** The address as a `unix://` or `tcp://` URL, for logs and messages; credentials as `***`. */
export function describeEngineAddress(address: EngineAddress): string {
  if (address.transport === "unix") return `unix://${address.path}`;
  const host = address.hostname.includes(":") ? `[${address.hostname}]` : address.hostname;
  return `tcp://${address.authorization ? "***@" : ""}${host}:${address.port}`;
}

/**
 * A Docker host value as it may be printed: user info, query and fragment become `***`. Works
 * on text that is not a valid URL too, since it is also used to say that a value is invalid.
 */
export function redactDockerHost(value: string): string {
  // Up to the last "@": a password may hold "/", "?" or "#" when it is not percent-encoded.
  return value
    .replace(/^([a-z][a-z0-9+.-]*:\/\/)?.*@/is, (_, scheme) => `${scheme ?? ""}***@`)
    .replace(/[?#].*$/s, "?***");
}

function parseHost(value: string, source: string): EngineAddress {
  const invalid = (why: string) =>
    new Error(
      `Invalid Docker host "${redactDockerHost(value)}" (from ${source}): ${why}; use ` +
        `unix:///path/to/socket, a socket path, tcp://host:port or http://host:port`,
    );
  if (value.startsWith("/")) return { transport: "unix", path: value };
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(value)?.[1]?.toLowerCase();
  if (scheme === "unix") {
    const path = value.slice("unix://".length);
    if (!path.startsWith("/")) throw invalid("the socket path must be absolute");
    return { transport: "unix", path };
  }
  if (scheme !== "tcp" && scheme !== "http") {
    throw invalid(scheme ? `the scheme "${scheme}" is not supported` : "no scheme");
  }
  let url: URL;
  try {
    // URL gives http:// its default port 80 and leaves tcp:// without one.
    url = new URL(value);
  } catch {
    // Not kept as the cause: URL's own message quotes the whole value, credentials included.
    throw invalid("not a valid URL");
  }
  if (!url.hostname) throw invalid("no host name");
  if (url.pathname !== "" && url.pathname !== "/") throw invalid("a path is not supported");
  if (url.search || url.hash) {
    throw invalid("a query string or fragment is not supported (credentials go in user:password@)");
  }
  const port = url.port ? Number(url.port) : scheme === "http" ? 80 : DEFAULT_TCP_PORT;
  const hostname = url.hostname.replace(/^\[(.*)\]$/, "$1");
  if (!url.username && !url.password) return { transport: "tcp", hostname, port };
  let credentials: string;
  try {
    credentials = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
  } catch {
    throw invalid("the user info is not valid percent-encoding");
  }
  const authorization = `Basic ${
    btoa(String.fromCharCode(...new TextEncoder().encode(credentials)))
  }`;
  return { transport: "tcp", hostname, port, authorization };
}
