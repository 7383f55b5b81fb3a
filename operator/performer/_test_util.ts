/**
 * Test helpers for the Performer reconciler's pure code.
 * @module
 */

import { PerformerSpec, type PerformerSpecInput } from "../../shared/api/performer.ts";
import type { PerformerObject } from "./performer_object.ts";

/** The AVS address test Performers serve. */
export const AVS = "0xCE2Ac75bE2E0951F1F7B288c7a6A9BfB6c331DC4";

/** A Performer named `hello` in `avs`, with `spec` over a minimal valid one. */
export function performerWith(
  spec: Partial<PerformerSpecInput> = {},
  name = "hello",
): PerformerObject {
  return {
    metadata: { name, namespace: "avs", uid: "uid-1", generation: 1 },
    spec: PerformerSpec.parse({ avsAddress: AVS, image: "hourglass/hello-performer:v1", ...spec }),
  };
}
