/**
 * `deno task crds`: writes the generated Performer CRD to `crds/`.
 * @module
 */

import { CRD_PATH, renderCrdYaml } from "./crd.ts";

await Deno.writeTextFile(CRD_PATH, renderCrdYaml());
console.log(`wrote ${CRD_PATH}`);
