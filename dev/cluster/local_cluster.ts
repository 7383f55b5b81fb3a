/**
 * A real local control plane: etcd and kube-apiserver on loopback ports, RBAC authorization on,
 * service-account tokens working, an audit log of writes, the Performer CRD installed.
 *
 * There is no kubelet, scheduler or controller-manager: nothing runs pods and nothing
 * garbage-collects. The node simulator (a later part of `dev/`) plays the kubelet's part.
 * @module
 */

import * as k8s from "@kubernetes/client-node";
import { type BuildOptions, ensureControlPlaneBinaries } from "./binaries.ts";
import { startServiceAccountController } from "./service_accounts.ts";
import {
  freePort,
  type ManagedProcess,
  reapOrphans,
  startProcess,
  tailLog,
  writeOwnerRecord,
} from "../process.ts";

/** A running local control plane. */
export interface LocalCluster {
  /** Path of the admin kubeconfig. */
  kubeconfigPath: string;
  /** API server URL. */
  server: string;
  /** Directory holding certificates, data, logs and the kubeconfig. */
  dir: string;
  /** The API server's audit log (one JSON line per write request). */
  auditLogPath: string;
  /** Path of the kubectl binary matching the API server. */
  kubectl: string;
  /** Process ids of etcd and kube-apiserver. */
  pids: number[];
  /** etcd's client URL (tests use it to compact history and force 410 Gone). */
  etcdEndpoint: string;
  /**
   * Stops the kube-apiserver process (SIGTERM, then SIGKILL after 10 s); etcd and its data stay.
   * For fault tests: clients see connections refused until `startApiServer()`.
   */
  stopApiServer(): Promise<void>;
  /** Starts the kube-apiserver again on the same port with the same etcd; resolves when ready. */
  startApiServer(): Promise<void>;
  /** Stops the API server and etcd and removes `dir` (unless `keepDir`). */
  stop(): Promise<void>;
}

/** Options for starting the local control plane. */
export interface StartOptions extends BuildOptions {
  /** Directory to use; a new temporary one by default. */
  dir?: string;
  /** CRD manifests to install and wait for; defaults to every file in `crds/`. */
  crdFiles?: string[];
  /** Keep `dir` after stopping (for inspecting logs). */
  keepDir?: boolean;
}

const DIR_PREFIX = "hourglass-cluster-";
const TEMP_PARENT = "/tmp";

/** Starts etcd and kube-apiserver, writes a kubeconfig and installs the CRDs. */
export async function startLocalCluster(options: StartOptions = {}): Promise<LocalCluster> {
  const log = options.log ?? (() => {});
  const reaped = await reapOrphans(TEMP_PARENT, DIR_PREFIX);
  if (reaped > 0) log(`cleaned up ${reaped} local cluster(s) left by runs that died`);
  const bins = await ensureControlPlaneBinaries(options);
  const dir = options.dir ?? await Deno.makeTempDir({ dir: TEMP_PARENT, prefix: DIR_PREFIX });
  await Deno.mkdir(`${dir}/certs`, { recursive: true });
  const processes: ManagedProcess[] = [];
  /** The pids of `processes`, kept current when the API server is restarted. */
  const pids: number[] = [];
  let stopAll = async () => {
    for (const p of processes.reverse()) await p.stop();
    if (!options.keepDir) await Deno.remove(dir, { recursive: true }).catch(() => {});
  };
  try {
    const token = crypto.randomUUID().replaceAll("-", "");
    await writeAuthFiles(dir, token);
    const etcdPort = freePort();
    processes.push(startEtcd(bins.etcd, dir, etcdPort));
    pids.push(processes[0].pid);
    await writeOwnerRecord(dir, pids);
    await waitFor("etcd", processes[0], () => etcdHealthy(etcdPort), 30_000);
    log(`etcd ready on 127.0.0.1:${etcdPort}`);

    const apiPort = freePort();
    const server = `https://127.0.0.1:${apiPort}`;
    // processes[1]; replaced by startApiServer() after a stopApiServer().
    const startApi = async () => {
      const apiserver = startApiserver(bins.kubeApiserver, dir, apiPort, etcdPort);
      processes[1] = apiserver;
      pids.splice(0, pids.length, ...processes.map((p) => p.pid));
      await writeOwnerRecord(dir, pids);
      await waitFor("kube-apiserver", apiserver, () => apiserverReady(server, dir, token), 90_000);
    };
    await startApi();
    let apiStopped = false;
    log(`kube-apiserver ready at ${server}`);

    const kubeconfigPath = `${dir}/kubeconfig`;
    await writeKubeconfig(kubeconfigPath, server, dir, token);
    await installCrds(bins.kubectl, kubeconfigPath, options.crdFiles ?? await defaultCrdFiles());
    log("CRDs installed and established");
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(kubeconfigPath);
    const stopServiceAccounts = await startServiceAccountController(kc);
    const stopProcesses = stopAll;
    stopAll = async () => {
      await stopServiceAccounts();
      await stopProcesses();
    };
    return {
      kubeconfigPath,
      server,
      dir,
      auditLogPath: `${dir}/audit.log`,
      kubectl: bins.kubectl,
      pids,
      etcdEndpoint: `http://127.0.0.1:${etcdPort}`,
      stopApiServer: async () => {
        await processes[1].stop();
        apiStopped = true;
      },
      startApiServer: async () => {
        if (!apiStopped) throw new Error("The kube-apiserver is running: stop it first");
        apiStopped = false;
        await startApi();
      },
      stop: () => stopAll(),
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

function startEtcd(bin: string, dir: string, port: number): ManagedProcess {
  const peerPort = freePort();
  return startProcess("etcd", bin, [
    "--name=local",
    `--data-dir=${dir}/etcd`,
    `--listen-client-urls=http://127.0.0.1:${port}`,
    `--advertise-client-urls=http://127.0.0.1:${port}`,
    `--listen-peer-urls=http://127.0.0.1:${peerPort}`,
    `--initial-advertise-peer-urls=http://127.0.0.1:${peerPort}`,
    `--initial-cluster=local=http://127.0.0.1:${peerPort}`,
    // A throw-away test store: durability on power loss is not worth an fsync per write.
    "--unsafe-no-fsync",
    "--log-level=warn",
  ], dir);
}

function startApiserver(bin: string, dir: string, port: number, etcdPort: number): ManagedProcess {
  return startProcess("kube-apiserver", bin, [
    `--etcd-servers=http://127.0.0.1:${etcdPort}`,
    "--bind-address=127.0.0.1",
    "--advertise-address=127.0.0.1",
    `--secure-port=${port}`,
    `--cert-dir=${dir}/certs`,
    "--authorization-mode=RBAC",
    `--token-auth-file=${dir}/tokens.csv`,
    "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
    `--service-account-key-file=${dir}/sa.pub`,
    `--service-account-signing-key-file=${dir}/sa.key`,
    "--service-cluster-ip-range=10.96.0.0/16",
    "--allow-privileged=true",
    "--profiling=false",
    `--audit-policy-file=${dir}/audit-policy.yaml`,
    `--audit-log-path=${dir}/audit.log`,
    "--audit-log-mode=blocking",
    "--v=1",
  ], dir);
}

/** The admin bearer token, the service-account signing key pair and the audit policy. */
async function writeAuthFiles(dir: string, token: string): Promise<void> {
  await Deno.writeTextFile(
    `${dir}/tokens.csv`,
    `${token},local-admin,local-admin,system:masters\n`,
  );
  const keys = await crypto.subtle.generateKey(
    {
      name: "RSASSA-PKCS1-v1_5",
      modulusLength: 2048,
      publicExponent: new Uint8Array([1, 0, 1]),
      hash: "SHA-256",
    },
    true,
    ["sign", "verify"],
  );
  const pkcs8 = await crypto.subtle.exportKey("pkcs8", keys.privateKey);
  const spki = await crypto.subtle.exportKey("spki", keys.publicKey);
  await Deno.writeTextFile(`${dir}/sa.key`, pem("PRIVATE KEY", pkcs8), { mode: 0o600 });
  await Deno.writeTextFile(`${dir}/sa.pub`, pem("PUBLIC KEY", spki));
  // Writes only: reads are many and tell nothing about what a controller changed.
  await Deno.writeTextFile(
    `${dir}/audit-policy.yaml`,
    `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived", "ResponseStarted"]
rules:
  - level: Metadata
    verbs: ["create", "update", "patch", "delete", "deletecollection"]
  - level: None
`,
  );
}

function pem(label: string, der: ArrayBuffer): string {
  const b64 = btoa(String.fromCharCode(...new Uint8Array(der)));
  const lines = b64.match(/.{1,64}/g)!.join("\n");
  return `-----BEGIN ${label}-----\n${lines}\n-----END ${label}-----\n`;
}

async function etcdHealthy(port: number): Promise<boolean> {
  const res = await fetch(`http://127.0.0.1:${port}/health`);
  const body = await res.json() as { health?: string };
  return body.health === "true";
}

async function apiserverReady(server: string, dir: string, token: string): Promise<boolean> {
  const ca = await Deno.readTextFile(`${dir}/certs/apiserver.crt`);
  const client = Deno.createHttpClient({ caCerts: [ca] });
  try {
    const res = await fetch(`${server}/readyz`, {
      client,
      headers: { authorization: `Bearer ${token}` },
    });
    await res.body?.cancel();
    return res.ok;
  } finally {
    client.close();
  }
}

/** Polls `check` until it returns true; fails early with the log if the process exits. */
async function waitFor(
  name: string,
  proc: ManagedProcess,
  check: () => Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  let exited = false;
  proc.status.then(() => exited = true);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exited) {
      throw new Error(
        `${name} exited during start-up; last log lines:\n${await tailLog(proc.logPath)}`,
      );
    }
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(
    `${name} not ready after ${timeoutMs / 1000} s; last log lines:\n${await tailLog(
      proc.logPath,
    )}`,
  );
}

async function writeKubeconfig(
  path: string,
  server: string,
  dir: string,
  token: string,
): Promise<void> {
  const ca = btoa(await Deno.readTextFile(`${dir}/certs/apiserver.crt`));
  await Deno.writeTextFile(
    path,
    `apiVersion: v1
kind: Config
clusters:
  - name: local
    cluster:
      server: ${server}
      certificate-authority-data: ${ca}
users:
  - name: local-admin
    user:
      token: ${token}
contexts:
  - name: local
    context:
      cluster: local
      user: local-admin
      namespace: default
current-context: local
`,
    { mode: 0o600 },
  );
}

async function defaultCrdFiles(): Promise<string[]> {
  const crdDir = new URL("../../crds/", import.meta.url).pathname;
  const files: string[] = [];
  for await (const entry of Deno.readDir(crdDir)) {
    if (entry.isFile && entry.name.endsWith(".yaml")) files.push(`${crdDir}${entry.name}`);
  }
  return files.sort();
}

async function installCrds(kubectl: string, kubeconfig: string, files: string[]): Promise<void> {
  if (files.length === 0) return;
  const fileArgs = files.flatMap((f) => ["-f", f]);
  await run(kubectl, ["--kubeconfig", kubeconfig, "apply", "--server-side", ...fileArgs]);
  await run(kubectl, [
    "--kubeconfig",
    kubeconfig,
    "wait",
    "--for=condition=Established",
    "--timeout=60s",
    ...fileArgs,
  ]);
}

async function run(bin: string, args: string[]): Promise<string> {
  const out = await new Deno.Command(bin, { args, stdout: "piped", stderr: "piped" }).output();
  const text = new TextDecoder().decode(out.stdout);
  if (!out.success) {
    const err = new TextDecoder().decode(out.stderr).trim();
    throw new Error(`"${bin.split("/").pop()} ${args.join(" ")}" failed: ${err}`);
  }
  return text;
}
