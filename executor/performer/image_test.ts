import assert from "node:assert/strict";
import type { PerformerImage } from "../../shared/config/executor_config.ts";
import { formatImage, imageReference, parseImage } from "./image.ts";

const DIGEST = `sha256:${"ab".repeat(32)}`;

// reference → parsed image, as Docker's reference grammar reads it.
const TABLE: [string, PerformerImage][] = [
  ["repo", { repository: "repo", tag: "latest" }],
  ["repo:v1", { repository: "repo", tag: "v1" }],
  ["ghcr.io/acme/perf:v1.2.0", { repository: "ghcr.io/acme/perf", tag: "v1.2.0" }],
  ["registry:5000/repo", { repository: "registry:5000/repo", tag: "latest" }],
  ["registry:5000/a/b:v1", { repository: "registry:5000/a/b", tag: "v1" }],
  // Pinned by digest only: no tag, and no implied "latest" either.
  [`repo@${DIGEST}`, { repository: "repo", tag: "", digest: DIGEST }],
  [`registry:5000/a/b@${DIGEST}`, { repository: "registry:5000/a/b", tag: "", digest: DIGEST }],
  [`repo:v1@${DIGEST}`, { repository: "repo", tag: "v1", digest: DIGEST }],
  [`registry:5000/repo:v1@${DIGEST}`, {
    repository: "registry:5000/repo",
    tag: "v1",
    digest: DIGEST,
  }],
];

Deno.test("parseImage reads references as Docker's grammar does", async (t) => {
  for (const [reference, image] of TABLE) {
    await t.step(reference, () => assert.deepEqual(parseImage(reference), image));
  }
});

Deno.test("formatImage writes what parseImage reads back, tag kept", async (t) => {
  for (const [reference, image] of TABLE) {
    if (reference === "repo" || reference === "registry:5000/repo") continue; // implied latest
    await t.step(reference, () => {
      assert.equal(formatImage(image), reference);
      assert.deepEqual(parseImage(formatImage(image)), image);
    });
  }
  assert.equal(formatImage({ repository: "repo", tag: "latest" }), "repo:latest");
});

Deno.test("imageReference runs the digest when one pins the image, else the tag", () => {
  assert.equal(imageReference({ repository: "r/x", tag: "v1" }), "r/x:v1");
  assert.equal(imageReference({ repository: "r/x", tag: "v1", digest: DIGEST }), `r/x@${DIGEST}`);
  assert.equal(
    imageReference({ repository: "r:5000/x", tag: "", digest: DIGEST }),
    `r:5000/x@${DIGEST}`,
  );
});
