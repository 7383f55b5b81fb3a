/**
 * `deno task docs`: writes the generated reference pages under `docs/` (the executor config, the
 * operator's settings and the Performer API), from the zod schemas the code itself validates
 * with.
 *
 *   deno task docs           write them
 *   deno task docs --check   exit 1, naming each stale file, instead of writing
 * @module
 */

import { EXECUTOR_CONFIG_DOC, renderExecutorConfigDoc } from "./executor_config_doc.ts";
import { OPERATOR_CONFIG_DOC, renderOperatorConfigDoc } from "./operator_config_doc.ts";
import { PERFORMER_API_DOC, renderPerformerApiDoc } from "./performer_api_doc.ts";

/** Every generated page: its path (relative to the repository root) and its renderer. */
export const GENERATED_DOCS: readonly { path: string; render: () => string }[] = [
  { path: EXECUTOR_CONFIG_DOC, render: renderExecutorConfigDoc },
  { path: OPERATOR_CONFIG_DOC, render: renderOperatorConfigDoc },
  { path: PERFORMER_API_DOC, render: renderPerformerApiDoc },
];

/** The repository root, as a path ending in `/`. */
export const REPO_ROOT = new URL("../../", import.meta.url).pathname;

/** The generated pages whose committed text differs from what the schemas produce now. */
export async function staleDocs(): Promise<string[]> {
  const stale: string[] = [];
  for (const { path, render } of GENERATED_DOCS) {
    const committed = await Deno.readTextFile(`${REPO_ROOT}${path}`).catch(() => undefined);
    if (committed !== render()) stale.push(path);
  }
  return stale;
}

if (import.meta.main) {
  if (Deno.args.includes("--check")) {
    const stale = await staleDocs();
    for (const path of stale) console.error(`${path} is stale: run \`deno task docs\``);
    Deno.exit(stale.length > 0 ? 1 : 0);
  }
  await Deno.mkdir(`${REPO_ROOT}docs`, { recursive: true });
  for (const { path, render } of GENERATED_DOCS) {
    await Deno.writeTextFile(`${REPO_ROOT}${path}`, render());
    console.log(`wrote ${path}`);
  }
}
