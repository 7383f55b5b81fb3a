/**
 * A self-healing list+watch cache of one resource, because `@kubernetes/client-node` informers
 * can stop silently: every watch is bounded by a random `timeoutSeconds` in 5–10 minutes (as
 * client-go does) and guarded by a watchdog; a watch that ends resumes from the last
 * resourceVersion; 410 Gone or an error leads to a fresh list (after a jittered back-off), and
 * objects missing from that list are reported as deleted.
 *
 * Objects are kept in wire form (timestamps as strings), whether they came from the list or a
 * watch event.
 * @module
 */

import * as k8s from "@kubernetes/client-node";
import { apiErrorCode } from "./kube_errors.ts";
import { errorText, type Log } from "./log.ts";
import { sleep } from "./sleep.ts";

/** The metadata a cached object needs. */
export interface KubeObject {
  metadata?: { name?: string; namespace?: string; resourceVersion?: string };
}

/** Options of a reflector. */
export interface ReflectorOptions<T extends KubeObject> {
  kubeConfig: k8s.KubeConfig;
  /** Collection path to watch, e.g. `/api/v1/pods`. */
  path: string;
  fieldSelector?: string;
  /** Lists the collection (with the same scope and selector as `path`). */
  list: () => Promise<{ items: T[]; metadata?: { resourceVersion?: string } }>;
  /** Called with the key (`namespace/name` or `name`) of every object that changed or vanished. */
  onChange: (key: string) => void;
  log: Log;
  /** Back-off after failures: first and largest delay in ms (default 500 ms … 30 s). */
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

type WatchEnd = { kind: "closed" | "gone" | "stopped"; resourceVersion: string } | {
  kind: "error";
  error: unknown;
  resourceVersion: string;
};

/** A list+watch cache that restarts itself. */
export class Reflector<T extends KubeObject> {
  readonly #o: ReflectorOptions<T>;
  readonly #store = new Map<string, T>();
  readonly #abort = new AbortController();
  readonly #synced = Promise.withResolvers<void>();
  #stopWatch: (() => void) | undefined;
  #loop: Promise<void> | undefined;

  constructor(options: ReflectorOptions<T>) {
    this.#o = options;
  }

  /** Starts listing and watching in the background. */
  start(): void {
    this.#loop ??= this.#run();
  }

  /** Resolves after the first successful list. */
  synced(): Promise<void> {
    return this.#synced.promise;
  }

  /** Stops watching; resolves once the loop has ended. */
  async stop(): Promise<void> {
    this.#abort.abort();
    this.#stopWatch?.();
    await this.#loop;
  }

  /** The cached object for `key`. */
  get(key: string): T | undefined {
    return this.#store.get(key);
  }

  /** Every cached object. */
  list(): T[] {
    return [...this.#store.values()];
  }

  async #run(): Promise<void> {
    let failures = 0;
    let rv: string | undefined; // undefined: list first
    while (!this.#abort.signal.aborted) {
      if (rv === undefined) {
        try {
          rv = await this.#relist();
        } catch (err) {
          await this.#backoff(++failures, errorText(err));
          continue;
        }
      }
      if (this.#abort.signal.aborted) return;
      const startedAt = Date.now();
      const end = await this.#watch(rv);
      const lastedMs = Date.now() - startedAt;
      if (end.kind === "stopped") return;
      // The normal end of a bounded watch: resume where it left off.
      if (end.kind === "closed" && lastedMs >= 1000) {
        failures = 0;
        rv = end.resourceVersion;
        continue;
      }
      rv = undefined;
      if (end.kind === "gone") {
        this.#o.log({
          level: "info",
          msg: "watch expired (410 Gone): listing again",
          path: this.#o.path,
        });
        continue;
      }
      if (lastedMs > 10_000) failures = 0;
      const reason = end.kind === "error" ? errorText(end.error) : "watch ended at once";
      await this.#backoff(++failures, reason);
    }
  }

  async #backoff(failures: number, reason: string): Promise<void> {
    const min = this.#o.minBackoffMs ?? 500;
    const max = this.#o.maxBackoffMs ?? 30_000;
    const delayMs = jittered(Math.min(max, min * 2 ** (failures - 1)));
    this.#o.log({
      level: "warn",
      msg: "watch failed: listing again after a back-off",
      path: this.#o.path,
      reason,
      delayMs,
    });
    await sleep(delayMs, this.#abort.signal);
  }

  /** Replaces the cache with a fresh list; returns its resourceVersion. */
  async #relist(): Promise<string> {
    let list;
    try {
      list = await this.#o.list();
    } catch (cause) {
      throw new Error(`Cannot list "${this.#o.path}"`, { cause });
    }
    // Wire form, like watch events: the typed client turns timestamps into Dates.
    const items = JSON.parse(JSON.stringify(list.items)) as T[];
    const seen = new Set<string>();
    for (const item of items) {
      const key = keyOf(item);
      seen.add(key);
      this.#store.set(key, item);
    }
    const vanished = [...this.#store.keys()].filter((key) => !seen.has(key));
    for (const key of vanished) this.#store.delete(key);
    this.#synced.resolve();
    for (const key of [...seen, ...vanished]) this.#o.onChange(key);
    return list.metadata?.resourceVersion ?? "";
  }

  /** One bounded watch from `resourceVersion`. */
  #watch(resourceVersion: string): Promise<WatchEnd> {
    const { promise, resolve } = Promise.withResolvers<WatchEnd>();
    const timeoutSeconds = 300 + Math.floor(Math.random() * 300);
    let latest = resourceVersion;
    let settled = false;
    let controller: AbortController | undefined;
    const finish = (end: WatchEnd) => {
      if (settled) return;
      settled = true;
      clearTimeout(watchdog);
      this.#stopWatch = undefined;
      controller?.abort();
      resolve(end);
    };
    // The server ends the watch after timeoutSeconds; silence well past that is a dead connection.
    const watchdog = setTimeout(
      () =>
        finish({ kind: "error", error: new Error("watch went silent"), resourceVersion: latest }),
      (timeoutSeconds + 60) * 1000,
    );
    this.#stopWatch = () => finish({ kind: "stopped", resourceVersion: latest });
    const onEvent = (type: string, obj: unknown) => {
      if (settled) return;
      if (type === "ERROR") {
        const code = (obj as { code?: number })?.code;
        const error = new Error(
          `watch error: ${(obj as { message?: string })?.message ?? "unknown"}`,
        );
        return finish(
          code === 410
            ? { kind: "gone", resourceVersion: latest }
            : { kind: "error", error, resourceVersion: latest },
        );
      }
      const item = obj as T;
      latest = item.metadata?.resourceVersion ?? latest;
      if (type === "BOOKMARK") return;
      const key = keyOf(item);
      if (type === "DELETED") this.#store.delete(key);
      else this.#store.set(key, item);
      this.#o.onChange(key);
    };
    const onDone = (err: unknown) => {
      if (!err) return finish({ kind: "closed", resourceVersion: latest });
      const gone = apiErrorCode(err) === 410;
      finish(
        gone
          ? { kind: "gone", resourceVersion: latest }
          : { kind: "error", error: err, resourceVersion: latest },
      );
    };
    const query = {
      resourceVersion,
      allowWatchBookmarks: true,
      timeoutSeconds,
      fieldSelector: this.#o.fieldSelector,
    };
    new k8s.Watch(this.#o.kubeConfig).watch(this.#o.path, query, onEvent, onDone).then(
      (c) => {
        controller = c;
        if (settled) c.abort();
      },
      (error) => finish({ kind: "error", error, resourceVersion: latest }),
    );
    return promise;
  }
}

/** `namespace/name`, or `name` for cluster-scoped objects. */
export function keyOf(obj: KubeObject): string {
  const { namespace, name = "" } = obj.metadata ?? {};
  return namespace ? `${namespace}/${name}` : name;
}

function jittered(ms: number): number {
  return Math.round(ms * (0.8 + Math.random() * 0.4));
}
