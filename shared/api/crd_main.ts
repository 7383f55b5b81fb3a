/**
 * `deno task crds`: writes the generated Performer CRD to `crds/` and to the operator chart's
 * `crds/` folder (Helm reads only files inside the chart, so the chart needs its own copy).
 * @module
 */

import { CRD_PATH, renderCrdYaml } from "./crd.ts";

/** Every generated copy of the CRD, relative to the repository root; all must be identical. */
export const CRD_COPIES: readonly string[] = [
  CRD_PATH,
  "charts/hourglass-operator/crds/hourglass.eigenlayer.io_performers.yaml",
];

if (import.meta.main) {
  const root = new URL("../../", import.meta.url).pathname;
  const yaml = renderCrdYaml();
  for (const path of CRD_COPIES) {
    await Deno.mkdir(`${root}${path.slice(0, path.lastIndexOf("/"))}`, { recursive: true });
    await Deno.writeTextFile(`${root}${path}`, yaml);
    console.log(`wrote ${path}`);
  }
}
