/**
 * The informer's cache: the last known state of each object, keyed `namespace/name`.
 *
 * One writer (the informer, which owns the `Store`); everyone else reads through a
 * `ReadonlyStore` view, reconcilers included. The one exception is the `WriteRecorder`: a
 * controller's writer reports the object an API write returned, so the next reconcile does not
 * act on a cache older than its own write (e.g. create a pod a second time because the pod's
 * ADDED event has not arrived yet).
 *
 * Two options keep a large cache cheap (client-go has both): an `index` (objects by one derived
 * value, e.g. the owner's name, so a reconcile finds its children without scanning every object)
 * and a `transform` applied to every object before it is stored (e.g. dropping `managedFields`
 * and fields no reader uses, which is most of a pod's size).
 * @module
 */

import type * as k8s from "@kubernetes/client-node";

/** A change to the cache, as the informer reports it to its handlers. */
export type InformerEvent<T> =
  | { type: "ADDED"; object: T }
  | { type: "MODIFIED"; object: T; old: T }
  | { type: "DELETED"; object: T };

/** `namespace/name` (or `name` for cluster-scoped objects). */
export function objectKey(obj: k8s.KubernetesObject): string {
  const ns = obj.metadata?.namespace;
  return ns ? `${ns}/${obj.metadata?.name}` : `${obj.metadata?.name}`;
}

/** Read access to a cache of objects of one kind: what reconcilers and other readers get. */
export interface ReadonlyStore<T extends k8s.KubernetesObject> {
  /** Whether a full list has been loaded. */
  readonly synced: boolean;
  /** The object with this key, if cached. */
  get(key: string): T | undefined;
  /** All cached objects, optionally filtered. */
  list(filter?: (obj: T) => boolean): T[];
  /** Number of cached objects. */
  readonly size: number;
  /** The objects whose index value (`StoreOptions.index`) is `value`; empty without an index. */
  byIndex(value: string): T[];
}

/** Options of a store. */
export interface StoreOptions<T> {
  /** A derived value to look objects up by (`byIndex`); undefined leaves an object out. */
  index?: (obj: T) => string | undefined;
  /** Applied to every object before it is stored (must keep metadata name, namespace, rv). */
  transform?: (obj: T) => T;
}

/** Where a controller reports what its own API writes returned (read-your-writes). */
export interface WriteRecorder<T extends k8s.KubernetesObject> {
  /** Records the object a create, update or patch returned, unless the cache holds a newer one. */
  recordWrite(obj: T): void;
  /** Records the object a delete returned (still terminating), if it is still cached. */
  recordTerminating(obj: T): void;
  /** Records that a delete removed the object with this key outright. */
  recordDelete(key: string): void;
}

/** A cache of objects of one kind; its owner writes, readers get `view`. */
export class Store<T extends k8s.KubernetesObject> implements ReadonlyStore<T>, WriteRecorder<T> {
  readonly #items = new Map<string, T>();
  readonly #index = new Map<string, Map<string, T>>();
  readonly #options: StoreOptions<T>;
  #synced = false;
  /** This store for readers: lookups only, whatever it is cast to. */
  readonly view: ReadonlyStore<T> = readonlyView(this);

  constructor(options: StoreOptions<T> = {}) {
    this.#options = options;
  }

  /** Whether a full list has been loaded. */
  get synced(): boolean {
    return this.#synced;
  }

  /** The object with this key, if cached. */
  get(key: string): T | undefined {
    return this.#items.get(key);
  }

  /** All cached objects, optionally filtered. */
  list(filter?: (obj: T) => boolean): T[] {
    const all = [...this.#items.values()];
    return filter ? all.filter(filter) : all;
  }

  /** Number of cached objects. */
  get size(): number {
    return this.#items.size;
  }

  /** The objects whose index value is `value`. */
  byIndex(value: string): T[] {
    const bucket = this.#index.get(value);
    return bucket ? [...bucket.values()] : [];
  }

  #set(key: string, obj: T): T {
    const stored = this.#options.transform ? this.#options.transform(obj) : obj;
    this.#unindex(key);
    this.#items.set(key, stored);
    const value = this.#options.index?.(stored);
    if (value !== undefined) {
      let bucket = this.#index.get(value);
      if (!bucket) this.#index.set(value, bucket = new Map());
      bucket.set(key, stored);
    }
    return stored;
  }

  #delete(key: string): void {
    this.#unindex(key);
    this.#items.delete(key);
  }

  #unindex(key: string): void {
    const old = this.#items.get(key);
    const value = old && this.#options.index?.(old);
    if (value === undefined) return;
    const bucket = this.#index.get(value);
    bucket?.delete(key);
    if (bucket?.size === 0) this.#index.delete(value);
  }

  /** Replaces the whole content (after a list); returns the changes it implies. */
  replace(items: T[]): InformerEvent<T>[] {
    const events: InformerEvent<T>[] = [];
    const seen = new Set<string>();
    for (const item of items) {
      const key = objectKey(item);
      seen.add(key);
      const event = this.upsert(item);
      if (event) events.push(event);
    }
    for (const [key, old] of this.#items) {
      if (!seen.has(key)) {
        this.#delete(key);
        events.push({ type: "DELETED", object: old });
      }
    }
    this.#synced = true;
    return events;
  }

  /** Adds or updates an object; returns the event, or undefined when nothing changed. */
  upsert(obj: T): InformerEvent<T> | undefined {
    const key = objectKey(obj);
    const old = this.#items.get(key);
    if (old && old.metadata?.resourceVersion === obj.metadata?.resourceVersion) {
      return undefined;
    }
    const stored = this.#set(key, obj);
    return old ? { type: "MODIFIED", object: stored, old } : { type: "ADDED", object: stored };
  }

  /** Removes an object; returns the event, or undefined if it was not cached. */
  remove(obj: T): InformerEvent<T> | undefined {
    const key = objectKey(obj);
    const old = this.#items.get(key);
    if (!old) return undefined;
    this.#delete(key);
    return { type: "DELETED", object: obj };
  }

  /**
   * Records the object an API write returned, unless the cache already holds a newer version.
   * resourceVersions are opaque by contract; they are decimal etcd revisions in practice, and
   * when they are not we take the write's result.
   */
  recordWrite(obj: T): void {
    const old = this.#items.get(objectKey(obj));
    if (old && isNewer(old.metadata?.resourceVersion, obj.metadata?.resourceVersion)) return;
    this.#set(objectKey(obj), obj);
  }

  /**
   * Records the object a delete request returned (still terminating). Only updates a cached
   * object: if the watch already reported the deletion, the object must not come back.
   */
  recordTerminating(obj: T): void {
    if (this.#items.has(objectKey(obj))) this.recordWrite(obj);
  }

  /** Records that a write deleted an object outright. */
  recordDelete(key: string): void {
    this.#delete(key);
  }
}

function readonlyView<T extends k8s.KubernetesObject>(store: Store<T>): ReadonlyStore<T> {
  return Object.freeze({
    get synced() {
      return store.synced;
    },
    get size() {
      return store.size;
    },
    get: (key: string) => store.get(key),
    list: (filter?: (obj: T) => boolean) => store.list(filter),
    byIndex: (value: string) => store.byIndex(value),
  });
}

function isNewer(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b || !/^\d+$/.test(a) || !/^\d+$/.test(b)) return false;
  return BigInt(a) > BigInt(b);
}
