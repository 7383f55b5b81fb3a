import assert from "node:assert/strict";
import { holdSqliteLock } from "../../tests/fixture/sqlite_lock.ts";
import { StoreError } from "./errors.ts";
import { checkStoreFile, openCheckedStore } from "./open_store.ts";

/** A real store of 2,000 records (about 180 pages of 4 KiB), closed. */
async function realStore(dir: string): Promise<string> {
  const path = `${dir}/executor.kv`;
  const kv = await Deno.openKv(path);
  for (let i = 0; i < 2_000; i++) {
    await kv.set(["processed-tasks", `id${i}`], { state: "done", pad: "x".repeat(200) });
  }
  kv.close();
  return path;
}

/** Overwrites one page of the SQLite file, as a bad disk sector would. */
async function damagePage(path: string, page: number): Promise<void> {
  const file = await Deno.open(path, { write: true });
  await file.seek(page * 4096, Deno.SeekMode.Start);
  await file.write(new Uint8Array(4096).fill(0x5a));
  file.close();
}

async function refusal(promise: Promise<unknown>, reason: string): Promise<StoreError> {
  const err = await promise.then(() => undefined, (e) => e);
  assert.ok(err instanceof StoreError, `refused, got ${err}`);
  assert.equal(err.reason, reason);
  return err;
}

Deno.test("a store with a damaged page is refused with what to do, not a Deno panic", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = await realStore(dir);
    await damagePage(path, 5);
    // What Deno.openKv does with it (the executor before this check): a panic in a background
    // thread, which no JavaScript can catch; the process dies.
    const { code, stderr } = await new Deno.Command(Deno.execPath(), {
      args: [
        "eval",
        "--unstable-kv",
        `await Deno.openKv(Deno.args[0]); await new Promise(
        (r) => setTimeout(r, 1000));`,
        path,
      ],
      stdout: "null",
    }).output();
    assert.notEqual(code, 0);
    assert.match(
      new TextDecoder().decode(stderr),
      /panicked.*\n.*database disk image is malformed/,
    );
    const err = await refusal(openCheckedStore(path), "StoreCorrupt");
    assert.ok(
      err.message.startsWith(`The executor store ${path} is damaged (SQLite: `),
      err.message,
    );
    assert.match(err.message, /move the file away \(with its -wal and -shm files\)/);
    assert.match(err.message, /could have such a task run again until that retention has passed/);
    // Nothing is left held: once the file is moved away, the executor starts on a new store.
    await Deno.rename(path, `${path}.damaged`);
    (await openCheckedStore(path)).close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a file that is no database at all is refused the same way", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/executor.kv`;
    await Deno.writeTextFile(path, "not a database\n".repeat(100));
    const err = await refusal(Promise.resolve().then(() => checkStoreFile(path)), "StoreCorrupt");
    assert.match(err.message, /is damaged \(SQLite: file is not a database\)/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a healthy store opens with its records, and a missing one is created", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = await realStore(dir);
    const store = await openCheckedStore(path);
    assert.equal((await store.kv.get(["processed-tasks", "id1999"])).value !== null, true);
    store.close();
    (await openCheckedStore(`${dir}/new.kv`)).close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test(
  "a store another process holds locked at start is refused within the start probe's bound",
  { sanitizeOps: false, sanitizeResources: false },
  async () => {
    const dir = await Deno.makeTempDir();
    const path = `${dir}/executor.kv`;
    (await openCheckedStore(path)).close();
    const holder = await holdSqliteLock(path);
    try {
      const start = Date.now();
      const err = await refusal(
        openCheckedStore(path, { startProbeTimeoutMs: 500 }),
        "StoreUnavailable",
      );
      assert.ok(Date.now() - start < 3_000, `refused after ${Date.now() - start} ms`);
      assert.match(err.message, new RegExp(`store ${path} did not answer a probe write within`));
      assert.match(err.message, /another process may hold a lock on the file/);
    } finally {
      await holder.release();
      await Deno.remove(dir, { recursive: true });
    }
  },
);
