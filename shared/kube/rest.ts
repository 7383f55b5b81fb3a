/**
 * A small Kubernetes REST client for the operator: JSON requests and watches over `fetch` on one
 * keep-alive `Deno.HttpClient` (TLS from the kubeconfig), with the same request timeout, optional
 * client-side rate limiter and error shape as `client.ts`'s client-node clients, so `kubeCall`
 * (`errors.ts`) works the same over both.
 *
 * Why not `@kubernetes/client-node`: loading it costs the process about 60 MiB of resident memory
 * (its ~2,500 generated model classes, the ObjectSerializer and 12 MB of generated API code are
 * all imported by its index, and by its `KubeConfig` too, through `gen/index.js`; the package has
 * no deep import that avoids them). Measured with the operator's V8 flags and `MALLOC_ARENA_MAX=2`:
 * an empty `deno run` 45 MiB, after `import("@kubernetes/client-node")` 105 MiB. The operator uses
 * a dozen calls (list, watch, create/patch/delete of pods, Services, Performers, Events, a Lease),
 * which this module covers in a few hundred lines; the executor and the dev tools keep client-node.
 * Objects come back as the API server's JSON (timestamps as strings, as client-node's `Watch`
 * already delivered them), not client-node's model instances.
 *
 * Credentials, read from a kubeconfig the way kubectl looks for one (`loadKubeConnection`): the
 * in-cluster service account (its token file re-read every minute, as client-go does), a bearer
 * token or token file, a client certificate and key, basic auth. A user with an `exec` or
 * `auth-provider` section gets its Authorization header from client-node's `KubeConfig`, loaded only
 * then. `insecure-skip-tls-verify` and `tls-server-name` are refused (fetch cannot honour them).
 * @module
 */

import type * as k8s from "@kubernetes/client-node";
import YAML from "yaml";
import type { KubeConfigOptions } from "./client.ts";
import { DEFAULT_REQUEST_TIMEOUT_MS } from "./call_options.ts";
import { defaultKubeconfigPath, runningInPod, SERVICE_ACCOUNT_DIR } from "./kubeconfig_location.ts";

/** How long a token file's content is used before it is read again (client-go: 1 min). */
const TOKEN_FILE_REFRESH_MS = 60_000;

/** Where and how to reach the API server. */
export interface KubeConnection {
  /** The API server's base URL, e.g. `https://10.0.0.1:443`. */
  server: string;
  /** PEM certificates trusted for the server (besides the system's). */
  caCerts?: string[];
  /** PEM client certificate and key. */
  cert?: string;
  key?: string;
  /** An HTTP(S) proxy for every request. */
  proxy?: string;
  /** The Authorization header of each request (may change: a rotating token). */
  authorization?: () => Promise<string | undefined> | string | undefined;
  /** Where the settings came from, for messages. */
  source: string;
}

/** Loads a kubeconfig the way kubectl does (as `loadKubeConfig`); throws naming what it tried. */
export function loadKubeConnection(options: KubeConfigOptions = {}): KubeConnection {
  const tried: string[] = [];
  try {
    if (options.kubeconfigPath) {
      tried.push(`--kubeconfig ${options.kubeconfigPath}`);
      return fromFile(options.kubeconfigPath, options.context);
    }
    if (options.inCluster || runningInPod()) {
      tried.push(`in-cluster service account (${SERVICE_ACCOUNT_DIR})`);
      return inCluster();
    }
    const path = defaultKubeconfigPath(tried);
    return fromFile(path, options.context);
  } catch (err) {
    throw new Error(
      `Cannot load a Kubernetes config (tried ${tried.join(", ")}): ${(err as Error).message}`,
      { cause: err },
    );
  }
}

function inCluster(): KubeConnection {
  const host = Deno.env.get("KUBERNETES_SERVICE_HOST");
  const port = Deno.env.get("KUBERNETES_SERVICE_PORT") ?? "443";
  if (!host) throw new Error("KUBERNETES_SERVICE_HOST is not set");
  const scheme = ["80", "8080", "8001"].includes(port) ? "http" : "https";
  const hostPart = host.includes(":") ? `[${host}]` : host;
  return {
    server: `${scheme}://${hostPart}:${port}`,
    caCerts: [Deno.readTextFileSync(`${SERVICE_ACCOUNT_DIR}/ca.crt`)],
    authorization: bearerFromFile(`${SERVICE_ACCOUNT_DIR}/token`),
    source: "in-cluster service account",
  };
}

type Named<T> = { name?: string } & T;
interface KubeconfigFile {
  clusters?: Named<{ cluster?: Record<string, unknown> }>[];
  users?: Named<{ user?: Record<string, unknown> }>[];
  contexts?: Named<{ context?: { cluster?: string; user?: string } }>[];
  "current-context"?: string;
}

function fromFile(path: string, contextName?: string): KubeConnection {
  const file = (YAML.parse(Deno.readTextFileSync(path)) ?? {}) as KubeconfigFile;
  const dir = path.includes("/") ? path.slice(0, path.lastIndexOf("/") + 1) : "";
  const name = contextName ?? file["current-context"];
  const context = file.contexts?.find((c) => c.name === name)?.context;
  if (!context) throw new Error(`no context "${name ?? ""}" in ${path}`);
  const cluster = file.clusters?.find((c) => c.name === context.cluster)?.cluster;
  if (!cluster) throw new Error(`no cluster "${context.cluster ?? ""}" in ${path}`);
  const user = file.users?.find((u) => u.name === context.user)?.user ?? {};
  const str = (o: Record<string, unknown>, key: string) =>
    typeof o[key] === "string" && o[key] !== "" ? o[key] as string : undefined;
  const pem = (o: Record<string, unknown>, key: string) => {
    const data = str(o, `${key}-data`);
    if (data) return new TextDecoder().decode(Uint8Array.from(atob(data), (c) => c.charCodeAt(0)));
    const file = str(o, key);
    return file ? Deno.readTextFileSync(file.startsWith("/") ? file : dir + file) : undefined;
  };
  const server = str(cluster, "server");
  if (!server) throw new Error(`cluster "${context.cluster}" in ${path} has no server`);
  for (const unsupported of ["insecure-skip-tls-verify", "tls-server-name"]) {
    if (cluster[unsupported]) {
      throw new Error(`cluster "${context.cluster}" in ${path}: ${unsupported} is not supported`);
    }
  }
  const ca = pem(cluster, "certificate-authority");
  const connection: KubeConnection = {
    server: server.replace(/\/+$/, ""),
    caCerts: ca ? [ca] : undefined,
    cert: pem(user, "client-certificate"),
    key: pem(user, "client-key"),
    proxy: str(cluster, "proxy-url"),
    source: path,
  };
  const token = str(user, "token");
  const tokenFile = str(user, "tokenFile");
  const username = str(user, "username");
  if (user.exec || user["auth-provider"]) {
    connection.authorization = clientNodeAuthorization(path, name!);
  } else if (token) {
    connection.authorization = () => `Bearer ${token}`;
  } else if (tokenFile) {
    connection.authorization = bearerFromFile(
      tokenFile.startsWith("/") ? tokenFile : dir + tokenFile,
    );
  } else if (username) {
    const basic = btoa(`${username}:${str(user, "password") ?? ""}`);
    connection.authorization = () => `Basic ${basic}`;
  }
  return connection;
}

/** `Bearer <token>` from a file read again once a minute (a projected token rotates). */
function bearerFromFile(path: string): () => string {
  let token = "";
  let readAt = -Infinity;
  return () => {
    if (performance.now() - readAt > TOKEN_FILE_REFRESH_MS) {
      token = Deno.readTextFileSync(path).trim();
      readAt = performance.now();
    }
    return `Bearer ${token}`;
  };
}

/** The Authorization header of an `exec` or `auth-provider` user, from client-node (lazily). */
function clientNodeAuthorization(path: string, context: string): () => Promise<string | undefined> {
  let kc: Promise<k8s.KubeConfig> | undefined;
  return async () => {
    kc ??= import("@kubernetes/client-node").then(({ KubeConfig }) => {
      const config = new KubeConfig();
      config.loadFromFile(path);
      config.setCurrentContext(context);
      return config;
    });
    const options: { headers: Record<string, string> } = { headers: {} };
    await (await kc).applyToHTTPSOptions(options);
    return options.headers.Authorization ?? options.headers.authorization;
  };
}

/**
 * The API server answered with an error status. Shaped like client-node's `ApiException`
 * (`code`, `body`, `headers`), which is how `errors.ts` recognises both.
 */
export class KubeHttpError extends Error {
  constructor(
    readonly code: number,
    readonly body: string,
    readonly headers: Record<string, string>,
    method: string,
    path: string,
  ) {
    super(`${method} ${path}: HTTP ${code}: ${body.slice(0, 300)}`);
    this.name = "KubeHttpError";
  }
}

/** Query parameters; undefined ones are left out. */
export type Query = Record<string, string | number | boolean | undefined>;

/** Options of one request. */
export interface RequestOptions {
  query?: Query;
  /** Sent as JSON. */
  body?: unknown;
  /** Content-Type of the body (default `application/json`; patches name their kind). */
  contentType?: string;
  /** Cancels the request, even in flight. */
  signal?: AbortSignal;
}

/** Options of a `KubeRest`. */
export interface KubeRestOptions {
  /** Waited on before every request (client-side QPS/burst limit); not before watches. */
  limiter?: { wait(): Promise<void> };
  /**
   * Each request (not watch) is cancelled if it has not been answered, body included, this long
   * after it was sent; 0: no timeout. Default 30 s, as `makeApiClient`.
   */
  timeoutMs?: number;
}

/** An event of a watch. */
export type WatchCallback = (type: string, object: unknown) => void;

/** Requests and watches against one API server over one keep-alive connection pool. */
export class KubeRest {
  readonly #connection: KubeConnection;
  readonly #client: Deno.HttpClient;
  readonly #limiter?: { wait(): Promise<void> };
  readonly #timeoutMs: number;

  constructor(connection: KubeConnection, options: KubeRestOptions = {}) {
    const { timeoutMs = DEFAULT_REQUEST_TIMEOUT_MS } = options;
    if (!(timeoutMs >= 0 && Number.isFinite(timeoutMs))) {
      throw new RangeError(`timeoutMs must be a finite number ≥ 0, not ${timeoutMs}`);
    }
    this.#connection = connection;
    this.#limiter = options.limiter;
    this.#timeoutMs = timeoutMs;
    // HTTP/2 where the server offers it (kube-apiserver does, and client-go uses it): every
    // request and watch shares one TLS connection. Measured with `deno task bench --n 1000`, two
    // runs each: operator RSS 105.6 / 108.6 MiB, upgrade wave 32.5 / 29.3 s on HTTP/2; 117.5–127.0
    // MiB, 24.5–51.0 s (4 runs) on HTTP/1.1 with a connection per request in flight.
    this.#client = Deno.createHttpClient({
      http2: true,
      caCerts: connection.caCerts,
      ...(connection.cert && connection.key ? { cert: connection.cert, key: connection.key } : {}),
      ...(connection.proxy ? { proxy: { url: connection.proxy } } : {}),
    });
  }

  /** The API server's base URL. */
  get server(): string {
    return this.#connection.server;
  }

  /** Sends a request and returns the answer's JSON; an error status throws `KubeHttpError`. */
  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const { signal } = options;
    if (this.#limiter) {
      await this.#limiter.wait();
      signal?.throwIfAborted();
    }
    // After the limiter: the timeout counts from when the request is sent.
    const timeout = this.#timeoutMs > 0 ? AbortSignal.timeout(this.#timeoutMs) : undefined;
    const signals = [signal, timeout].filter((s) => s !== undefined);
    const joined = signals.length > 1 ? AbortSignal.any(signals) : signals[0];
    try {
      const response = await this.#fetch(method, path, options, joined);
      const text = await response.text();
      if (!response.ok) throw this.#failure(response, text, method, path);
      return (text === "" ? undefined : JSON.parse(text)) as T;
    } catch (err) {
      // The request timeout, as client-node's clients report it (`toKubeApiError`: "Timeout").
      if (timeout?.aborted && !signal?.aborted) {
        throw new DOMException("no answer within the request timeout", "AbortError");
      }
      throw err;
    }
  }

  /**
   * Starts a watch of `path` (with `watch=true` added to `query`); resolves once the server has
   * answered, then calls `onEvent` for each event and `done` once when the stream ends (with the
   * error, if any; aborting `signal` ends it with an AbortError). An error status rejects.
   */
  async watch(
    path: string,
    query: Query,
    onEvent: WatchCallback,
    done: (err?: unknown) => void,
    signal: AbortSignal,
  ): Promise<void> {
    const method = "GET";
    const response = await this.#fetch(method, path, { query: { ...query, watch: true } }, signal);
    if (!response.ok) {
      throw this.#failure(response, await response.text(), method, path);
    }
    readLines(response.body!, signal, (line) => {
      const event = JSON.parse(line) as { type: string; object: unknown };
      onEvent(event.type, event.object);
    }).then(() => done(), done);
  }

  async #fetch(
    method: string,
    path: string,
    options: RequestOptions,
    signal: AbortSignal | undefined,
  ): Promise<Response> {
    const url = new URL(this.#connection.server + path);
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const headers: Record<string, string> = { accept: "application/json" };
    const authorization = await this.#connection.authorization?.();
    if (authorization) headers.authorization = authorization;
    let body: string | undefined;
    if (options.body !== undefined) {
      headers["content-type"] = options.contentType ?? "application/json";
      body = JSON.stringify(options.body);
    }
    return await fetch(url, { method, headers, body, signal, client: this.#client });
  }

  #failure(response: Response, text: string, method: string, path: string): KubeHttpError {
    return new KubeHttpError(
      response.status,
      text,
      Object.fromEntries(response.headers),
      method,
      path,
    );
  }

  /** Closes the connection pool. */
  close(): void {
    this.#client.close();
  }
}

/**
 * Calls `onLine` for each non-empty line of `stream` until it ends; rejects with the signal's
 * reason once `signal` aborts. The reader is cancelled then: aborting the fetch alone did not
 * end a pending read of a watch's body here (an operator that stopped hung in its informers).
 */
async function readLines(
  stream: ReadableStream<Uint8Array>,
  signal: AbortSignal,
  onLine: (line: string) => void,
): Promise<void> {
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  const cancel = () => reader.cancel(signal.reason).catch(() => {});
  signal.addEventListener("abort", cancel, { once: true });
  try {
    let buffered = "";
    for (;;) {
      const { done, value } = await reader.read();
      signal.throwIfAborted();
      if (done) break;
      buffered += value;
      let end: number;
      while ((end = buffered.indexOf("\n")) >= 0) {
        const line = buffered.slice(0, end).trim();
        buffered = buffered.slice(end + 1);
        if (line !== "") onLine(line);
      }
    }
    if (buffered.trim() !== "") onLine(buffered.trim());
  } catch (err) {
    await cancel();
    throw err;
  } finally {
    signal.removeEventListener("abort", cancel);
  }
}
