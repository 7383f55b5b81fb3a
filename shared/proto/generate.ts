/**
 * Generation of the typed gRPC bindings (see `gen_main.ts`).
 * @module
 */

/** Directory of the .proto files. */
export const PROTO_DIR = new URL("../../proto/", import.meta.url).pathname;
/** Directory of the generated TypeScript types. */
export const GEN_DIR = new URL("./gen/", import.meta.url).pathname;

const CONFIG_FILE = new URL("../../deno.json", import.meta.url).pathname;

/** The proto files we generate types for, relative to PROTO_DIR. */
export const PROTO_FILES = [
  "eigenlayer/hourglass/v1/performer/performer.proto",
  "eigenlayer/hourglass/v1/executor/executor.proto",
  "eigenlayer/hourglass/v1/common/auth.proto",
  "grpc/health/v1/health.proto",
];

const GENERATOR = "npm:@grpc/proto-loader@0.8.1/build/bin/proto-loader-gen-types.js";

/** Writes the generated types into `outDir` (replacing what was there). */
export async function generateProtoTypes(outDir: string): Promise<void> {
  await Deno.remove(outDir, { recursive: true }).catch(() => {});
  await exec([
    "run",
    "-A",
    GENERATOR,
    // Must match LOADER_OPTIONS in load.ts.
    "--longs=String",
    "--enums=String",
    "--defaults",
    "--oneofs",
    "--includeComments",
    "--grpcLib=@grpc/grpc-js",
    "-I",
    PROTO_DIR.replace(/\/$/, ""),
    "-O",
    outDir,
    ...PROTO_FILES,
  ]);
  await rewriteForDeno(outDir);
  // The project's fmt options, also when outDir lies outside the project (as in the test).
  await exec(["fmt", "--quiet", "--config", CONFIG_FILE, outDir]);
}

/**
 * The generator writes Node-style extensionless imports (Deno needs the `.ts`) and absolute
 * source paths in comments (which would differ between clones).
 */
async function rewriteForDeno(dir: string): Promise<void> {
  for await (const entry of Deno.readDir(dir)) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) {
      await rewriteForDeno(path);
    } else if (entry.name.endsWith(".ts")) {
      const text = await Deno.readTextFile(path);
      await Deno.writeTextFile(
        path,
        text.replace(/(from '\.{1,2}\/[^']+)'/g, "$1.ts'").replaceAll(PROTO_DIR, "proto/"),
      );
    }
  }
}

async function exec(args: string[]): Promise<void> {
  const out = await new Deno.Command(Deno.execPath(), { args, stdout: "piped", stderr: "piped" })
    .output();
  if (!out.success) {
    throw new Error(
      `"deno ${args.slice(0, 2).join(" ")}" failed: ${new TextDecoder().decode(out.stderr)}`,
    );
  }
}
