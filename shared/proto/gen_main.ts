/**
 * `deno task protos`: regenerates the TypeScript types of the protos in `proto/` into
 * `shared/proto/gen/` with proto-loader's generator, using the same options the runtime loader
 * uses (`LOADER_OPTIONS` in `load.ts`), so the types describe exactly what grpc-js hands us.
 * @module
 */

import { GEN_DIR, generateProtoTypes } from "./generate.ts";

await generateProtoTypes(GEN_DIR);
console.log(`wrote ${GEN_DIR}`);
