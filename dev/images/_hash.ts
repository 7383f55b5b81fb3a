/**
 * The content hash of an image: every file's target path, executable bit and bytes, plus the
 * generated files and the Containerfile. Same hash, same image: the build can be skipped.
 * @module
 */

import type { ImageInputs } from "./_inputs.ts";

/** Bump to rebuild every image after a change to how images are put together. */
const BUILDER_VERSION = "1";

/** sha256 (hex) of the inputs and the Containerfile text. */
export async function contentHash(inputs: ImageInputs, containerfile: string): Promise<string> {
  const lines = [`builder ${BUILDER_VERSION}`];
  for (const file of [...inputs.system, ...inputs.app]) {
    const [bytes, stat] = await Promise.all([Deno.readFile(file.source), Deno.stat(file.source)]);
    const exec = (stat.mode ?? 0) & 0o111 ? "x" : "-";
    lines.push(`${file.target} ${exec} ${await sha256(bytes)}`);
  }
  const enc = new TextEncoder();
  lines.push(`deno.json ${await sha256(enc.encode(inputs.denoJson))}`);
  lines.push(`deno.lock ${await sha256(enc.encode(inputs.denoLock))}`);
  lines.push(`Containerfile ${await sha256(enc.encode(containerfile))}`);
  return await sha256(enc.encode(lines.join("\n")));
}

async function sha256(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}
