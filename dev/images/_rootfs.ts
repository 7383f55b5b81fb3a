/**
 * The build context of an offline image: a rootfs directory (deno, its libraries, the project
 * files, the npm packages in node_modules, a non-root user) and a Containerfile `FROM scratch`
 * that copies it and runs the entry point with narrow permissions.
 * @module
 */

import { APP_DIR, DENO_TARGET, type ImageFile, type ImageInputs } from "./_inputs.ts";

/** The user the performer runs as (not root). */
export const IMAGE_USER = { uid: 10001, gid: 10001, name: "performer" };

/** How the image runs its entry point. */
export interface ImageSpec {
  /** Entry point relative to the project root, e.g. "sdk/hello/main.ts". */
  entry: string;
  /** Default environment of the image. */
  env: Record<string, string>;
  /** The container port to expose. */
  port: number;
  /** OCI labels other than the content hash. */
  labels: Record<string, string>;
}

/**
 * The Containerfile. Permissions: net (to listen), env (GRPC_PORT, …), read of the app only,
 * and sys "uid" only, because Deno's node:fs `existsSync` asks for it (protobufjs looks for
 * .proto files with it) and without it every file looks missing.
 */
export function containerfile(spec: ImageSpec): string {
  const entrypoint = [
    DENO_TARGET,
    "run",
    "--cached-only",
    "--allow-net",
    "--allow-env",
    `--allow-read=${APP_DIR}`,
    "--allow-sys=uid",
    `${APP_DIR}/${spec.entry}`,
  ];
  const env = {
    ...spec.env,
    // Deno writes its caches under DENO_DIR; /tmp is the one writable place.
    DENO_DIR: "/tmp/deno",
    HOME: "/tmp",
    DENO_NO_UPDATE_CHECK: "1",
    DENO_NO_PROMPT: "1",
    NO_COLOR: "1",
  };
  return [
    "FROM scratch",
    "COPY rootfs/ /",
    ...Object.entries(env).map(([k, v]) => `ENV ${k}=${JSON.stringify(v)}`),
    ...Object.entries(spec.labels).map(([k, v]) => `LABEL ${k}=${JSON.stringify(v)}`),
    `EXPOSE ${spec.port}/tcp`,
    `WORKDIR ${APP_DIR}`,
    `USER ${IMAGE_USER.uid}:${IMAGE_USER.gid}`,
    `ENTRYPOINT ${JSON.stringify(entrypoint)}`,
    "",
  ].join("\n");
}

/** Writes the build context into `dir`: `rootfs/` and `Containerfile`. */
export async function stageContext(
  dir: string,
  inputs: ImageInputs,
  spec: ImageSpec,
): Promise<void> {
  const rootfs = `${dir}/rootfs`;
  for (const file of [...inputs.system, ...inputs.app]) await place(rootfs, file);
  await Deno.writeTextFile(`${rootfs}${APP_DIR}/deno.json`, inputs.denoJson);
  await Deno.writeTextFile(`${rootfs}${APP_DIR}/deno.lock`, inputs.denoLock);
  await writeUsers(rootfs);
  await Deno.mkdir(`${rootfs}/tmp`, { recursive: true });
  await Deno.chmod(`${rootfs}/tmp`, 0o1777);
  await installNpmPackages(`${rootfs}${APP_DIR}`, spec.entry);
  await Deno.writeTextFile(`${dir}/Containerfile`, containerfile(spec));
}

async function place(rootfs: string, file: ImageFile): Promise<void> {
  const target = `${rootfs}${file.target}`;
  await Deno.mkdir(target.slice(0, target.lastIndexOf("/")), { recursive: true });
  try {
    // deno alone is ~100 MB: a hard link saves the copy when the staging dir allows one.
    await Deno.link(file.source, target);
  } catch {
    await Deno.copyFile(file.source, target);
  }
}

async function writeUsers(rootfs: string): Promise<void> {
  const { uid, gid, name } = IMAGE_USER;
  await Deno.mkdir(`${rootfs}/etc`, { recursive: true });
  await Deno.writeTextFile(
    `${rootfs}/etc/passwd`,
    `root:x:0:0:root:/root:/sbin/nologin\n${name}:x:${uid}:${gid}:${name}:/tmp:/sbin/nologin\n`,
  );
  await Deno.writeTextFile(`${rootfs}/etc/group`, `root:x:0:\n${name}:x:${gid}:\n`);
}

/**
 * Fills `<appDir>/node_modules` with the packages the entry point imports, from deno's cache
 * on this machine (the npm registry only when the cache lacks one), so the image needs none.
 */
async function installNpmPackages(appDir: string, entry: string): Promise<void> {
  const install = (offline: boolean) =>
    new Deno.Command(Deno.execPath(), {
      args: ["install", ...(offline ? ["--cached-only"] : []), "--entrypoint", entry],
      cwd: appDir,
      env: { NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
  let out = await install(true);
  if (!out.success) out = await install(false);
  if (!out.success) {
    throw new Error(
      `Cannot install the npm packages of "${entry}" into the image: ` +
        new TextDecoder().decode(out.stderr).trim(),
    );
  }
}
