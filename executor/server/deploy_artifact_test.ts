import assert from "node:assert/strict";
import { TaskError } from "../task/errors.ts";
import { decodeDeployArtifact, type DeployArtifactRequest } from "./deploy_artifact.ts";

const AVS = "0x" + "ab".repeat(20);
const DIGEST = "sha256:" + "0f".repeat(32);
const request = (fields: Partial<DeployArtifactRequest>): DeployArtifactRequest => ({
  avsAddress: AVS,
  digest: "",
  registryUrl: "ghcr.io/acme/perf:v2",
  env: [],
  ...fields,
});

Deno.test("DeployArtifact: a digest pins the image; else the tag comes from registry_url", () => {
  assert.deepEqual(
    decodeDeployArtifact(request({ registryUrl: "ghcr.io/acme/perf", digest: DIGEST })).image,
    { repository: "ghcr.io/acme/perf", tag: "", digest: DIGEST },
  );
  assert.deepEqual(decodeDeployArtifact(request({})).image, {
    repository: "ghcr.io/acme/perf",
    tag: "v2",
  });
  // A registry port is not a tag.
  assert.deepEqual(
    decodeDeployArtifact(request({ registryUrl: "localhost:5000/perf:v1" })).image,
    { repository: "localhost:5000/perf", tag: "v1" },
  );
  const sa = decodeDeployArtifact(request({ kubernetes: { serviceAccountName: "avs-sa" } }));
  assert.equal(sa.serviceAccountName, "avs-sa");
  assert.equal(decodeDeployArtifact(request({})).serviceAccountName, undefined);
});

Deno.test("DeployArtifact: malformed requests are InvalidArgument naming the field", () => {
  const cases: [Partial<DeployArtifactRequest>, RegExp][] = [
    [{ avsAddress: "0x12" }, /avs_address/],
    [{ registryUrl: "" }, /registry_url is required/],
    [{ registryUrl: "ghcr.io/acme/perf" }, /needs a tag/],
    [{ digest: "sha256:xyz" }, /digest must be/],
  ];
  for (const [fields, message] of cases) {
    assert.throws(
      () => decodeDeployArtifact(request(fields)),
      (e: unknown) =>
        e instanceof TaskError && e.code === "InvalidArgument" && message.test(e.message),
    );
  }
});
