import assert from "node:assert/strict";
import { GEN_DIR, generateProtoTypes } from "./generate.ts";

async function readTree(dir: string, prefix = ""): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for await (const entry of Deno.readDir(dir)) {
    const rel = `${prefix}${entry.name}`;
    if (entry.isDirectory) {
      for (const [k, v] of await readTree(`${dir}/${entry.name}`, `${rel}/`)) files.set(k, v);
    } else files.set(rel, await Deno.readTextFile(`${dir}/${entry.name}`));
  }
  return files;
}

Deno.test("the committed proto types are what `deno task protos` generates", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "protos-" });
  try {
    await generateProtoTypes(tmp);
    const fresh = await readTree(tmp);
    const committed = await readTree(GEN_DIR);
    assert.deepEqual([...committed.keys()].sort(), [...fresh.keys()].sort());
    for (const [path, text] of fresh) {
      assert.equal(committed.get(path), text, `${path} is stale: run \`deno task protos\``);
    }
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});
