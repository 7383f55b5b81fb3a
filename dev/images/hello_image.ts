/**
 * The hello-performer image, built locally with Podman (no registry is reachable): a rootfs of
 * the running deno binary, its libraries, the files hello imports, the .proto files and the npm
 * packages, `FROM scratch`. The image carries its content hash as a label; a build whose hash
 * already exists is skipped.
 * @module
 */

import { collectInputs, type ImageInputs } from "./_inputs.ts";
import { contentHash } from "./_hash.ts";
import { containerfile, type ImageSpec, stageContext } from "./_rootfs.ts";

/** Repository of the hello-performer image. */
export const HELLO_IMAGE_REPOSITORY = "hourglass/hello-performer";
/** Label holding an image's content hash. */
export const CONTENT_HASH_LABEL = "io.hourglass.content-hash";
/** The gRPC port hello listens on in the image. */
export const HELLO_IMAGE_PORT = 9090;

const REPO_ROOT = new URL("../../", import.meta.url).pathname.replace(/\/$/, "");
const SPEC: ImageSpec = {
  entry: "sdk/hello/main.ts",
  env: { GRPC_PORT: String(HELLO_IMAGE_PORT) },
  port: HELLO_IMAGE_PORT,
  labels: { "org.opencontainers.image.title": "hello-performer" },
};

/** Options of `buildHelloImage`. */
export interface BuildHelloImageOptions {
  /** Image tag; "dev" by default. */
  tag?: string;
  /** Build even when an image with the same content exists. */
  force?: boolean;
  /** Progress lines; stderr by default. */
  log?: (line: string) => void;
}

/** A built (or found) image. */
export interface HelloImage {
  /** "hourglass/hello-performer:<tag>". */
  image: string;
  /** Podman's image id. */
  id: string;
  /** The content hash (label `io.hourglass.content-hash`). */
  contentHash: string;
  /** False when an image with this content already existed. */
  built: boolean;
  /** Image size in bytes. */
  sizeBytes: number;
  /** Time this call took, in milliseconds. */
  ms: number;
}

/** Builds `hourglass/hello-performer:<tag>` unless an image with the same content exists. */
export async function buildHelloImage(options: BuildHelloImageOptions = {}): Promise<HelloImage> {
  const started = performance.now();
  const log = options.log ?? ((line: string) => console.error(`[images] ${line}`));
  const image = `${HELLO_IMAGE_REPOSITORY}:${options.tag ?? "dev"}`;
  const inputs = await collectInputs({
    repoRoot: REPO_ROOT,
    entry: SPEC.entry,
    dataDirs: ["proto"],
  });
  const hash = await contentHash(inputs, containerfile(SPEC));
  const previous = await imageId(image);
  const existing = options.force ? undefined : await imageWithHash(hash);
  if (existing) {
    await podman(["tag", existing, image]);
  } else {
    log(`building ${image} from ${inputs.app.length} project files (content ${hash.slice(0, 12)})`);
    await build(image, hash, inputs);
  }
  const [id, size] = (await podman(["image", "inspect", "--format", "{{.Id}} {{.Size}}", image]))
    .trim().split(" ");
  // A rebuild or a re-tag leaves the image the tag pointed to before without a name.
  if (previous && previous !== id) await removeIfUntagged(previous);
  const result = {
    image,
    id,
    contentHash: hash,
    built: !existing,
    sizeBytes: Number(size),
    ms: Math.round(performance.now() - started),
  };
  log(
    existing
      ? `${image} is up to date (content ${hash.slice(0, 12)}): build skipped`
      : `built ${image} (${(result.sizeBytes / 1e6).toFixed(0)} MB) in ${
        (result.ms / 1000).toFixed(1)
      } s`,
  );
  return result;
}

/** Stages the build context in a temporary directory and runs `podman build` on it. */
async function build(image: string, hash: string, inputs: ImageInputs): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "hourglass-image-" });
  try {
    await stageContext(dir, inputs, SPEC);
    await podman([
      "build",
      "--pull=never",
      // One image, no intermediate image per instruction left behind.
      "--layers=false",
      "--label",
      `${CONTENT_HASH_LABEL}=${hash}`,
      "--tag",
      image,
      "--file",
      `${dir}/Containerfile`,
      dir,
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

/** The id of an image labelled with `hash`, if one exists. */
async function imageWithHash(hash: string): Promise<string | undefined> {
  const ids = await podman([
    "images",
    "--quiet",
    "--no-trunc",
    "--filter",
    `label=${CONTENT_HASH_LABEL}=${hash}`,
  ]);
  return ids.split("\n").map((s) => s.trim()).find((s) => s !== "");
}

async function imageId(image: string): Promise<string | undefined> {
  return (await podman(["image", "inspect", "--format", "{{.Id}}", image]).catch(() => ""))
    .trim() || undefined;
}

/** Removes the image `id` replaced by a rebuild, unless it is still tagged or in use. */
async function removeIfUntagged(id: string): Promise<void> {
  const tags = await podman(["image", "inspect", "--format", "{{len .RepoTags}}", id]).catch(() =>
    ""
  );
  if (tags.trim() === "0") await podman(["rmi", id]).catch(() => {});
}

async function podman(args: string[]): Promise<string> {
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command("podman", { args, stdout: "piped", stderr: "piped" }).output();
  } catch (err) {
    throw new Error(`Cannot run podman (install it with ensurePodman() from dev/podman)`, {
      cause: err,
    });
  }
  if (!out.success) {
    const stderr = new TextDecoder().decode(out.stderr).trim().split("\n").slice(-15).join("\n");
    throw new Error(`"podman ${args.join(" ")}" failed (exit code ${out.code}):\n${stderr}`);
  }
  return new TextDecoder().decode(out.stdout);
}
