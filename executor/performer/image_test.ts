import assert from "node:assert/strict";
import type { PerformerImage } from "../../shared/config/executor_config.ts";
import { formatImage, imageProblem, imageReference, parseImage } from "./image.ts";

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

Deno.test("imageProblem: the grammar's parts; an empty tag only beside a digest", () => {
  const valid: PerformerImage[] = [
    { repository: "localhost:5000/a/b_c", tag: "x", digest: DIGEST },
    { repository: "ghcr.io/acme/perf", tag: "", digest: DIGEST },
    { repository: "hourglass/hello-performer", tag: "v1.2.0-rc_1" },
  ];
  for (const image of valid) assert.equal(imageProblem(image), undefined, JSON.stringify(image));
  const invalid: [PerformerImage, RegExp][] = [
    [{ repository: "a/../../containers/x", tag: "v1" }, /is not an image repository/],
    [{ repository: "Hello", tag: "v1" }, /"Hello" is not an image repository/],
    [{ repository: "a", tag: "v1?x=1" }, /"v1\?x=1" is not an image tag/],
    [{ repository: "a", tag: "" }, /"" is not an image tag/],
    [{ repository: "a", tag: "v1", digest: "sha256:short" }, /is not an image digest/],
  ];
  for (const [image, message] of invalid) assert.match(imageProblem(image) ?? "", message);
});
