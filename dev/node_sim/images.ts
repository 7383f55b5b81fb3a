/**
 * The images the simulated node can "run": a table from image repository (registry, tag and
 * digest stripped) to how to start it as a local process. Anything else behaves like an image
 * that cannot be pulled.
 * @module
 */

import { parseImage } from "../../executor/performer/image.ts";

/** What a known image starts as: a local command. */
export interface ImageLaunch {
  command: string;
  args: string[];
  /** Working directory (the repository root by default). */
  cwd?: string;
}

/** What an image launcher gets to work with. */
export interface ImageContext {
  /** Root of this repository (where `deno.json` is). */
  repoRoot: string;
  /** The image reference as written in the pod. */
  image: string;
}

/** Turns a known image into a command. */
export type ImageLauncher = (ctx: ImageContext) => ImageLaunch;

/** Image repository (e.g. `hourglass/hello-performer`) → launcher. */
export type ImageTable = ReadonlyMap<string, ImageLauncher>;

/**
 * Permissions of a performer script: network, environment, reading its files — and the user id,
 * because proto-loader's `fs.accessSync` (finding `.proto` files on include paths) asks for it
 * under Deno; without it the performer cannot load its protos.
 */
export const PERFORMER_PERMISSIONS = [
  "--allow-net",
  "--allow-env",
  "--allow-read",
  "--allow-sys=uid",
];

/** Runs a Deno script of this repository with the permissions a performer needs. */
export function denoScript(relativePath: string): ImageLauncher {
  return ({ repoRoot }) => ({
    command: Deno.execPath(),
    args: ["run", ...PERFORMER_PERMISSIONS, `${repoRoot}/${relativePath}`],
  });
}

/** The images every simulator knows: the project's sample performer. */
export const DEFAULT_IMAGES: ImageTable = new Map([
  ["hourglass/hello-performer", denoScript("sdk/hello/main.ts")],
]);

/**
 * The repository part of an image reference: `localhost:5000/hourglass/hello-performer:v1@sha256:…`
 * → `hourglass/hello-performer`. The first path component is a registry when it has a `.` or `:`
 * or is `localhost`, as Docker decides; Docker Hub's `library/` prefix is dropped.
 */
export function imageRepository(image: string): string {
  // Tag and digest split off as the executor's runtimes do.
  let ref = parseImage(image.trim()).repository;
  const slash = ref.indexOf("/");
  const first = slash >= 0 ? ref.slice(0, slash) : "";
  const hasRegistry = slash >= 0 &&
    (first.includes(".") || first.includes(":") || first === "localhost");
  if (hasRegistry) ref = ref.slice(slash + 1);
  const dockerHub = !hasRegistry || first === "docker.io" || first === "index.docker.io";
  if (dockerHub && ref.startsWith("library/")) ref = ref.slice("library/".length);
  return ref.toLowerCase();
}

/** The launcher for `image`, or undefined when the node does not know it. */
export function lookupImage(table: ImageTable, image: string): ImageLauncher | undefined {
  return table.get(imageRepository(image));
}

/** A stable image ID for a reference, shaped like a runtime's `repo@sha256:…`. */
export async function imageId(image: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(image));
  const hex = Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
  return `sim://${imageRepository(image)}@sha256:${hex}`;
}
