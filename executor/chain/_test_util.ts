/**
 * An in-memory L1 for the chain cache's unit tests: blocks with hashes and registration events,
 * reads that replay the events up to a block (what an archive node answers), reorgs, an outage
 * switch, and a count of every request by method.
 * @module
 */

import type { Address, Hex } from "viem";
import type { BlockHeader, ChainEvent, ChainSource } from "./chain_source.ts";
import { ChainReadError, type CurveType, type OperatorKey } from "./operator_set_reader.ts";

/** An event as a test writes it: what it sets, without its place in the chain. */
export type FakeEvent = ChainEvent extends infer E
  ? E extends ChainEvent ? Omit<E, "block" | "logIndex"> : never
  : never;

interface FakeBlock extends BlockHeader {
  events: FakeEvent[];
}

/** A chain in memory that answers as an L1 node does. */
export class FakeChain implements ChainSource {
  #blocks: FakeBlock[] = [];
  #nonce = 0;
  /** Requests by method. */
  calls: Record<string, number> = {};
  /** While true, every request fails as an unreachable node does. */
  down = false;

  constructor() {
    this.#blocks.push({ ...this.#hashes(0n, "0x0"), events: [] });
  }

  /** The newest block number. */
  get head(): bigint {
    return BigInt(this.#blocks.length - 1);
  }

  /** Total requests made. */
  get totalCalls(): number {
    return Object.values(this.calls).reduce((a, b) => a + b, 0);
  }

  /** Appends a block holding `events`; returns its number. */
  mine(...events: FakeEvent[]): bigint {
    const parent = this.#blocks.at(-1)!;
    this.#blocks.push({ ...this.#hashes(parent.number + 1n, parent.hash), events });
    return this.head;
  }

  /** Appends `count` empty blocks; returns the new head. */
  mineEmpty(count: number): bigint {
    for (let i = 0; i < count; i++) this.mine();
    return this.head;
  }

  /** Replaces the last `depth` blocks by `blocks` (each a list of events), with new hashes. */
  reorg(depth: number, blocks: FakeEvent[][]): void {
    this.#blocks = this.#blocks.slice(0, this.#blocks.length - depth);
    for (const events of blocks) this.mine(...events);
  }

  #hashes(number: bigint, parentHash: Hex): BlockHeader {
    const hash = `0x${(++this.#nonce).toString(16).padStart(64, "0")}` as Hex;
    return { number, hash, parentHash };
  }

  #count(method: string): void {
    this.calls[method] = (this.calls[method] ?? 0) + 1;
    if (this.down) throw new ChainReadError("Unavailable", "Cannot reach the node (test outage)");
  }

  /** The last value `match` finds in events up to `block`. */
  #last<T>(block: bigint, match: (e: FakeEvent) => T | undefined): T | undefined {
    if (block > this.head) throw new ChainReadError("Unavailable", `No state for block ${block}`);
    let found: T | undefined;
    for (const b of this.#blocks.slice(0, Number(block) + 1)) {
      for (const event of b.events) found = match(event) ?? found;
    }
    return found;
  }

  header(block: bigint | "latest"): Promise<BlockHeader | null> {
    this.#count("header");
    const found = this.#blocks[Number(block === "latest" ? this.head : block)];
    return Promise.resolve(found ? { ...found, events: undefined } as BlockHeader : null);
  }

  events(fromBlock: bigint, toBlock: bigint): Promise<ChainEvent[]> {
    this.#count("events");
    const out: ChainEvent[] = [];
    for (const b of this.#blocks.slice(Number(fromBlock), Number(toBlock) + 1)) {
      b.events.forEach((e, logIndex) =>
        out.push({ ...e, block: b.number, logIndex } as ChainEvent)
      );
    }
    return Promise.resolve(out);
  }

  registrar(avs: Address, block: bigint): Promise<Address> {
    this.#count("registrar");
    return Promise.resolve(
      this.#last(
        block,
        (e) => e.kind === "registrar" && same(e.avs, avs) ? e.registrar : undefined,
      ) ??
        avs,
    );
  }

  aggregatorSetId(registrar: Address, block: bigint): Promise<number | null> {
    this.#count("aggregatorSetId");
    const id = this.#last(
      block,
      (e) =>
        e.kind === "avsConfig" && same(e.registrar, registrar)
          ? e.aggregatorOperatorSetId
          : undefined,
    );
    return Promise.resolve(id ?? null);
  }

  curveType(avs: Address, operatorSetId: number, block: bigint): Promise<CurveType> {
    this.#count("curveType");
    return Promise.resolve(
      this.#last(
        block,
        (e) =>
          e.kind === "curve" && same(e.avs, avs) && e.operatorSetId === operatorSetId
            ? e.curve
            : undefined,
      ) ?? "none",
    );
  }

  operatorKey(
    avs: Address,
    operatorSetId: number,
    operator: Address,
    _curve: "ecdsa" | "bn254",
    block: bigint,
  ): Promise<OperatorKey | null> {
    this.#count("operatorKey");
    const found = this.#last<{ key: OperatorKey | null }>(
      block,
      (e) =>
        e.kind === "key" && same(e.avs, avs) && e.operatorSetId === operatorSetId &&
          same(e.operator, operator)
          ? { key: e.key }
          : undefined,
    );
    return Promise.resolve(found?.key ?? null);
  }
}

function same(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/** A deterministic address for a test name. */
export function addr(n: number): Address {
  return `0x${n.toString(16).padStart(40, "0")}` as Address;
}

/** An ECDSA key whose address is `addr(n)`. */
export function ecdsaKey(n: number): OperatorKey {
  return { curve: "ecdsa", address: addr(n) };
}
