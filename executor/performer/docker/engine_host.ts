/**
 * Where the Docker Engine API is served: `docker.host` from the config, else `DOCKER_HOST`, else
 * the local socket — the same order and spellings the docker CLI accepts, minus the transports
 * this client does not speak (TLS, ssh, named pipes), which are refused with a clear message
 * rather than tried in plaintext.
 * @module
 */

/** The socket the docker CLI and the engine use by default. */
export const DEFAULT_DOCKER_SOCKET = "/var/run/docker.sock";

/** Docker's conventional plaintext port, used when a `tcp://` host names none. */
const DEFAULT_TCP_PORT = 2375;

/** A resolved Engine API address. */
export type EngineAddress =
  | { transport: "unix"; path: string }
  | { transport: "tcp"; hostname: string; port: number };

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
      `Cannot use Docker host "${value}" (from ${source}): DOCKER_TLS_VERIFY is set, and TLS ` +
        `to the engine is not supported; use a unix socket, or a plaintext tcp:// endpoint ` +
        `reachable only locally (e.g. through an SSH tunnel)`,
    );
  }
  return address;
}

/** The address as a `unix://` or `tcp://` URL, for logs and messages. */
export function describeEngineAddress(address: EngineAddress): string {
  if (address.transport === "unix") return `unix://${address.path}`;
  const host = address.hostname.includes(":") ? `[${address.hostname}]` : address.hostname;
  return `tcp://${host}:${address.port}`;
}

function parseHost(value: string, source: string): EngineAddress {
  const invalid = (why: string, options?: ErrorOptions) =>
    new Error(
      `Invalid Docker host "${value}" (from ${source}): ${why}; use unix:///path/to/socket, ` +
        `a socket path, tcp://host:port or http://host:port`,
      options,
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
  } catch (err) {
    throw invalid("not a valid URL", { cause: err });
  }
  if (!url.hostname) throw invalid("no host name");
  if (url.pathname !== "" && url.pathname !== "/") throw invalid("a path is not supported");
  if (url.search || url.username || url.password) {
    throw invalid("query strings and credentials are not supported");
  }
  const port = url.port ? Number(url.port) : scheme === "http" ? 80 : DEFAULT_TCP_PORT;
  return { transport: "tcp", hostname: url.hostname.replace(/^\[(.*)\]$/, "$1"), port };
}
