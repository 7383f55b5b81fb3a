/**
 * A minimal Docker Engine API client over a unix socket (Docker's or Podman's compatible API),
 * built on Deno's fetch: enough for tools and tests to create, start, inspect and remove
 * containers. The executor's docker mode has its own client.
 * @module
 */

/** An error answer of the Engine API. */
export class EngineApiError extends Error {
  /** The HTTP status, e.g. 404 for a missing container. */
  readonly status: number;

  /** Wraps the answer `status` with the API's own `message`. */
  constructor(message: string, status: number, options?: ErrorOptions) {
    super(message, options);
    this.name = "EngineApiError";
    this.status = status;
  }
}

/** A Docker Engine API client bound to one socket. */
export interface EngineClient {
  /** The unix socket this client talks to. */
  socketPath: string;
  /** Sends `method path` with an optional JSON body; resolves with the parsed JSON answer. */
  request<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
  /** True when `GET /_ping` answers "OK". */
  ping(): Promise<boolean>;
  /** Releases the client's connections. */
  close(): void;
}

// The host part is ignored over a unix socket; "docker" reads well in logs.
const BASE = "http://docker";

/** A client for the Engine API served on `socketPath`. */
export function engineClient(socketPath: string): EngineClient {
  const client = Deno.createHttpClient({ proxy: { transport: "unix", path: socketPath } });
  const request = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    let res: Response;
    try {
      res = await fetch(`${BASE}${path}`, {
        client,
        method,
        headers: body === undefined ? {} : { "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      throw new Error(`Cannot reach the Engine API on "${socketPath}" (${method} ${path})`, {
        cause: err,
      });
    }
    const text = await res.text();
    if (!res.ok) {
      throw new EngineApiError(
        `Engine API ${method} ${path} answered ${res.status}: ${errorMessage(text)}`,
        res.status,
      );
    }
    return (text === "" ? undefined : parseJson(text)) as T;
  };
  return {
    socketPath,
    request,
    async ping() {
      const res = await fetch(`${BASE}/_ping`, { client });
      return res.ok && (await res.text()).trim() === "OK";
    },
    close: () => client.close(),
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function errorMessage(text: string): string {
  const parsed = parseJson(text);
  if (parsed && typeof parsed === "object" && "message" in parsed) {
    return String(parsed.message);
  }
  return text.trim().slice(0, 500);
}
