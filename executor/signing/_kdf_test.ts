import assert from "node:assert/strict";
import { bytesToHex, concatBytes, hexToBytes } from "./_bytes.ts";
import { aes128Ctr } from "./_kdf.ts";

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
