/**
 * One executor per store: an exclusive advisory lock (flock) on `<store>.lock`, held for the
 * executor's life. Two executors on one Deno KV file would each believe their claims, and a task
 * could run twice; SQLite's own locks only serialise single writes, so they do not prevent that.
 *
 * The OS releases the lock when the process ends, crash or SIGKILL included, so a stale lock file
 * never blocks a restart: the file stays, only the lock goes. The file holds the holder's pid, for
 * the error a second executor prints. It is never deleted: deleting it would let a third process
 * lock a new file while the holder still locks the old one.
 * @module
 */

import { StoreError } from "./errors.ts";

/** The held lock of a store. */
export interface StoreLock {
  /** Path of the lock file. */
  path: string;
  /** Releases the lock (closing the file). */
  release(): void;
}

/** Takes the exclusive lock of the store at `storePath`; StoreError "StoreLocked" if held. */
export async function lockStore(storePath: string): Promise<StoreLock> {
  const path = `${storePath}.lock`;
  const file = await Deno.open(path, { read: true, write: true, create: true });
  let locked = false;
  try {
    locked = await file.tryLock(true);
    if (!locked) {
      const holder = describeHolder(await readAll(file));
      throw new StoreError(
        "StoreLocked",
        `The executor store ${storePath} is in use by another executor (${holder}, lock file ` +
          `${path}): run one executor per store; give this one its own storage.path, or stop the ` +
          `other one`,
      );
    }
    await file.truncate(0);
    await file.write(
      new TextEncoder().encode(
        JSON.stringify({ pid: Deno.pid, startedAt: new Date().toISOString() }) + "\n",
      ),
    );
  } finally {
    if (!locked) file.close();
  }
  return { path, release: () => file.close() };
}

async function readAll(file: Deno.FsFile): Promise<string> {
  await file.seek(0, Deno.SeekMode.Start);
  const chunks: Uint8Array[] = [];
  const buf = new Uint8Array(1024);
  for (let total = 0; total < 4096;) {
    const n = await file.read(buf);
    if (n === null) break;
    chunks.push(buf.slice(0, n));
    total += n;
  }
  return new TextDecoder().decode(new Uint8Array(chunks.flatMap((c) => [...c])));
}

function describeHolder(text: string): string {
  try {
    const { pid, startedAt } = JSON.parse(text);
    if (Number.isInteger(pid)) return `pid ${pid}, started ${startedAt}`;
  } catch { /* written by something else, or mid-write */ }
  return "holder unknown";
}
