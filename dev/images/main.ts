/**
 * `deno run -A dev/images/main.ts hello [--tag v1] [--force]`: builds a performer image with
 * Podman (installing Podman first when it is missing) and prints its name.
 * @module
 */

import { parseArgs } from "node:util";
import { ensurePodman } from "../podman/podman.ts";
import { buildHelloImage } from "./hello_image.ts";

const USAGE = "usage: deno run -A dev/images/main.ts hello [--tag <tag>] [--force]";

const { positionals, values } = parseArgs({
  args: Deno.args,
  allowPositionals: true,
  options: {
    tag: { type: "string", default: "dev" },
    force: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (values.help) {
  console.log(USAGE);
  Deno.exit(0);
}
if (positionals.length !== 1 || positionals[0] !== "hello") {
  console.error(`Unknown image ${JSON.stringify(positionals.join(" "))}; ${USAGE}`);
  Deno.exit(2);
}
try {
  await ensurePodman();
  const image = await buildHelloImage({ tag: values.tag, force: values.force });
  console.log(image.image);
} catch (err) {
  console.error(
    `Cannot build the hello-performer image: ${err instanceof Error ? err.message : err}`,
  );
  Deno.exit(1);
}
