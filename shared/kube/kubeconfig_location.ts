/**
 * Where a Kubernetes config is found, the way kubectl looks: the in-cluster service account when
 * running in a pod, else the first existing file of `KUBECONFIG`, else `~/.kube/config`. Shared
 * by `client.ts` (client-node's `KubeConfig`) and `rest.ts` (the operator's own client), and free
 * of client-node so `rest.ts` stays so.
 * @module
 */

/** Where a pod's service account token, CA and namespace are mounted. */
export const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

/** True inside a pod with a service account token. */
export function runningInPod(): boolean {
  return Deno.env.get("KUBERNETES_SERVICE_HOST") !== undefined &&
    exists(`${SERVICE_ACCOUNT_DIR}/token`);
}

/**
 * The kubeconfig file to read when none was named: the first existing path of `KUBECONFIG`, else
 * `~/.kube/config`. Adds what it looked at to `tried`; throws when there is none.
 */
export function defaultKubeconfigPath(tried: string[]): string {
  const env = Deno.env.get("KUBECONFIG");
  const home = `${Deno.env.get("HOME") ?? ""}/.kube/config`;
  const path = env?.split(":").find((p) => p !== "" && exists(p)) ??
    (exists(home) ? home : undefined);
  tried.push(env ? `KUBECONFIG=${env}` : "KUBECONFIG (unset)", home);
  if (path === undefined) throw new Error("no kubeconfig file found");
  return path;
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}
