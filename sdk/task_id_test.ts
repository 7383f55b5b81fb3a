import assert from "node:assert/strict";
import { decodeTaskId } from "./_task_id.ts";

Deno.test("a task id sent as the ASCII bytes of 0x… decodes to that string", () => {
  const id = "0x" + "ab".repeat(32);
  assert.equal(decodeTaskId(new TextEncoder().encode(id)), id);
});

Deno.test("a task id sent as raw bytes decodes to 0x + hex", () => {
  const raw = new Uint8Array(32).map((_, i) => i * 7);
  assert.equal(
    decodeTaskId(raw),
    "0x" + [...raw].map((b) => b.toString(16).padStart(2, "0")).join(""),
  );
});
