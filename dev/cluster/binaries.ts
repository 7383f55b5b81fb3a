/**
 * Builds (once) and locates the binaries of the local control plane: etcd, kube-apiserver,
 * kubectl and helm, from the Go module proxy at the versions pinned in `versions.ts`.
 *
 * Binaries are cached outside the repository under `$HOURGLASS_CACHE_DIR` (default
 * `~/.cache/hourglass-deno`), keyed by version, so a fresh clone on a warm machine builds nothing.
 * When `KUBEBUILDER_ASSETS` is set (the setup-envtest layout), etcd, kube-apiserver and kubectl
 * are taken from there instead.
 * @module
 */

import { ETCD_VERSION, HELM_VERSION, KUBERNETES_VERSION } from "./versions.ts";

/** Paths of the binaries the local control plane runs. */
export interface ControlPlaneBinaries {
  etcd: string;
  kubeApiserver: string;
  kubectl: string;
}

/** Options shared by the build functions. */
export interface BuildOptions {
  /** Called with a line of progress, e.g. to show what a long first build is doing. */
  log?: (line: string) => void;
}

/** Returns the cache directory for built binaries and Go build modules. */
export function cacheDir(): string {
  const explicit = Deno.env.get("HOURGLASS_CACHE_DIR");
  if (explicit) return explicit;
  const xdg = Deno.env.get("XDG_CACHE_HOME") ?? `${Deno.env.get("HOME") ?? "/tmp"}/.cache`;
  return `${xdg}/hourglass-deno`;
}

/** Builds what is missing and returns the paths of etcd, kube-apiserver and kubectl. */
export async function ensureControlPlaneBinaries(
  options: BuildOptions = {},
): Promise<ControlPlaneBinaries> {
  const assets = Deno.env.get("KUBEBUILDER_ASSETS");
  if (assets) {
    const found = {
      etcd: `${assets}/etcd`,
      kubeApiserver: `${assets}/kube-apiserver`,
      kubectl: `${assets}/kubectl`,
    };
    for (const path of Object.values(found)) {
      if (!(await exists(path))) {
        throw new Error(`KUBEBUILDER_ASSETS is set but "${path}" does not exist`);
      }
    }
    return found;
  }
  // Sequential on purpose: two Go builds at once on a 2-core machine are slower than in turn.
  const etcd = await ensureEtcd(options);
  const [kubeApiserver, kubectl] = await ensureKubernetes(options);
  return { etcd, kubeApiserver, kubectl };
}

/** Builds etcd if it is not cached; returns its path. */
export async function ensureEtcd(options: BuildOptions = {}): Promise<string> {
  const out = `${cacheDir()}/bin/etcd-${ETCD_VERSION}`;
  if (await exists(out)) return out;
  const dir = `${cacheDir()}/build/etcd-${ETCD_VERSION}`;
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeTextFile(
    `${dir}/main.go`,
    `// Command etcd runs the etcd server, built from the Go module proxy.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
`,
  );
  await Deno.writeTextFile(`${dir}/go.mod`, "module hourglass.local/etcd\n\ngo 1.24\n");
  await go(dir, ["get", `go.etcd.io/etcd/server/v3@${ETCD_VERSION}`], options);
  await go(dir, ["mod", "tidy"], options);
  await goBuild(dir, ".", out, [], options);
  return out;
}

/** Builds kube-apiserver and kubectl if they are not cached; returns their paths. */
export async function ensureKubernetes(options: BuildOptions = {}): Promise<[string, string]> {
  const apiserver = `${cacheDir()}/bin/kube-apiserver-${KUBERNETES_VERSION}`;
  const kubectl = `${cacheDir()}/bin/kubectl-${KUBERNETES_VERSION}`;
  if ((await exists(apiserver)) && (await exists(kubectl))) return [apiserver, kubectl];
  const dir = `${cacheDir()}/build/kubernetes-${KUBERNETES_VERSION}`;
  await Deno.mkdir(dir, { recursive: true });
  await writeKubernetesModule(dir, options);
  const ldflags = kubernetesVersionFlags();
  if (!(await exists(apiserver))) {
    await goBuild(dir, "k8s.io/kubernetes/cmd/kube-apiserver", apiserver, ldflags, options);
  }
  if (!(await exists(kubectl))) {
    await goBuild(dir, "k8s.io/kubernetes/cmd/kubectl", kubectl, ldflags, options);
  }
  return [apiserver, kubectl];
}

/** Builds helm if it is not cached; returns its path. */
export async function ensureHelm(options: BuildOptions = {}): Promise<string> {
  const out = `${cacheDir()}/bin/helm-${HELM_VERSION}`;
  if (await exists(out)) return out;
  const dir = `${cacheDir()}/build/helm-${HELM_VERSION}`;
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeTextFile(`${dir}/go.mod`, "module hourglass.local/helm\n\ngo 1.24\n");
  await go(dir, ["get", `helm.sh/helm/v3/cmd/helm@${HELM_VERSION}`], options);
  await goBuild(dir, "helm.sh/helm/v3/cmd/helm", out, [
    `-X helm.sh/helm/v3/internal/version.version=${HELM_VERSION}`,
  ], options);
  return out;
}

/**
 * k8s.io/kubernetes replaces its staging modules (k8s.io/api, k8s.io/client-go, …) with local
 * folders, which a dependent module cannot see. We read that list from its go.mod and replace
 * each with the published `v0.Y.Z` release of the same Kubernetes version.
 */
async function writeKubernetesModule(dir: string, options: BuildOptions): Promise<void> {
  const info = await goOutput(dir, [
    "mod",
    "download",
    "-json",
    `k8s.io/kubernetes@${KUBERNETES_VERSION}`,
  ], options);
  const goModPath = (JSON.parse(info) as { GoMod: string }).GoMod;
  const staging = stagingModules(await Deno.readTextFile(goModPath));
  if (staging.length === 0) {
    throw new Error(`No staging modules found in ${goModPath}: cannot build kube-apiserver`);
  }
  const stagingVersion = KUBERNETES_VERSION.replace(/^v1\./, "v0.");
  const replaces = staging.map((m) => `\t${m} => ${m} ${stagingVersion}`).join("\n");
  await Deno.writeTextFile(
    `${dir}/go.mod`,
    `module hourglass.local/kubernetes\n\ngo 1.24\n\nrequire k8s.io/kubernetes ${KUBERNETES_VERSION}\n\nreplace (\n${replaces}\n)\n`,
  );
  await go(dir, ["get", `k8s.io/kubernetes/cmd/kube-apiserver@${KUBERNETES_VERSION}`], options);
  await go(dir, ["get", `k8s.io/kubernetes/cmd/kubectl@${KUBERNETES_VERSION}`], options);
}

/** Lists the `k8s.io/<name> => ./staging/src/k8s.io/<name>` replacements of a go.mod. */
export function stagingModules(goMod: string): string[] {
  const found = new Set<string>();
  for (const match of goMod.matchAll(/^\s*(k8s\.io\/[\w.-]+)\s*=>\s*\.\/staging\//gm)) {
    found.add(match[1]);
  }
  return [...found].sort();
}

function kubernetesVersionFlags(): string[] {
  const [major, minor] = KUBERNETES_VERSION.replace(/^v/, "").split(".");
  const pkg = "k8s.io/component-base/version";
  return [
    `-X ${pkg}.gitVersion=${KUBERNETES_VERSION}`,
    `-X ${pkg}.gitMajor=${major}`,
    `-X ${pkg}.gitMinor=${minor}`,
    `-X ${pkg}.gitTreeState=clean`,
  ];
}

async function goBuild(
  dir: string,
  pkg: string,
  out: string,
  ldflags: string[],
  options: BuildOptions,
): Promise<void> {
  await Deno.mkdir(out.slice(0, out.lastIndexOf("/")), { recursive: true });
  const tmp = `${out}.partial`;
  const started = Date.now();
  await go(dir, ["build", "-trimpath", `-ldflags=-s -w ${ldflags.join(" ")}`, "-o", tmp, pkg], {
    ...options,
  });
  // Rename last so an interrupted build never leaves a half-written binary in the cache.
  await Deno.rename(tmp, out);
  options.log?.(`built ${out} in ${Math.round((Date.now() - started) / 1000)} s`);
}

async function go(dir: string, args: string[], options: BuildOptions): Promise<void> {
  await goOutput(dir, args, options);
}

/** Runs `go args…` in `dir` (module mode, local toolchain) and returns its stdout. */
export async function goOutput(
  dir: string,
  args: string[],
  options: BuildOptions,
): Promise<string> {
  options.log?.(`go ${args.join(" ")}   (in ${dir})`);
  let output: Deno.CommandOutput;
  try {
    output = await new Deno.Command("go", {
      args,
      cwd: dir,
      env: { GOFLAGS: "-mod=mod -buildvcs=false", GOTOOLCHAIN: "local" },
      stdout: "piped",
      stderr: "piped",
    }).output();
  } catch (err) {
    throw new Error(`Cannot run "go": install Go (https://go.dev/doc/install) to build ${dir}`, {
      cause: err,
    });
  }
  if (!output.success) {
    const stderr = new TextDecoder().decode(output.stderr).trim().split("\n").slice(-20).join("\n");
    throw new Error(`"go ${args.join(" ")}" failed in ${dir}:\n${stderr}`);
  }
  return new TextDecoder().decode(output.stdout);
}

/** Whether `path` exists (other errors than NotFound are thrown). */
export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return false;
    throw err;
  }
}
