/**
 * `deno task binaries`: builds (or finds in the cache) every Go-built tool, printing progress.
 * @module
 */

import { ensureControlPlaneBinaries, ensureHelm } from "./binaries.ts";

const log = (line: string) => console.error(`[binaries] ${line}`);
const started = Date.now();
const bins = await ensureControlPlaneBinaries({ log });
const helm = Deno.args.includes("--with-helm") ? await ensureHelm({ log }) : undefined;
for (const [name, path] of Object.entries({ ...bins, ...(helm ? { helm } : {}) })) {
  console.log(`${name}=${path}`);
}
log(`ready in ${Math.round((Date.now() - started) / 1000)} s`);
