/**
 * A self-healing list+watch informer with a local cache (a reflector and its store).
 *
 * Guarantees, the ones client-go users rely on:
 * - The store holds what the API server had at the last event: after a (re-)list, objects that
 *   disappeared while we were not watching are reported as deleted.
 * - Watches resume from the last resourceVersion; a 410 Gone (history compacted) re-lists.
 * - Every watch is bounded by a random `timeoutSeconds` of 5–10 minutes (so no connection lives
 *   forever), and a watchdog restarts a watch that has been silent for `silentWatchMs` (3 min by
 *   default): with bookmarks the API server sends something every minute or two even when
 *   nothing changes, so a longer silence is a connection that died without an error (a
 *   black-holed flow, a stalled proxy), which would otherwise hide every change until the
 *   watch's timeout. Restarting resumes from the last resourceVersion. A watch request
 *   not answered within `connectTimeoutMs` is cancelled and counts as a failure; so is one in
 *   flight when the informer stops (client-node's `Watch` gives no handle on its request until
 *   the server answers, so the request's own agent is destroyed). Lists are bounded by the API
 *   client's request timeout (`makeApiClient`). Watches go through client-node's `Watch` (loaded
 *   only then) over `kubeConfig`, or through a `watcher` such as `KubeRest`
 *   (`shared/kube/rest.ts`), which the operator uses so as not to load client-node at all.
 * - Failures restart with exponential back-off and jitter; they never stop the informer. A watch
 *   the server ends within a second counts as a failure, so a proxy or server that closes every
 *   stream at once does not get a tight loop of watch requests.
 * - Handlers run after the store is updated, so a handler reading the store sees the event.
 * @module
 */

import type * as k8s from "@kubernetes/client-node";
import { type Backoff, delay, exponentialBackoff } from "./backoff.ts";
import {
  type InformerEvent,
  objectKey,
  type ReadonlyStore,
  Store,
  type WriteRecorder,
} from "./store.ts";

/** What a list call returns. */
export interface ListResult<T> {
  items: T[];
  metadata?: { resourceVersion?: string; _continue?: string };
}

/** Parameters passed to the list function. */
export interface ListParams {
  labelSelector?: string;
  fieldSelector?: string;
  limit: number;
  _continue?: string;
}

/**
 * Opens watches (the shape of `KubeRest.watch`): resolves once the server has answered, then
 * calls `onEvent` per event and `done` once when the stream ends; aborting `signal` ends the
 * request, whether answered or not.
 */
export interface Watcher {
  watch(
    path: string,
    query: Record<string, string | number | boolean | undefined>,
    onEvent: (type: string, object: unknown) => void,
    done: (err?: unknown) => void,
    signal: AbortSignal,
  ): Promise<unknown>;
}

/** Options of an informer. */
export interface InformerOptions<T extends k8s.KubernetesObject> {
  /** Name for logs, e.g. "pods". */
  name: string;
  /** Client config, used for watch requests (through client-node's `Watch`) without `watcher`. */
  kubeConfig?: k8s.KubeConfig;
  /** Opens the watches; default: client-node's `Watch` over `kubeConfig`. */
  watcher?: Watcher;
  /** Lists one page of objects. */
  list: (params: ListParams) => Promise<ListResult<T>>;
  /** API path to watch, e.g. `/api/v1/pods`. */
  watchPath: string;
  labelSelector?: string;
  /** Field selector for list and watch, e.g. `metadata.name=node-1`. */
  fieldSelector?: string;
  /** Structured log sink. */
  log?: (level: "debug" | "info" | "warn" | "error", msg: string, fields?: object) => void;
  /** Page size of lists (default 500). */
  pageSize?: number;
  /** Back-off between failed attempts (default 0.5 s doubling to 30 s). */
  backoff?: Backoff;
  /** How long a watch request may wait for the server's answer (default 30 s). */
  connectTimeoutMs?: number;
  /** How long an answered watch may stay silent before it is restarted (default 3 min). */
  silentWatchMs?: number;
  /** An index of the cache (`ReadonlyStore.byIndex`), e.g. pods by their owner's name. */
  index?: (obj: T) => string | undefined;
  /** Applied to every object before it is cached, e.g. to drop fields nobody reads. */
  transform?: (obj: T) => T;
}

/**
 * Default of `silentWatchMs`. kube-apiserver sends bookmarks on a quiet watch (measured here on
 * a watch with nothing to report: the first after 120 s, then every 60 s), so 3 minutes of
 * silence is a dead connection, and a false restart costs one watch request.
 */
const DEFAULT_SILENT_WATCH_MS = 180_000;

/** A watch that ends sooner than this without an error is treated as a failure. */
const MIN_WATCH_MS = 1000;

/**
 * A running informer: a read-only store plus change notifications. It is the store's one
 * writer; a controller reports its own writes' results through the `WriteRecorder` methods.
 */
export class Informer<T extends k8s.KubernetesObject> implements WriteRecorder<T> {
  readonly #store: Store<T>;
  /** The cache, read-only. */
  readonly store: ReadonlyStore<T>;
  readonly #options: InformerOptions<T>;
  readonly #watcher: Watcher;
  readonly #handlers: ((event: InformerEvent<T>) => void)[] = [];
  readonly #synced = Promise.withResolvers<void>();
  readonly #stop = new AbortController();
  /** Ends the current watch, whether its request has been answered or not. */
  #endWatch?: () => void;
  #resourceVersion = "";
  #running?: Promise<void>;
  #lastActivity = Date.now();

  constructor(options: InformerOptions<T>) {
    this.#options = options;
    if (!options.watcher && !options.kubeConfig) {
      throw new TypeError(`informer ${options.name}: give a watcher or a kubeConfig`);
    }
    this.#watcher = options.watcher ?? clientNodeWatcher(options.kubeConfig!);
    this.#store = new Store<T>({ index: options.index, transform: options.transform });
    this.store = this.#store.view;
  }

  /** Registers a handler for changes (call before `start`). */
  onEvent(handler: (event: InformerEvent<T>) => void): void {
    this.#handlers.push(handler);
  }

  /** Starts listing and watching; resolves once the first list is in the store. */
  start(): Promise<void> {
    this.#running ??= this.#run();
    return Promise.race([this.#synced.promise, this.#running]);
  }

  /** Records the object an API write returned (see `WriteRecorder`). */
  recordWrite(obj: T): void {
    this.#store.recordWrite(obj);
  }

  /** Records the object a delete returned (see `WriteRecorder`). */
  recordTerminating(obj: T): void {
    this.#store.recordTerminating(obj);
  }

  /** Records that a delete removed an object outright (see `WriteRecorder`). */
  recordDelete(key: string): void {
    this.#store.recordDelete(key);
  }

  /** Whether the first list has completed. */
  get hasSynced(): boolean {
    return this.#store.synced;
  }

  /** Stops watching; resolves when the loop has ended. */
  async stop(): Promise<void> {
    this.#stop.abort(new Error(`informer ${this.#options.name} stopped`));
    this.#endWatch?.();
    await this.#running;
  }

  async #run(): Promise<void> {
    const backoff = this.#options.backoff ??
      exponentialBackoff({ minTimeout: 500, maxTimeout: 30_000 });
    let needList = true;
    while (!this.#stop.signal.aborted) {
      try {
        if (needList) {
          await this.#relist();
          needList = false;
        }
        const started = Date.now();
        needList = await this.#watch();
        if (!needList && Date.now() - started < MIN_WATCH_MS && !this.#stop.signal.aborted) {
          throw new Error(`Watch of "${this.#options.watchPath}" ended at once`);
        }
        backoff.reset();
      } catch (err) {
        if (this.#stop.signal.aborted) break;
        const wait = backoff.next();
        this.#log("warn", "list/watch failed; retrying", { error: String(err), retryInMs: wait });
        // Many failures in a row may mean our resourceVersion is no longer any good.
        if (backoff.failures >= 3) needList = true;
        await delay(wait, this.#stop.signal).catch(() => {});
      }
    }
  }

  async #relist(): Promise<void> {
    const items: T[] = [];
    let cont: string | undefined;
    let resourceVersion = "";
    do {
      const page = await this.#options.list({
        labelSelector: this.#options.labelSelector,
        fieldSelector: this.#options.fieldSelector,
        limit: this.#options.pageSize ?? 500,
        _continue: cont,
      });
      items.push(...page.items);
      resourceVersion = page.metadata?.resourceVersion ?? resourceVersion;
      cont = page.metadata?._continue || undefined;
    } while (cont);
    this.#resourceVersion = resourceVersion;
    const events = this.#store.replace(items);
    this.#log("debug", "listed", { count: items.length, resourceVersion });
    this.#synced.resolve();
    for (const event of events) this.#emit(event);
  }

  /** Watches until the stream ends; returns true when a re-list is needed (410 Gone). */
  #watch(): Promise<boolean> {
    const timeoutSeconds = 300 + Math.floor(Math.random() * 300);
    const { promise, resolve, reject } = Promise.withResolvers<boolean>();
    // Set when we end the stream ourselves; the error the client then reports is expected.
    let ending: "gone" | "restart" | undefined;
    this.#lastActivity = Date.now();
    const request = new AbortController();
    this.#endWatch = () => request.abort();
    const silentMs = Math.min(
      (timeoutSeconds + 60) * 1000,
      this.#options.silentWatchMs ?? DEFAULT_SILENT_WATCH_MS,
    );
    const watchdog = setInterval(() => {
      if (Date.now() - this.#lastActivity > silentMs) {
        this.#log("warn", "watch silent for too long; restarting it", { silentMs });
        ending = "restart";
        this.#endWatch?.();
      }
    }, Math.min(30_000, silentMs / 4));
    const connectMs = this.#options.connectTimeoutMs ?? 30_000;
    // The request is cancelled if the server has not answered by then (finish is set below).
    const connecting = setTimeout(() => {
      finish(
        new Error(`Watch of "${this.#options.watchPath}" not answered within ${connectMs} ms`),
      );
      request.abort();
    }, connectMs);
    const finish = (err?: unknown) => {
      clearInterval(watchdog);
      clearTimeout(connecting);
      const gone = ending === "gone" || isGone(err);
      if (err && !gone && ending === undefined && !this.#stop.signal.aborted) reject(err);
      else resolve(gone);
    };
    if (this.#stop.signal.aborted) request.abort();
    this.#watcher.watch(
      this.#options.watchPath,
      {
        resourceVersion: this.#resourceVersion,
        allowWatchBookmarks: true,
        timeoutSeconds,
        labelSelector: this.#options.labelSelector,
        fieldSelector: this.#options.fieldSelector,
      },
      (phase: string, object: unknown) => {
        this.#lastActivity = Date.now();
        if (phase === "ERROR") {
          const gone = (object as { code?: number }).code === 410;
          ending = gone ? "gone" : "restart";
          this.#log(gone ? "info" : "warn", "watch error event", { object });
          this.#endWatch?.();
          return;
        }
        this.#apply(phase, object as T);
      },
      finish,
      request.signal,
    ).then(() => clearTimeout(connecting), finish);
    return promise;
  }

  #apply(phase: string, object: T): void {
    const rv = object.metadata?.resourceVersion;
    if (rv) this.#resourceVersion = rv;
    if (phase === "BOOKMARK") return;
    const event = phase === "DELETED" ? this.#store.remove(object) : this.#store.upsert(object);
    if (event) this.#emit(event);
  }

  #emit(event: InformerEvent<T>): void {
    for (const handler of this.#handlers) {
      try {
        handler(event);
      } catch (err) {
        this.#log("error", "event handler failed", {
          error: String(err),
          key: objectKey(event.object),
        });
      }
    }
  }

  #log(level: "debug" | "info" | "warn" | "error", msg: string, fields: object = {}): void {
    this.#options.log?.(level, msg, { informer: this.#options.name, ...fields });
  }
}

/**
 * Watches through client-node's `Watch` (imported on first use). Aborting the signal before the
 * server answers destroys the request's own agent (client-node makes one per
 * `applyToFetchOptions` and gives no other handle on it), which fails the request; after, it
 * aborts the stream.
 */
function clientNodeWatcher(kc: k8s.KubeConfig): Watcher {
  return {
    async watch(path, query, onEvent, done, signal) {
      const { Watch } = await import("@kubernetes/client-node");
      signal.throwIfAborted();
      const agents: { destroy?: () => void }[] = [];
      const config = Object.create(kc, {
        applyToFetchOptions: {
          value: async (opts: object) => {
            const init = await kc.applyToFetchOptions(opts);
            if (init.agent && typeof init.agent === "object") agents.push(init.agent);
            return init;
          },
        },
      }) as k8s.KubeConfig;
      const answered: { stream?: AbortController } = {};
      signal.addEventListener(
        "abort",
        () =>
          answered.stream ? answered.stream.abort() : agents.forEach((agent) => agent.destroy?.()),
        { once: true },
      );
      answered.stream = await new Watch(config).watch(path, query, onEvent, done);
      if (signal.aborted) answered.stream.abort();
    },
  };
}

function isGone(err: unknown): boolean {
  if (!err || typeof err !== "object") return false;
  const e = err as { statusCode?: number; code?: number; message?: string };
  return e.statusCode === 410 || e.code === 410 || /\b410\b|Gone/.test(e.message ?? "");
}
