/**
 * `deno task dev`: the whole system on this machine. A real local control plane (etcd +
 * kube-apiserver), the node simulator (so performer pods run as local processes), the operator,
 * and an executor in kubernetes mode serving the sample performer; then a signed sample task
 * through the executor's gRPC API, with the result and where everything runs.
 *
 *   deno task dev          keep running until Ctrl-C (then nothing is left behind)
 *   deno task dev --once   exit 0 after the round trip
 * @module
 */

import * as k8s from "@kubernetes/client-node";
import YAML from "yaml";
import { startLocalCluster } from "./cluster/local_cluster.ts";
import { freePort } from "./cluster/processes.ts";
import { startNodeSimulator } from "./node_sim/simulator.ts";
import { EXECUTOR_PERMISSIONS, OPERATOR_PERMISSIONS } from "./permissions.ts";
import { executorClient, signedSubmission } from "./aggregator_client.ts";
import { EcdsaKey, recoverAddress } from "../executor/signing/ecdsa.ts";
import { resultDigest } from "../executor/signing/digests.ts";
import { createLogger } from "../shared/runtime/log.ts";
import { shutdownSignal } from "../shared/runtime/shutdown_signal.ts";

const once = Deno.args.includes("--once");
const ROOT = new URL("../", import.meta.url).pathname;
const NAMESPACE = "hourglass-demo";
const AVS = "0xCE2Ac75bE2E0951F1F7B288c7a6A9BfB6c331DC4";
// Local demo keys: public test values, never use them for anything real.
const OPERATOR_KEY_HEX = "0x" + "11".repeat(32);
const AGGREGATOR_KEY = EcdsaKey.fromHex("0x" + "22".repeat(32));
const operatorKey = EcdsaKey.fromHex(OPERATOR_KEY_HEX);

const say = (line: string) => console.error(`[dev] ${line}`);
const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;

say("starting the local control plane; the first run builds etcd, kube-apiserver and kubectl");
say("from the Go module proxy (about 4–6 minutes on 2 cores; later runs take seconds)");
const cluster = await startLocalCluster({ log: (line) => say(line) });
const children: { name: string; child: Deno.ChildProcess }[] = [];
let sim: Awaited<ReturnType<typeof startNodeSimulator>> | undefined;

async function stopAll(): Promise<void> {
  for (const { child } of children.reverse()) {
    try {
      child.kill("SIGTERM");
    } catch { /* already gone */ }
    await child.status;
  }
  await sim?.stop();
  await cluster.stop();
}

try {
  const kubeConfig = new k8s.KubeConfig();
  kubeConfig.loadFromFile(cluster.kubeconfigPath);
  const simLogPath = `${cluster.dir}/node-sim.log`;
  sim = await startNodeSimulator({
    kubeConfig,
    log: createLogger({
      level: "info",
      write: (line) => Deno.writeTextFileSync(simLogPath, line + "\n", { append: true }),
    }),
  });
  say(`node simulator ready (node ${sim.nodeName}) after ${elapsed()}`);
  await kubeConfig.makeApiClient(k8s.CoreV1Api).createNamespace({
    body: { metadata: { name: NAMESPACE } },
  });

  const operatorPorts = { metrics: freePort(), health: freePort() };
  children.push({
    name: "operator",
    child: spawn("operator", [
      ...OPERATOR_PERMISSIONS,
      `${ROOT}operator/main.ts`,
      "--kubeconfig",
      cluster.kubeconfigPath,
      `--metrics-bind-address=127.0.0.1:${operatorPorts.metrics}`,
      `--health-probe-bind-address=127.0.0.1:${operatorPorts.health}`,
    ]),
  });
  await waitHttp(`http://127.0.0.1:${operatorPorts.health}/readyz`, "the operator", 60_000);
  say(`operator ready after ${elapsed()}`);

  const ports = { grpc: freePort(), management: freePort(), http: freePort() };
  const configPath = `${cluster.dir}/executor.yaml`;
  await Deno.writeTextFile(configPath, YAML.stringify(executorConfig(ports)));
  children.push({
    name: "executor",
    child: spawn("executor", [
      ...EXECUTOR_PERMISSIONS,
      `${ROOT}executor/main.ts`,
      "run",
      "--config",
      configPath,
      "--host",
      "127.0.0.1",
    ]),
  });
  await waitHttp(
    `http://127.0.0.1:${ports.http}/readyz`,
    "the executor (and its performer pod)",
    180_000,
  );
  say(`executor ready, performer pod serving, after ${elapsed()}`);

  const client = executorClient(`127.0.0.1:${ports.grpc}`);
  const task = signedSubmission({
    avsAddress: AVS,
    executorAddress: operatorKey.address,
    payload: new TextEncoder().encode(JSON.stringify({ text: "hello from hourglass" })),
  }, AGGREGATOR_KEY);
  const result = await client.submit(task);
  client.close();
  const signer = recoverAddress(resultDigest(task.taskId, result.output), result.resultSignature);
  console.log(`
Sample task ${task.taskId}
  performer output:  ${new TextDecoder().decode(result.output)}
  result signature:  0x${
    [...result.resultSignature].map((b) => b.toString(16).padStart(2, "0")).join("")
  }
  signed by:         ${signer} (the operator: ${signer === operatorKey.address ? "yes" : "NO"})

Where everything runs
  KUBECONFIG=${cluster.kubeconfigPath}
  kubectl --kubeconfig ${cluster.kubeconfigPath} get performers,pods,services -n ${NAMESPACE}
  executor gRPC (SubmitTask):           127.0.0.1:${ports.grpc}
  executor management gRPC:            127.0.0.1:${ports.management}
  executor /healthz /readyz /metrics:  http://127.0.0.1:${ports.http}
  operator /metrics:                   http://127.0.0.1:${operatorPorts.metrics}/metrics
  operator /healthz /readyz:           http://127.0.0.1:${operatorPorts.health}
  logs:                                ${cluster.dir}/{operator,executor,node-sim,kube-apiserver,etcd}.log
  ready in ${elapsed()}
`);
  if (!once) {
    say("running; press Ctrl-C to stop (everything is removed)");
    await shutdownSignal();
  }
} catch (err) {
  say(`failed: ${(err as Error).message}`);
  await stopAll();
  Deno.exit(1);
}
say("stopping");
await stopAll();
say("stopped; nothing left behind");
Deno.exit(0);

function executorConfig(ports: { grpc: number; management: number; http: number }) {
  return {
    grpcPort: ports.grpc,
    managementServerGrpcPort: ports.management,
    httpPort: ports.http,
    operator: {
      address: operatorKey.address,
      signingKeys: { ecdsa: { privateKey: OPERATOR_KEY_HEX } },
    },
    avsPerformers: [{
      avsAddress: AVS,
      image: { repository: "hourglass/hello-performer", tag: "v1" },
      deploymentMode: "kubernetes",
      envs: [{ name: "HELLO_VERSION", value: "v1" }],
      aggregators: [{ address: AGGREGATOR_KEY.address }],
      signingCurve: "ecdsa",
      // The executor runs outside the cluster: Service DNS names do not resolve here.
      kubernetes: { connectVia: "podIP" },
    }],
    kubernetes: { namespace: NAMESPACE, kubeConfigPath: cluster.kubeconfigPath },
    storage: { path: `${cluster.dir}/executor-data` },
    shutdown: { removePerformers: true, drainTimeout: "10s" },
  };
}

/** Starts a component with its output in `<cluster dir>/<name>.log`. */
function spawn(name: string, args: string[]): Deno.ChildProcess {
  const log = Deno.openSync(`${cluster.dir}/${name}.log`, { create: true, append: true });
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", ...args],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  for (const stream of [child.stdout, child.stderr]) {
    stream.pipeTo(new WritableStream({ write: (chunk) => void log.writeSync(chunk) })).catch(
      () => {},
    );
  }
  return child;
}

async function waitHttp(url: string, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await fetch(url).then(async (r) => {
      await r.body?.cancel();
      return r.ok;
    }).catch(() => false);
    if (ok) return;
    for (const { name, child } of children) {
      const exited = await Promise.race([child.status.then(() => true), Promise.resolve(false)]);
      if (exited) throw new Error(`the ${name} exited; see ${cluster.dir}/${name}.log`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${what} was not ready within ${timeoutMs / 1000} s; logs are in ${cluster.dir}`);
}
