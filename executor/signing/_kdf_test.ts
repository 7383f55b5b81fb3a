import assert from "node:assert/strict";
import { bytesToHex, concatBytes, hexToBytes } from "./_bytes.ts";
import { aes128Ctr, deriveKey, scryptMemoryCap } from "./_kdf.ts";
import { KeystoreError } from "./errors.ts";

/** AES-128 of one block, via CBC with a zero IV (its first block is plain ECB). */
async function aesBlock(key: Uint8Array, block: Uint8Array): Promise<Uint8Array> {
  const k = await crypto.subtle.importKey("raw", key as BufferSource, "AES-CBC", false, [
    "encrypt",
  ]);
  const out = await crypto.subtle.encrypt(
    { name: "AES-CBC", iv: new Uint8Array(16) },
    k,
    block as BufferSource,
  );
  return new Uint8Array(out).subarray(0, 16);
}

Deno.test("AES-128-CTR increments the whole 128-bit counter, carrying like Go's cipher.NewCTR", async () => {
  const key = hexToBytes("0x000102030405060708090a0b0c0d0e0f", "key");
  // Low 64 bits all ones: the second block's counter must carry into the high half.
  const iv = hexToBytes("0x0123456789abcdefffffffffffffffff", "iv");
  const next = hexToBytes("0x0123456789abcdf00000000000000000", "next");
  const keystream = concatBytes(await aesBlock(key, iv), await aesBlock(key, next));
  const zeros = new Uint8Array(32);
  assert.equal(bytesToHex(await aes128Ctr(key, iv, zeros)), bytesToHex(keystream));
});

Deno.test("AES-128-CTR is its own inverse", async () => {
  const key = crypto.getRandomValues(new Uint8Array(16));
  const iv = crypto.getRandomValues(new Uint8Array(16));
  const data = crypto.getRandomValues(new Uint8Array(77));
  assert.deepEqual(await aes128Ctr(key, iv, await aes128Ctr(key, iv, data)), data);
});

const MiB = 2 ** 20;
const GETH_STANDARD = { dklen: 32, n: 262144, r: 8, p: 1, salt: "ab".repeat(32) };

Deno.test("scrypt memory cap: half the cgroup limit, at most 1 GiB, 1 GiB without a limit", () => {
  const files = (entries: Record<string, string>) => (path: string) => entries[path];
  const v2 = "/sys/fs/cgroup/memory.max";
  const v1 = "/sys/fs/cgroup/memory/memory.limit_in_bytes";
  assert.deepEqual(scryptMemoryCap(files({ [v2]: "1073741824\n" })), {
    bytes: 512 * MiB,
    reason: `half of the memory limit 1 GiB in ${v2}`,
  }, "the chart's 1Gi");
  assert.equal(scryptMemoryCap(files({ [v2]: String(256 * MiB) })).bytes, 128 * MiB);
  assert.equal(scryptMemoryCap(files({ [v1]: String(300 * MiB) })).bytes, 150 * MiB, "cgroup v1");
  const none = { bytes: 1024 * MiB, reason: "the executor's maximum" };
  assert.deepEqual(scryptMemoryCap(files({ [v2]: "max\n" })), none);
  assert.deepEqual(scryptMemoryCap(files({ [v1]: "9223372036854771712" })), none, "v1 unlimited");
  assert.deepEqual(scryptMemoryCap(files({ [v2]: String(8 * 1024 * MiB) })), none, "8Gi");
  assert.deepEqual(scryptMemoryCap(files({})), none, "nothing readable");
  console.error(
    `[measure] scrypt memory cap of this process: ${JSON.stringify(scryptMemoryCap())}`,
  );
});

Deno.test("a keystore whose scrypt needs more than the cap is refused, saying what to do", async () => {
  const cap = { bytes: 128 * MiB, reason: "half of the memory limit 256 MiB in /x/memory.max" };
  const started = performance.now();
  const err = await deriveKey("scrypt", GETH_STANDARD, new Uint8Array(4), "/keys/bls.json", {
    scryptCap: cap,
  }).catch((e) => e);
  assert.ok(err instanceof KeystoreError, String(err));
  assert.equal(err.reason, "KeystoreUnsupported");
  assert.equal(
    err.message,
    "Cannot decrypt keystore /keys/bls.json: scrypt n=262144, r=8, p=1 needs 256 MiB of memory, " +
      "more than the 128 MiB allowed (half of the memory limit 256 MiB in /x/memory.max); " +
      "re-encrypt the key with lighter parameters (geth's and the EigenLayer CLI's standard " +
      "n=262144, r=8, p=1 needs 256 MiB; light n=4096, r=8, p=6 needs 4 MiB), or raise the " +
      "memory limit",
  );
  assert.ok(performance.now() - started < 100, "refused before any memory is taken");
  // At the cap it is derived.
  const dk = await deriveKey("scrypt", { ...GETH_STANDARD, n: 2 ** 17 }, new Uint8Array(4), "k", {
    scryptCap: cap,
  });
  assert.equal(dk.length, 32);
});

Deno.test("two scrypt derivations at once run one after the other: peak memory of one", async () => {
  // In a child process, so the peak (VmHWM) is that of the two derivations alone.
  const code = `
    import { deriveKey } from ${JSON.stringify(new URL("./_kdf.ts", import.meta.url).href)};
    const params = ${JSON.stringify(GETH_STANDARD)};
    await Promise.all([1, 2].map((i) => deriveKey("scrypt", params, new Uint8Array([i]), "k")));
    const hwm = /VmHWM:\\s+(\\d+) kB/.exec(Deno.readTextFileSync("/proc/self/status"))[1];
    console.log(Math.round(Number(hwm) / 1024));
  `;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--no-check", code],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  assert.equal(out.code, 0);
  const peakMiB = Number(new TextDecoder().decode(out.stdout).trim());
  console.error(`[measure] peak RSS of two n=2^18, r=8 scrypt derivations at once: ${peakMiB} MiB`);
  // One derivation: 256 MiB + a bare Deno (~50 MiB); two together would pass 512 MiB.
  assert.ok(peakMiB < 450, `peak ${peakMiB} MiB`);
});
