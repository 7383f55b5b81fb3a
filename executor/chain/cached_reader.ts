/**
 * The chain-mode {@linkcode OperatorSetReader}: answers from a cache that the chain's own events
 * keep correct, so a steady stream of tasks makes no RPC request at all.
 *
 * - **Follow.** From the block it starts at, a poller (and any task whose block is newer than
 *   the last one read) reads the new blocks' registration events (`ChainSource.events`):
 *   `AVSRegistrarSet`, `AvsConfigSet`, `OperatorSetConfigured`, `KeyRegistered`,
 *   `KeyDeregistered`. Its cost depends on the blocks, never on the tasks: one header when
 *   nothing changed, a header, a continuity check and one `eth_getLogs` per batch of blocks.
 * - **Values.** Each value asked for (an AVS's registrar, a registrar's aggregator set, a set's
 *   curve, an operator's key in a set) has a {@linkcode History}: read once with `eth_call` at
 *   the block first asked, then changed by the events after it. A task at a later block reads
 *   the history; a key rotated on chain is so honoured from exactly its block.
 * - **Window.** The events of the last blocks are kept (at most `maxWindowEvents`), so a value
 *   first asked at a block inside the window is read at that block and brought forward. Before
 *   the window (or before a history's start), the answer is one `eth_call` at that block, not
 *   cached.
 * - **Reorgs.** The hash of every head read is remembered (`maxRememberedBlocks`). A head that
 *   does not descend from the last one is a reorg: the newest remembered block still on the
 *   chain is the fork point; changes after it are dropped, histories starting after it too, and
 *   the events after it are read again. A reorg deeper than the memory drops everything.
 * - **Gaps.** A task at a block beyond the last one read waits for one catch-up; still beyond
 *   the node's head: ChainReadError "BlockAhead". More than `maxCatchUpBlocks` behind: the
 *   cache restarts at the head instead of reading every block.
 * - **Staleness.** When nothing could be read for `staleAfterMs`, a task first tries to read
 *   the head; failing, ChainReadError "Unavailable": never an answer from a cache that may be
 *   out of date.
 * - **Memory.** At most `maxEntries` histories (least recently used evicted), each with at most
 *   `maxChangesPerEntry` changes (the oldest fold into its base), `maxWindowEvents` window
 *   events and `maxRememberedBlocks` hashes.
 * @module
 */

import type { Address } from "viem";
import type { Logger } from "../../shared/runtime/log.ts";
import { ChainFollower } from "./_follower.ts";
import { History, LruMap } from "./_history.ts";
import type { BlockHeader, ChainEvent, ChainSource } from "./chain_source.ts";
import {
  type AggregatorKey,
  ChainReadError,
  type CurveType,
  type OperatorKey,
  type OperatorSetReader,
  shortReason,
} from "./operator_set_reader.ts";

/** Options of {@linkcode CachedOperatorSetReader}. */
export interface CachedReaderOptions {
  source: ChainSource;
  /** How often the poller reads the head (see `start`). */
  pollIntervalMs: number;
  /** Refuse to answer when nothing was read for this long; default max(30 s, 10 × poll). */
  staleAfterMs?: number;
  /** Histories kept (default 10,000). */
  maxEntries?: number;
  /** Changes kept per history (default 32). */
  maxChangesPerEntry?: number;
  /** Events of recent blocks kept (default 10,000). */
  maxWindowEvents?: number;
  /** Block hashes remembered for reorg detection (default 256). */
  maxRememberedBlocks?: number;
  /** Blocks per `eth_getLogs` (default 2,000). */
  maxLogRange?: bigint;
  /** A gap larger than this restarts the cache at the head (default 50,000 blocks). */
  maxCatchUpBlocks?: bigint;
  now?: () => number;
  log?: Logger;
}

/** What the cache holds and did, for tests, logs and metrics. */
export interface CacheStats {
  head?: bigint;
  startBlock?: bigint;
  windowStart?: bigint;
  entries: number;
  windowEvents: number;
  rememberedBlocks: number;
  /** eth_calls that seeded a history. */
  snapshots: number;
  /** eth_calls answered without caching (before the window or a history). */
  fallbacks: number;
  syncs: number;
  reorgs: number;
  resets: number;
  evictions: number;
}

/** How long after a failed sync tasks fail at once instead of trying again. */
const RETRY_AFTER_FAILURE_MS = 1_000;

type Value = Address | number | null | CurveType | OperatorKey;
type WindowEvent = { block: bigint; slot: string; value: Value };

/** The cache key of a value (addresses in lower case). */
const slots = {
  registrar: (avs: Address) => `registrar:${avs.toLowerCase()}`,
  avsConfig: (registrar: Address) => `avsConfig:${registrar.toLowerCase()}`,
  curve: (avs: Address, id: number) => `curve:${avs.toLowerCase()}:${id}`,
  key: (avs: Address, id: number, operator: Address) =>
    `key:${avs.toLowerCase()}:${id}:${operator.toLowerCase()}`,
};

/** The slot an event sets, and the value it sets there. */
function eventSlot(event: ChainEvent): { slot: string; value: Value } {
  switch (event.kind) {
    case "registrar":
      return { slot: slots.registrar(event.avs), value: event.registrar };
    case "avsConfig":
      return { slot: slots.avsConfig(event.registrar), value: event.aggregatorOperatorSetId };
    case "curve":
      return { slot: slots.curve(event.avs, event.operatorSetId), value: event.curve };
    case "key":
      return {
        slot: slots.key(event.avs, event.operatorSetId, event.operator),
        value: event.key,
      };
  }
}

/** An OperatorSetReader answering from an event-maintained cache. */
export class CachedOperatorSetReader implements OperatorSetReader {
  readonly #source: ChainSource;
  readonly #options: Required<Omit<CachedReaderOptions, "log" | "source">>;
  readonly #log?: Logger;
  readonly #entries: LruMap<string, History<Value>>;
  readonly #follower: ChainFollower;
  #window: WindowEvent[] = [];
  #windowStart = 0n;
  /** Bumped whenever cached state is dropped (reorg, restart): snapshots in flight are void. */
  #generation = 0;
  #lastSyncAt = -Infinity;
  #lastError?: ChainReadError;
  #lastFailureAt = -Infinity;
  #inflight?: Promise<void>;
  readonly #pendingSnapshots = new Map<string, Promise<Value>>();
  #timer?: ReturnType<typeof setTimeout>;
  #stats = { snapshots: 0, fallbacks: 0, syncs: 0 };

  constructor(options: CachedReaderOptions) {
    this.#source = options.source;
    this.#log = options.log;
    this.#options = {
      pollIntervalMs: options.pollIntervalMs,
      staleAfterMs: options.staleAfterMs ?? Math.max(30_000, 10 * options.pollIntervalMs),
      maxEntries: options.maxEntries ?? 10_000,
      maxChangesPerEntry: options.maxChangesPerEntry ?? 32,
      maxWindowEvents: options.maxWindowEvents ?? 10_000,
      maxRememberedBlocks: options.maxRememberedBlocks ?? 256,
      maxLogRange: options.maxLogRange ?? 2_000n,
      maxCatchUpBlocks: options.maxCatchUpBlocks ?? 50_000n,
      now: options.now ?? Date.now,
    };
    this.#entries = new LruMap(this.#options.maxEntries);
    this.#follower = new ChainFollower(this.#source, {
      applied: (events) => this.#applied(events),
      rolledBack: (fork) => this.#rolledBack(fork),
      restarted: (head) => this.#restarted(head),
    }, { ...this.#options, log: options.log });
  }

  /** Starts the poller: a sync every `pollIntervalMs`; failures are logged, then retried. */
  start(): void {
    if (this.#timer !== undefined) return;
    const tick = async () => {
      await this.sync().catch(() => {}); // logged by #runSync
      if (this.#timer !== undefined) this.#timer = this.#schedule(tick);
    };
    this.#timer = this.#schedule(tick);
  }

  /** Stops the poller. */
  stop(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #schedule(tick: () => Promise<void>): ReturnType<typeof setTimeout> {
    const id = setTimeout(tick, this.#options.pollIntervalMs);
    // The poller alone must not keep a process alive (the executor stops it; tests may not).
    Deno.unrefTimer(id as unknown as number);
    return id;
  }

  /** Reads the new blocks now (one at a time: a call during a sync joins it). */
  sync(): Promise<void> {
    this.#inflight ??= this.#runSync().finally(() => this.#inflight = undefined);
    return this.#inflight;
  }

  /** What the cache holds and did. */
  stats(): CacheStats {
    const follower = this.#follower;
    return {
      head: follower.head?.number,
      startBlock: follower.startBlock,
      windowStart: follower.head ? this.#windowStart : undefined,
      entries: this.#entries.size,
      windowEvents: this.#window.length,
      rememberedBlocks: follower.rememberedBlocks,
      evictions: this.#entries.evictions,
      reorgs: follower.reorgs,
      resets: follower.resets,
      ...this.#stats,
    };
  }

  async aggregatorKey(avs: Address, aggregator: Address, block: bigint): Promise<AggregatorKey> {
    const at = await this.#resolve(block);
    const registrar = await this.#registrar(avs, at);
    const operatorSetId = await this.#value(
      slots.avsConfig(registrar),
      at,
      (b) => this.#source.aggregatorSetId(registrar, b),
    ) as number | null;
    if (operatorSetId === null) {
      throw new ChainReadError(
        "NoTaskRegistrar",
        `AVS ${avs} has no task AVS registrar at block ${at}: AllocationManager.getAVSRegistrar ` +
          `gives ${registrar}, which has no getAvsConfig()`,
      );
    }
    const curve = await this.#curve(avs, operatorSetId, at);
    const key = curve === "none" ? null : await this.#key(avs, operatorSetId, aggregator, at);
    return { registrar, operatorSetId, curve, key };
  }

  async operatorKey(
    avs: Address,
    operatorSetId: number,
    operator: Address,
    block: bigint,
  ): Promise<OperatorKey | null> {
    return await this.#key(avs, operatorSetId, operator, await this.#resolve(block));
  }

  async curveType(avs: Address, operatorSetId: number, block: bigint): Promise<CurveType> {
    return await this.#curve(avs, operatorSetId, await this.#resolve(block));
  }

  #registrar(avs: Address, at: bigint): Promise<Address> {
    return this.#value(slots.registrar(avs), at, (b) => this.#source.registrar(avs, b)) as Promise<
      Address
    >;
  }

  #curve(avs: Address, id: number, at: bigint): Promise<CurveType> {
    return this.#value(
      slots.curve(avs, id),
      at,
      (b) => this.#source.curveType(avs, id, b),
    ) as Promise<
      CurveType
    >;
  }

  #key(avs: Address, id: number, operator: Address, at: bigint): Promise<OperatorKey | null> {
    return this.#value(slots.key(avs, id, operator), at, async (b) => {
      const curve = await this.#curve(avs, id, b);
      return curve === "none" ? null : await this.#source.operatorKey(avs, id, operator, curve, b);
    }) as Promise<OperatorKey | null>;
  }

  /**
   * The block to answer at: the head for 0, after a catch-up when the block is newer than the
   * head, after a fresh read when the cache is stale.
   */
  async #resolve(block: bigint): Promise<bigint> {
    const behind = () =>
      this.#follower.head === undefined || block > this.#follower.head.number ||
      this.#options.now() - this.#lastSyncAt > this.#options.staleAfterMs;
    if (behind()) await this.#catchUp(behind);
    const head = this.#follower.head!.number;
    if (block === 0n) return head;
    if (block > head) {
      throw new ChainReadError(
        "BlockAhead",
        `Block ${block} is beyond the L1 node's head (block ${head}); is the node behind?`,
      );
    }
    return block;
  }

  /**
   * Joins the sync under way, then, if still `behind()`, runs one more. Within a second of a
   * failed sync, fails at once with its error: an unreachable node costs each task no wait, and
   * the node at most one request a second beyond the poller's.
   */
  async #catchUp(behind: () => boolean): Promise<void> {
    if (this.#lastError && this.#options.now() - this.#lastFailureAt < RETRY_AFTER_FAILURE_MS) {
      throw this.#lastError;
    }
    if (this.#inflight) await this.#inflight;
    if (behind()) await this.sync();
  }

  /** A value at `at`: from its history, else read (and cached when inside the window). */
  async #value(slot: string, at: bigint, read: (block: bigint) => Promise<Value>): Promise<Value> {
    const hit = this.#entries.get(slot)?.at(at);
    if (hit) return hit.value;
    if (at < this.#windowStart) {
      this.#stats.fallbacks++;
      return await read(at);
    }
    const id = `${slot}@${at}`;
    let pending = this.#pendingSnapshots.get(id);
    if (!pending) {
      pending = this.#snapshot(slot, at, read).finally(() => this.#pendingSnapshots.delete(id));
      this.#pendingSnapshots.set(id, pending);
    }
    return await pending;
  }

  /** Reads a value at `at` and starts its history there, brought forward by the window. */
  async #snapshot(
    slot: string,
    at: bigint,
    read: (block: bigint) => Promise<Value>,
  ): Promise<Value> {
    const generation = this.#generation;
    const value = await read(at);
    this.#stats.snapshots++;
    // A reorg or reset meanwhile, or a window that moved past `at`: answer, do not cache.
    if (generation !== this.#generation || at < this.#windowStart) return value;
    const existing = this.#entries.peek(slot);
    if (existing && existing.since <= at) return value;
    const history = new History<Value>(at, value, this.#options.maxChangesPerEntry);
    for (const event of this.#window) {
      if (event.block > at && event.slot === slot) history.push(event.block, event.value);
    }
    this.#entries.set(slot, history);
    return value;
  }

  async #runSync(): Promise<void> {
    try {
      await this.#follower.follow();
      this.#lastSyncAt = this.#options.now();
      this.#stats.syncs++;
      if (this.#lastError !== undefined) {
        this.#log?.("info", "reading the L1 again", {
          head: String(this.#follower.head?.number),
        });
        this.#lastError = undefined;
      }
    } catch (err) {
      const error = err instanceof ChainReadError
        ? err
        : new ChainReadError("Unavailable", shortReason(err), { cause: err });
      if (this.#lastError === undefined) {
        this.#log?.("warn", "cannot read the L1; tasks needing newer blocks are refused", {
          error: error.message,
        });
      }
      this.#lastError = error;
      this.#lastFailureAt = this.#options.now();
      throw error;
    }
  }

  /** The follower's events: into the histories asked for, and into the window. */
  #applied(events: ChainEvent[]): void {
    for (const event of events) {
      const { slot, value } = eventSlot(event);
      this.#entries.peek(slot)?.push(event.block, value);
      this.#window.push({ block: event.block, slot, value });
    }
    this.#trimWindow();
  }

  /** A reorg: forget the changes after the fork, and the histories that start after it. */
  #rolledBack(fork: BlockHeader): void {
    for (const [slot, history] of [...this.#entries.entries()]) {
      if (!history.rollback(fork.number)) this.#entries.delete(slot);
    }
    this.#window = this.#window.filter((event) => event.block <= fork.number);
    if (this.#windowStart > fork.number) this.#windowStart = fork.number;
    this.#generation++;
  }

  /** A restart at `head`: forget everything. */
  #restarted(head: BlockHeader): void {
    this.#entries.clear();
    this.#window = [];
    this.#windowStart = head.number;
    this.#generation++;
  }

  /** Drops the oldest blocks' events over the cap; the window then starts at the last dropped. */
  #trimWindow(): void {
    const over = this.#window.length - this.#options.maxWindowEvents;
    if (over <= 0) return;
    let cut = over;
    const lastBlock = this.#window[cut - 1].block;
    while (cut < this.#window.length && this.#window[cut].block === lastBlock) cut++;
    this.#window = this.#window.slice(cut);
    this.#windowStart = lastBlock;
  }
}
