/**
 * The two bounded structures of the chain cache: a value's history from a block on (`History`:
 * a base value read at `since`, then the changes events made, at most `maxChanges` of them), and
 * a least-recently-used map of histories (`LruMap`). Both forget the oldest first; what they
 * forgot is read from the chain again.
 * @module
 */

/** A value set by an event: from `block` on (after that block), it is `value`. */
export interface Change<V> {
  block: bigint;
  value: V;
}

/**
 * One value from block `since` on: `base` as read at `since` (after that block's
 * transactions), then each change in block order. Asked for an earlier block, it does not know.
 */
export class History<V> {
  #since: bigint;
  #base: V;
  readonly #changes: Change<V>[] = [];
  readonly #maxChanges: number;

  constructor(since: bigint, base: V, maxChanges: number) {
    if (maxChanges < 1) throw new RangeError("maxChanges must be at least 1");
    this.#since = since;
    this.#base = base;
    this.#maxChanges = maxChanges;
  }

  /** The first block this history answers for. */
  get since(): bigint {
    return this.#since;
  }

  /** Changes held (at most `maxChanges`). */
  get changeCount(): number {
    return this.#changes.length;
  }

  /** The value after `block`, or undefined when `block` is before `since`. */
  at(block: bigint): { value: V } | undefined {
    if (block < this.#since) return undefined;
    for (let i = this.#changes.length - 1; i >= 0; i--) {
      if (this.#changes[i].block <= block) return { value: this.#changes[i].value };
    }
    return { value: this.#base };
  }

  /**
   * Records a change in `block` (after every block recorded so far, and after `since`). Over the
   * cap, the oldest change becomes the base: blocks before it are then not known.
   */
  push(block: bigint, value: V): void {
    const last = this.#changes.at(-1)?.block;
    // The base already holds block `since`; a later change in the last block is fine.
    if (last === undefined ? block <= this.#since : block < last) {
      throw new RangeError(`Change at block ${block} is not after block ${last ?? this.#since}`);
    }
    this.#changes.push({ block, value });
    while (this.#changes.length > this.#maxChanges) {
      // The oldest change becomes the base; later changes of its block still apply over it.
      const oldest = this.#changes.shift()!;
      this.#since = oldest.block;
      this.#base = oldest.value;
    }
  }

  /**
   * Forgets what happened after block `fork` (a reorg replaced those blocks). False when the
   * history starts after `fork`: nothing of it is known to hold, drop it.
   */
  rollback(fork: bigint): boolean {
    if (this.#since > fork) return false;
    while (this.#changes.length > 0 && this.#changes.at(-1)!.block > fork) this.#changes.pop();
    return true;
  }
}

/** A map that keeps at most `capacity` entries, evicting the least recently used. */
export class LruMap<K, V> {
  readonly #map = new Map<K, V>();
  readonly #capacity: number;
  /** Entries evicted so far. */
  evictions = 0;

  constructor(capacity: number) {
    if (capacity < 1) throw new RangeError("capacity must be at least 1");
    this.#capacity = capacity;
  }

  /** The entry, marked as used. */
  get(key: K): V | undefined {
    const value = this.#map.get(key);
    if (value !== undefined) {
      this.#map.delete(key);
      this.#map.set(key, value);
    }
    return value;
  }

  /** The entry, without marking it as used (for updates from events). */
  peek(key: K): V | undefined {
    return this.#map.get(key);
  }

  /** Sets an entry as the most recently used; evicts the least recently used over capacity. */
  set(key: K, value: V): void {
    this.#map.delete(key);
    this.#map.set(key, value);
    if (this.#map.size > this.#capacity) {
      this.#map.delete(this.#map.keys().next().value as K);
      this.evictions++;
    }
  }

  delete(key: K): void {
    this.#map.delete(key);
  }

  clear(): void {
    this.#map.clear();
  }

  get size(): number {
    return this.#map.size;
  }

  /** Entries, least recently used first. */
  entries(): IterableIterator<[K, V]> {
    return this.#map.entries();
  }
}
