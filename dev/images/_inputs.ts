/**
 * What goes into a performer image built without network access: the running deno binary and
 * the shared libraries it links, the entry point's module graph (only the files it imports),
 * the .proto files it reads at run time, and a deno.json narrowed to the npm packages the graph
 * uses (so that `--cached-only` needs no other package).
 * @module
 */

/** A file of the image: where it comes from on this machine and where it goes in the rootfs. */
export interface ImageFile {
  /** Absolute path on this machine. */
  source: string;
  /** Absolute path in the image. */
  target: string;
}

/** Everything an image of `entry` is made of. */
export interface ImageInputs {
  /** deno itself, then the libraries it links. */
  system: ImageFile[];
  /** Project files, with targets under `appDir`. */
  app: ImageFile[];
  /** deno.json for the image (only the imports the graph uses). */
  denoJson: string;
  /** The project's deno.lock text (deno prunes it to the image's imports when installing). */
  denoLock: string;
  /** The npm packages the graph imports, as "name@version". */
  npmRoots: string[];
}

/** Where the project lives in the image. */
export const APP_DIR = "/app";
/** Where deno lives in the image. */
export const DENO_TARGET = "/usr/local/bin/deno";

/** The library paths in `ldd` output (the dynamic loader included, the vDSO left out). */
export function parseLdd(text: string): string[] {
  const paths: string[] = [];
  for (const line of text.split("\n")) {
    // "libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x…)" or "/lib64/ld-linux-x86-64.so.2 (0x…)"
    const match = /^\s*(?:\S+\s+=>\s+)?(\/\S+)\s+\(0x[0-9a-f]+\)\s*$/.exec(line);
    if (match) paths.push(match[1]);
    else if (/=>\s+not found/.test(line)) {
      throw new Error(`A library deno needs is missing on this machine: ${line.trim()}`);
    }
  }
  return paths;
}

/** deno.json for the image: the project's settings with only the imports of `npmRoots`. */
export function imageDenoJson(projectConfig: string, npmRoots: string[]): string {
  const config = JSON.parse(projectConfig) as
    & { imports?: Record<string, string> }
    & Record<
      string,
      unknown
    >;
  const wanted = new Set(npmRoots.map((r) => `npm:${r}`));
  const imports = Object.fromEntries(
    Object.entries(config.imports ?? {}).filter(([, target]) =>
      wanted.has(target.replace(/\/$/, ""))
    ),
  );
  // Tasks, lint and fmt settings mean nothing in the image.
  const image: Record<string, unknown> = { imports };
  if (config.nodeModulesDir !== undefined) image.nodeModulesDir = config.nodeModulesDir;
  if (config.compilerOptions !== undefined) image.compilerOptions = config.compilerOptions;
  return JSON.stringify(image, null, 2) + "\n";
}

/** "npm:/@scope/name@1.2.3/sub/path" → "@scope/name@1.2.3". */
export function npmPackageOf(specifier: string): string {
  const parts = specifier.replace(/^npm:\/?/, "").split("/");
  return (parts[0].startsWith("@") ? parts.slice(0, 2) : parts.slice(0, 1)).join("/");
}

interface DenoInfo {
  modules: { specifier: string }[];
}

/** Collects the inputs of an image running `entry` (a path relative to `repoRoot`). */
export async function collectInputs(options: {
  repoRoot: string;
  entry: string;
  /** Directories (relative to `repoRoot`) read at run time, copied whole. */
  dataDirs: string[];
}): Promise<ImageInputs> {
  const { repoRoot, entry } = options;
  const deno = await Deno.realPath(Deno.execPath());
  const libraries = parseLdd(await run("ldd", [deno]));
  const system: ImageFile[] = [{ source: deno, target: DENO_TARGET }];
  for (const lib of libraries) system.push({ source: await Deno.realPath(lib), target: lib });

  const info = JSON.parse(
    await run(Deno.execPath(), ["info", "--json", entry], repoRoot),
  ) as DenoInfo;
  const root = new URL(`file://${repoRoot.replace(/\/?$/, "/")}`).href;
  const app: ImageFile[] = [];
  const npmRoots = new Set<string>();
  for (const { specifier } of info.modules) {
    if (specifier.startsWith(root)) {
      const rel = decodeURIComponent(specifier.slice(root.length));
      app.push({ source: `${repoRoot}/${rel}`, target: `${APP_DIR}/${rel}` });
    } else if (specifier.startsWith("npm:/")) {
      npmRoots.add(npmPackageOf(specifier));
    } else if (!specifier.startsWith("node:")) {
      throw new Error(`Cannot put "${specifier}" in an offline image: only local and npm modules`);
    }
  }
  for (const dir of options.dataDirs) {
    for await (const rel of walkFiles(`${repoRoot}/${dir}`)) {
      app.push({ source: `${repoRoot}/${dir}/${rel}`, target: `${APP_DIR}/${dir}/${rel}` });
    }
  }
  const roots = [...npmRoots].sort();
  return {
    system,
    app: app.sort((a, b) => a.target.localeCompare(b.target)),
    denoJson: imageDenoJson(await Deno.readTextFile(`${repoRoot}/deno.json`), roots),
    denoLock: await Deno.readTextFile(`${repoRoot}/deno.lock`),
    npmRoots: roots,
  };
}

async function* walkFiles(dir: string, prefix = ""): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(`${dir}/${prefix}`)) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory) yield* walkFiles(dir, rel);
    else if (entry.isFile) yield rel;
  }
}

async function run(bin: string, args: string[], cwd?: string): Promise<string> {
  const out = await new Deno.Command(bin, { args, cwd, stdout: "piped", stderr: "piped" }).output();
  if (!out.success) {
    const stderr = new TextDecoder().decode(out.stderr).trim();
    throw new Error(`"${bin} ${args.join(" ")}" failed (exit code ${out.code}): ${stderr}`);
  }
  return new TextDecoder().decode(out.stdout);
}
