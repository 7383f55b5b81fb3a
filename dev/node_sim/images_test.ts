import assert from "node:assert/strict";
import { DEFAULT_IMAGES, imageId, imageRepository, lookupImage } from "./images.ts";

Deno.test("imageRepository strips registry, tag and digest", () => {
  const cases: [string, string][] = [
    ["hourglass/hello-performer", "hourglass/hello-performer"],
    ["hourglass/hello-performer:v1", "hourglass/hello-performer"],
    ["localhost/hourglass/hello-performer:v1", "hourglass/hello-performer"],
    ["localhost:5000/hourglass/hello-performer:v1", "hourglass/hello-performer"],
    ["ghcr.io/hourglass/hello-performer@sha256:abc", "hourglass/hello-performer"],
    ["hourglass/hello-performer:v2@sha256:abc", "hourglass/hello-performer"],
    ["docker.io/library/busybox:1.36", "busybox"],
    ["busybox", "busybox"],
    ["nginx:latest", "nginx"],
  ];
  for (const [image, repo] of cases) assert.equal(imageRepository(image), repo, image);
});

Deno.test("the hello performer is known with any tag; other images are not", () => {
  const launcher = lookupImage(DEFAULT_IMAGES, "localhost/hourglass/hello-performer:v1");
  assert.ok(launcher);
  const launch = launcher({ repoRoot: "/repo", image: "hourglass/hello-performer:v1" });
  assert.equal(launch.command, Deno.execPath());
  assert.deepEqual(launch.args, [
    "run",
    "--allow-net",
    "--allow-env",
    "--allow-read",
    "--allow-sys=uid",
    "/repo/sdk/hello/main.ts",
  ]);
  assert.equal(lookupImage(DEFAULT_IMAGES, "hourglass/other:v1"), undefined);
  assert.equal(lookupImage(DEFAULT_IMAGES, "evil/hourglass/hello-performer:v1"), undefined);
});

Deno.test("imageId is stable per reference", async () => {
  assert.equal(await imageId("a/b:1"), await imageId("a/b:1"));
  assert.notEqual(await imageId("a/b:1"), await imageId("a/b:2"));
  assert.match(await imageId("a/b:1"), /^sim:\/\/a\/b@sha256:[0-9a-f]{64}$/);
});
