import assert from "node:assert/strict";
import { StoreError } from "./errors.ts";
import { lockStore } from "./lock_file.ts";

const LOCKER = new URL("./lock_file.ts", import.meta.url).href;

/** A child process that locks the store and waits to be killed. */
async function lockInChild(storePath: string) {
  const code = `import { lockStore } from "${LOCKER}";
await lockStore(Deno.args[0]);
console.log("locked");
setInterval(() => {}, 60_000);`;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["eval", "--ext=ts", code, storePath],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  for (let seen = ""; !seen.includes("locked");) {
    const { value, done } = await reader.read();
    if (done) throw new Error("the locking child exited");
    seen += value;
  }
  reader.releaseLock();
  return child;
}

async function lockError(storePath: string): Promise<StoreError> {
  const err = await lockStore(storePath).then(() => undefined, (e) => e);
  assert.ok(err instanceof StoreError, `refused, got ${err}`);
  assert.equal(err.reason, "StoreLocked");
  return err;
}

Deno.test("a second lock of one store is refused, naming the lock file and the holder's pid", async () => {
  const dir = await Deno.makeTempDir();
  const store = `${dir}/executor.kv`;
  try {
    const first = await lockStore(store);
    const err = await lockError(store);
    assert.ok(err.message.includes(`lock file ${store}.lock`), err.message);
    assert.match(err.message, new RegExp(`in use by another executor \\(pid ${Deno.pid}, started`));
    assert.match(err.message, /run one executor per store/);
    first.release();
    (await lockStore(store)).release();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a holder killed with SIGKILL leaves its lock file, but not its lock", async () => {
  const dir = await Deno.makeTempDir();
  const store = `${dir}/executor.kv`;
  try {
    const child = await lockInChild(store);
    const err = await lockError(store);
    assert.match(err.message, new RegExp(`pid ${child.pid}, started`));
    child.kill("SIGKILL");
    await child.status;
    await child.stdout.cancel().catch(() => {});
    assert.ok((await Deno.stat(`${store}.lock`)).isFile, "the file stays");
    const lock = await lockStore(store);
    assert.match(await Deno.readTextFile(`${store}.lock`), new RegExp(`"pid":${Deno.pid}`));
    lock.release();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
