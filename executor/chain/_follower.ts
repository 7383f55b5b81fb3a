/**
 * Follows an L1's head for the chain cache: each `follow()` reads the newest header, checks that
 * it descends from the last one read (else finds the fork among the remembered block hashes), and
 * reads the registration events of the new blocks. What changed goes to a listener: events to
 * apply, a fork to roll back to, or a restart at the head (first read, a reorg deeper than the
 * hashes remembered, a gap too long to read).
 * @module
 */

import type { Logger } from "../../shared/runtime/log.ts";
import type { BlockHeader, ChainEvent, ChainSource } from "./chain_source.ts";
import { ChainReadError } from "./operator_set_reader.ts";

/** What the follower tells the cache. */
export interface FollowerListener {
  /** The events of the blocks after the previous head up to `head`, in chain order. */
  applied(events: ChainEvent[], head: BlockHeader): void;
  /** The blocks after `fork` were replaced: forget what they did. */
  rolledBack(fork: BlockHeader): void;
  /** Forget everything: following starts again at `head`. */
  restarted(head: BlockHeader): void;
}

/** Limits of a {@linkcode ChainFollower}. */
export interface FollowerOptions {
  /** Block hashes remembered for finding a fork. */
  maxRememberedBlocks: number;
  /** Blocks per `eth_getLogs`. */
  maxLogRange: bigint;
  /** A gap larger than this restarts at the head instead of reading every block. */
  maxCatchUpBlocks: bigint;
  log?: Logger;
}

/** The head of an L1, followed block batch by block batch. */
export class ChainFollower {
  readonly #source: ChainSource;
  readonly #listener: FollowerListener;
  readonly #options: FollowerOptions;
  #head?: BlockHeader;
  /** Heads read, block number → hash, in the order read (ascending). */
  readonly #remembered = new Map<bigint, string>();
  /** The first block followed. */
  startBlock?: bigint;
  reorgs = 0;
  resets = 0;

  constructor(source: ChainSource, listener: FollowerListener, options: FollowerOptions) {
    this.#source = source;
    this.#listener = listener;
    this.#options = options;
  }

  /** The last block whose events were handed on. */
  get head(): BlockHeader | undefined {
    return this.#head;
  }

  /** Hashes remembered. */
  get rememberedBlocks(): number {
    return this.#remembered.size;
  }

  /** One step: the head, continuity (reorg), then the events of the new blocks. */
  async follow(): Promise<void> {
    const latest = await this.#header("latest");
    if (this.#head === undefined) return this.#restart(latest, "start");
    const continuity = await this.#continuity(latest);
    if (continuity === "same") return;
    if (continuity === "reorg" && !(await this.#rollback(latest))) return;
    const from = this.#head.number + 1n;
    if (latest.number < from) return; // rolled back to the new head itself
    if (latest.number - this.#head.number > this.#options.maxCatchUpBlocks) {
      return this.#restart(latest, "gap");
    }
    const events: ChainEvent[] = [];
    for (let start = from; start <= latest.number; start += this.#options.maxLogRange) {
      const end = start + this.#options.maxLogRange - 1n;
      events.push(...await this.#source.events(start, end < latest.number ? end : latest.number));
    }
    this.#listener.applied(events, latest);
    this.#head = latest;
    this.#remember(latest);
  }

  async #header(block: bigint | "latest"): Promise<BlockHeader> {
    const header = await this.#source.header(block);
    if (header === null) {
      throw new ChainReadError("Unavailable", `The L1 node has no block ${block}`);
    }
    return header;
  }

  /** Whether `latest` continues the head: the same block, a descendant, or a reorg. */
  async #continuity(latest: BlockHeader): Promise<"same" | "extends" | "reorg"> {
    const head = this.#head!;
    if (latest.number === head.number) return latest.hash === head.hash ? "same" : "reorg";
    if (latest.number === head.number + 1n) {
      return latest.parentHash === head.hash ? "extends" : "reorg";
    }
    if (latest.number > head.number) {
      const then = await this.#source.header(head.number);
      return then?.hash === head.hash ? "extends" : "reorg";
    }
    // A node behind us (e.g. another backend of a load balancer) still on our chain: nothing new.
    return this.#remembered.get(latest.number) === latest.hash ? "same" : "reorg";
  }

  /** Rolls back to the newest remembered block still on the chain; false when it restarted. */
  async #rollback(latest: BlockHeader): Promise<boolean> {
    const candidates = [...this.#remembered.entries()]
      .filter(([number]) => number <= latest.number)
      .sort((a, b) => (a[0] < b[0] ? 1 : -1));
    for (const [number, hash] of candidates) {
      const header = number === latest.number ? latest : await this.#source.header(number);
      if (header?.hash !== hash) continue;
      for (const remembered of [...this.#remembered.keys()]) {
        if (remembered > number) this.#remembered.delete(remembered);
      }
      this.#head = header;
      this.reorgs++;
      this.#listener.rolledBack(header);
      this.#options.log?.("warn", "L1 reorg: dropping cached registrations after the fork", {
        fork: String(number),
        head: String(latest.number),
      });
      return true;
    }
    this.#restart(latest, "reorg deeper than the blocks remembered");
    return false;
  }

  #restart(head: BlockHeader, why: string): void {
    if (why !== "start") {
      this.resets++;
      this.#options.log?.("warn", "L1 cache restarted at the head", {
        why,
        head: String(head.number),
      });
    }
    this.#remembered.clear();
    this.#head = head;
    this.startBlock ??= head.number;
    this.#remember(head);
    this.#listener.restarted(head);
  }

  #remember(head: BlockHeader): void {
    this.#remembered.set(head.number, head.hash);
    while (this.#remembered.size > this.#options.maxRememberedBlocks) {
      this.#remembered.delete(this.#remembered.keys().next().value!);
    }
  }
}
