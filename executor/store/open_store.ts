/**
 * Opening the executor's store safely: lock it (one executor per store), check the file, open
 * it, and prove a write goes through — each failure a StoreError naming the file and what to do.
 *
 * Why a check before `Deno.openKv`: on a KV file with a corrupted page, Deno 2.9.6 opens it,
 * then panics in a background thread (`KV queue_next_ready failed: database disk image is
 * malformed`) and the process dies; no JavaScript code can catch that, so the executor would crash
 * in a loop with a Rust backtrace. SQLite's `PRAGMA quick_check`, read-only through `node:sqlite`
 * (built into Deno), finds such pages first: 2 ms for 2,000 records, 30 ms for 100,000 (24 MB).
 * @module
 */

import { DatabaseSync } from "node:sqlite";
import type { Logger } from "../../shared/runtime/log.ts";
import { StoreError } from "./errors.ts";
import { StoreHealth } from "./health.ts";
import { lockStore, type StoreLock } from "./lock_file.ts";

/** What a moved-away store costs, for every error that tells the operator to move it. */
const MOVE_AWAY = "the executor then starts with an empty store: task ids it received " +
  "within storage.retention are forgotten, so an aggregator could have such a task run again " +
  "until that retention has passed";

/** An open, locked and checked store. */
export interface OpenStore {
  kv: Deno.Kv;
  health: StoreHealth;
  /** Closes the database and releases the lock. */
  close(): void;
}

/** Options of {@linkcode openCheckedStore}. */
export interface OpenStoreOptions {
  /** How long the first write may take before the store counts as locked (default 10 s). */
  startProbeTimeoutMs?: number;
  /** How long a readiness probe write may take (default 2 s). */
  probeTimeoutMs?: number;
  log?: Logger;
}

/** Locks, checks and opens the store at `path` (created if missing); throws StoreError. */
export async function openCheckedStore(
  path: string,
  options: OpenStoreOptions = {},
): Promise<OpenStore> {
  const lock = await lockStore(path);
  let kv: Deno.Kv | undefined;
  let health: StoreHealth | undefined;
  try {
    checkStoreFile(path);
    kv = await openKv(path);
    health = new StoreHealth(kv, { path, ...options });
    await health.probe(options.startProbeTimeoutMs ?? 10_000);
    return { kv, health, close: closer(kv, lock, health, options.log) };
  } catch (err) {
    closer(kv, lock, health, options.log)();
    throw err;
  }
}

/**
 * Checks the SQLite file under the store (if it exists) with `PRAGMA quick_check`, read-only;
 * throws StoreError "StoreCorrupt" naming the file and what to do.
 */
export function checkStoreFile(path: string): void {
  if (!exists(path)) return;
  let problem: string;
  try {
    const db = new DatabaseSync(path, { readOnly: true, timeout: 5_000 });
    try {
      const rows = db.prepare("PRAGMA quick_check").all() as { quick_check: string }[];
      problem = rows.map((r) => r.quick_check).join("; ");
    } finally {
      db.close();
    }
  } catch (err) {
    problem = (err as Error).message;
  }
  if (problem === "ok") return;
  throw new StoreError(
    "StoreCorrupt",
    `The executor store ${path} is damaged (SQLite: ${problem.slice(0, 300)}): stop the ` +
      `executor and move the file away (with its -wal and -shm files), keeping it for ` +
      `inspection; ${MOVE_AWAY}`,
  );
}

async function openKv(path: string): Promise<Deno.Kv> {
  try {
    return await Deno.openKv(path);
  } catch (err) {
    throw new StoreError(
      "StoreCorrupt",
      `Cannot open the executor store ${path}: ${(err as Error).message}; if the file is ` +
        `damaged, move it away (${MOVE_AWAY})`,
      { cause: err },
    );
  }
}

function exists(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return false;
    throw err;
  }
}

function closer(
  kv: Deno.Kv | undefined,
  lock: StoreLock,
  health: StoreHealth | undefined,
  log: Logger | undefined,
): () => void {
  return () => {
    if (kv && health && health.inFlight > 0) {
      // Closing now would block this process until the other one lets go of its lock; the OS
      // closes the file, and releases our lock file, when this process exits.
      log?.("warn", "executor store left open: calls still wait on a lock", {
        inFlight: health.inFlight,
      });
      return;
    }
    try {
      kv?.close();
    } finally {
      lock.release();
    }
  };
}
