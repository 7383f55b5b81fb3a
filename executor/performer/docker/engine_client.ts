/**
 * The executor's Docker Engine API client (Docker, or Podman's compatible API): JSON requests
 * over Deno's fetch, each with a timeout, errors that carry the HTTP status and the engine's own
 * message, and image pulls that read the progress stream to its end.
 *
 * Paths are unversioned on purpose: the engine then speaks its newest API version, and the
 * fields used here are stable across versions, while a pinned old version is refused by newer
 * engines (Docker 29 accepts nothing below 1.44).
 * @module
 */

import { ReasonError } from "../../../shared/errors/reason_error.ts";
import {
  describeEngineAddress,
  type EngineAddress,
  resolveEngineAddress,
  type ResolveEngineOptions,
} from "./engine_host.ts";

/** An error answer of the Engine API (or an error reported inside a pull's progress stream). */
export class EngineApiError extends Error {
  /** The HTTP status, e.g. 404 for a missing container; 200 for an error inside a stream. */
  readonly status: number;
  /** The engine's own message, e.g. "No such container: abc". */
  readonly engineMessage: string;

  /** Wraps the answer of `method path`. */
  constructor(method: string, path: string, status: number, engineMessage: string) {
    super(`Engine API ${method} ${path} answered ${status}: ${engineMessage}`);
    this.name = "EngineApiError";
    this.status = status;
    this.engineMessage = engineMessage;
  }
}

/** The engine did not answer: unreachable, or no answer within the request's timeout. */
export class EngineConnectionError extends ReasonError<"Unreachable" | "Timeout"> {}

/** Options of one request. */
export interface EngineRequestOptions {
  /** Sent as JSON. */
  body?: unknown;
  /** Query parameters; undefined values are left out. */
  query?: Record<string, string | number | boolean | undefined>;
  /** Overrides the client's default timeout, covering the whole exchange. */
  timeoutMs?: number;
  /** Cancels the request; it then rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** Options of `EngineClient.pullImage`. */
export interface PullOptions {
  /** The whole pull, progress stream included; 10 minutes by default. */
  timeoutMs?: number;
  /** Cancels the pull. */
  signal?: AbortSignal;
}

/** A Docker Engine API client bound to one engine. */
export interface EngineClient {
  /** The engine this client talks to. */
  readonly address: EngineAddress;
  /** Sends `method path`; resolves with the parsed JSON answer (undefined when empty). */
  request<T = unknown>(method: string, path: string, options?: EngineRequestOptions): Promise<T>;
  /** True when `GET /_ping` answers "OK"; rejects when the engine cannot be reached. */
  ping(options?: EngineRequestOptions): Promise<boolean>;
  /** `POST /images/create` of `repository` at `tagOrDigest`; rejects if the stream reports an error. */
  pullImage(repository: string, tagOrDigest: string, options?: PullOptions): Promise<void>;
  /** Releases the client's connections. */
  close(): void;
}

/** Options of `createEngineClient`. */
export interface EngineClientOptions extends ResolveEngineOptions {
  /** Default timeout of a request; 30 s by default. */
  timeoutMs?: number;
}

// The host part is not used for routing (the client's proxy picks the socket); it only shows
// up in the Host header, where "docker" is what the docker CLI sends over a socket too.
const BASE = "http://docker";
const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_PULL_TIMEOUT_MS = 600_000;

/** A client for the engine named by `host`, `DOCKER_HOST` or the default socket. */
export function createEngineClient(options: EngineClientOptions = {}): EngineClient {
  const address = resolveEngineAddress(options);
  const where = describeEngineAddress(address);
  // A tcp "proxy" sends every request straight to that socket, so HTTP_PROXY and friends,
  // which Deno's fetch honours otherwise, never divert calls meant for the engine.
  const client = Deno.createHttpClient({
    proxy: address.transport === "unix"
      ? { transport: "unix", path: address.path }
      : { transport: "tcp", hostname: address.hostname, port: address.port },
  });
  const defaultTimeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  // User info of a tcp:// host, for a proxy in front of the engine: a header, never in the
  // URL, since fetch's errors quote the URL.
  const auth: Record<string, string> = address.transport === "tcp" && address.authorization
    ? { authorization: address.authorization }
    : {};

  /** Runs fetch and `read` under one deadline, mapping failures to the errors above. */
  const exchange = async <T>(
    method: string,
    path: string,
    options: EngineRequestOptions,
    read: (res: Response) => Promise<T>,
  ): Promise<T> => {
    const timeoutMs = options.timeoutMs ?? defaultTimeout;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    try {
      const res = await fetch(`${BASE}${path}${queryString(options.query)}`, {
        client,
        method,
        headers: options.body === undefined
          ? auth
          : { ...auth, "content-type": "application/json" },
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal,
      });
      if (!res.ok && res.status !== 304) {
        throw new EngineApiError(method, path, res.status, errorMessage(await res.text()));
      }
      return await read(res);
    } catch (err) {
      if (err instanceof EngineApiError) throw err;
      if (options.signal?.aborted) throw options.signal.reason;
      if (timeout.aborted) {
        throw new EngineConnectionError(
          "Timeout",
          `The Docker engine at ${where} did not answer ${method} ${path} within ${timeoutMs} ms`,
          { cause: err },
        );
      }
      throw new EngineConnectionError(
        "Unreachable",
        `Cannot reach the Docker engine at ${where} (${method} ${path})`,
        { cause: err },
      );
    }
  };

  return {
    address,
    request: <T>(method: string, path: string, options: EngineRequestOptions = {}) =>
      exchange(method, path, options, async (res) => {
        // 304 is how the engine says "already started/stopped": success with nothing to read.
        const text = await res.text();
        return (text === "" ? undefined : parseJson(text)) as T;
      }),
    ping: (options = {}) =>
      exchange("GET", "/_ping", options, async (res) => (await res.text()).trim() === "OK"),
    pullImage: (repository, tagOrDigest, options = {}) => {
      const path = "/images/create";
      return exchange("POST", path, {
        query: { fromImage: repository, tag: tagOrDigest },
        timeoutMs: options.timeoutMs ?? DEFAULT_PULL_TIMEOUT_MS,
        signal: options.signal,
      }, async (res) => {
        const error = await firstStreamError(res.body);
        if (error !== undefined) throw new EngineApiError("POST", path, res.status, error);
      });
    },
    close: () => client.close(),
  };
}

/**
 * Reads a JSON-lines progress stream to its end (a failed pull still answers 200 and reports
 * the failure in a line's `errorDetail`/`error`); returns the first error message, if any.
 */
export async function firstStreamError(
  body: ReadableStream<Uint8Array> | null,
): Promise<string | undefined> {
  if (body === null) return undefined;
  let found: string | undefined;
  let buffered = "";
  const inspect = (line: string) => {
    const event = parseJson(line);
    if (found !== undefined || typeof event !== "object" || event === null) return;
    const { error, errorDetail } = event as {
      error?: unknown;
      errorDetail?: { message?: unknown };
    };
    const message = errorDetail?.message ?? error;
    if (message !== undefined) found = String(message) || "unknown error";
  };
  for await (const chunk of body.pipeThrough(new TextDecoderStream())) {
    buffered += chunk;
    const lines = buffered.split("\n");
    buffered = lines.pop() ?? "";
    lines.forEach(inspect);
  }
  inspect(buffered);
  return found;
}

function queryString(query: EngineRequestOptions["query"]): string {
  if (!query) return "";
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined) params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : "";
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The engine's `message` field, else the start of the body. */
function errorMessage(text: string): string {
  const parsed = parseJson(text);
  if (parsed && typeof parsed === "object" && "message" in parsed) return String(parsed.message);
  return text.trim().slice(0, 500) || "(empty answer)";
}
