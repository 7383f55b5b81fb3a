/**
 * `deno task dev`: the whole system on this machine. A real local control plane (etcd +
 * kube-apiserver), the node simulator (so performer pods run as local processes), a local
 * EigenLayer chain (anvil with the genuine EigenLayer core, TaskMailbox and certificate
 * verifiers) with the Hourglass scenario on it (an AVS with its registrar, an ECDSA aggregator
 * set, an ECDSA and a BN254 executor set, an aggregator and an executor operator with keys in
 * KeyRegistrar), the operator, and an executor in kubernetes mode and chain mode serving the
 * sample performer for that AVS with the executor operator's registered keys; then a sample task
 * signed by the registered aggregator for each executor set, with the results checked against
 * the digests the deployed certificate verifiers compute (`eth_call`), and where everything runs.
 *
 *   deno task dev          keep running until Ctrl-C (then nothing is left behind)
 *   deno task dev --once   exit 0 after the round trip
 * @module
 */

import * as k8s from "@kubernetes/client-node";
import YAML from "yaml";
import { startLocalCluster } from "./cluster/local_cluster.ts";
import { freePort } from "./process.ts";
import { startNodeSimulator } from "./node_sim/simulator.ts";
import { EXECUTOR_PERMISSIONS, OPERATOR_PERMISSIONS } from "./permissions.ts";
import { EXECUTOR_V8_FLAGS_ARG, OPERATOR_V8_FLAGS_ARG } from "./v8_flags.ts";
import { executorClient, signedSubmission } from "./aggregator_client.ts";
import { type Abi, bytesToHex, createPublicClient, type Hex, hexToBytes, http } from "viem";
import { createChainClient, startLocalChain } from "./chain/local_chain.ts";
import { type ChainScenario, deployHourglassScenario } from "./chain/scenario.ts";
import { Bn254Key, verifyBn254 } from "../executor/signing/bn254.ts";
import { EcdsaKey, recoverAddress } from "../executor/signing/ecdsa.ts";
import { encryptEip2335Keystore } from "../executor/signing/eip2335_keystore.ts";
import type { TaskResultMessage } from "../executor/task/pipeline.ts";
import type { TaskSubmissionMessage } from "../executor/task/validate.ts";
import { createLogger } from "../shared/runtime/log.ts";
import { shutdownSignal } from "../shared/runtime/shutdown_signal.ts";

const once = Deno.args.includes("--once");
const ROOT = new URL("../", import.meta.url).pathname;
const NAMESPACE = "hourglass-demo";
/** The scenario's executor operator sets: one signs results with ECDSA, one with BN254. */
const SAMPLE_SETS = { ecdsa: 1, bn254: 2 } as const;

const say = (line: string) => console.error(`[dev] ${line}`);
const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;

say("starting the local control plane; the first run builds etcd, kube-apiserver and kubectl");
say("from the Go module proxy (about 4–6 minutes on 2 cores; later runs take seconds)");
const cluster = await startLocalCluster({ log: (line) => say(line) });
say("starting the local EigenLayer chain (anvil; the first run installs it from npm)");
const chain = await startLocalChain({ log: (line) => say(line) }).catch(async (err) => {
  await cluster.stop();
  throw err;
});
// The scenario's keys are public test values derived from labels: never use them for real.
const scenario: ChainScenario = await deployHourglassScenario({
  ...chain,
  client: createChainClient(chain.rpcUrl),
}).catch(async (err) => {
  await chain.stop();
  await cluster.stop();
  throw err;
});
const operatorKey = EcdsaKey.fromHex(scenario.executor.keys[SAMPLE_SETS.ecdsa].privateKey);
const operatorBls = Bn254Key.fromBytes(
  hexToBytes(scenario.executor.keys[SAMPLE_SETS.bn254].privateKey),
);
const aggregatorKey = EcdsaKey.fromHex(scenario.aggregator.keys[0].privateKey);
say(`Hourglass scenario deployed: AVS ${scenario.avs.address} (block ${scenario.readyAt})`);
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
  await chain.stop();
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
      OPERATOR_V8_FLAGS_ARG,
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
  await Deno.writeTextFile(configPath, YAML.stringify(await executorConfig(ports)));
  children.push({
    name: "executor",
    child: spawn("executor", [
      ...EXECUTOR_PERMISSIONS,
      EXECUTOR_V8_FLAGS_ARG,
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
  const samples: string[] = [];
  // Tasks belong to a block: the aggregator's key and the operator's are read at it.
  const taskBlock = (await createChainClient(chain.rpcUrl).getBlock({ blockTag: "latest" }))
    .number;
  for (const curve of ["ecdsa", "bn254"] as const) {
    const task = signedSubmission({
      avsAddress: scenario.avs.address,
      executorAddress: scenario.executor.account.address,
      aggregatorAddress: scenario.aggregator.account.address,
      operatorSetId: SAMPLE_SETS[curve],
      taskBlockNumber: String(taskBlock),
      payload: new TextEncoder().encode(
        JSON.stringify({ text: `hello from hourglass (${curve})` }),
      ),
    }, aggregatorKey);
    const result = await client.submit(task);
    samples.push(await describeResult(curve, task, result));
  }
  client.close();
  const signsFor = await executorStartLine();
  console.log(`
Local EigenLayer chain
  chain id:                          ${chain.chainId} (RPC ${chain.rpcUrl})
  ECDSA certificate verifier:        ${chain.contracts.ecdsaCertificateVerifier} (version ${chain.versions.ecdsaCertificateVerifier})
  BN254 certificate verifier:        ${chain.contracts.bn254CertificateVerifier} (version ${chain.versions.bn254CertificateVerifier})
  TaskMailbox:                       ${chain.contracts.taskMailbox}
  AllocationManager:                 ${chain.contracts.allocationManager}
  KeyRegistrar:                      ${chain.contracts.keyRegistrar}
  the executor signs ECDSA results for verifier ${signsFor.address}, version ${signsFor.version}

Hourglass scenario (through EigenLayer's real functions; the keys are public test values)
  AVS:                               ${scenario.avs.address} (registrar ${scenario.registrar})
  operator sets:                     0 ECDSA (aggregators), 1 ECDSA, 2 BN254 (executors)
  aggregator:                        ${scenario.aggregator.account.address} (ECDSA key ${aggregatorKey.address} in set 0)
  executor operator:                 ${scenario.executor.account.address} (ECDSA key ${operatorKey.address} in set 1, BN254 key in set 2)
  the executor checks tasks against the chain (trust: ${signsFor.trust}) at their block, from block ${signsFor.startBlock} on
${samples.join("")}
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

async function executorConfig(ports: { grpc: number; management: number; http: number }) {
  // A fast KDF: the keystore only lives in the demo's own directory.
  const blsKeystore = await encryptEip2335Keystore(
    hexToBytes(scenario.executor.keys[SAMPLE_SETS.bn254].privateKey),
    "dev",
    { scrypt: { n: 1024, r: 8, p: 1 }, curveType: "bn254" },
  );
  return {
    grpcPort: ports.grpc,
    managementServerGrpcPort: ports.management,
    httpPort: ports.http,
    // The executor operator and the keys it registered in KeyRegistrar for sets 1 and 2.
    operator: {
      address: scenario.executor.account.address,
      signingKeys: {
        ecdsa: { privateKey: scenario.executor.keys[SAMPLE_SETS.ecdsa].privateKey },
        bls: { keystore: JSON.stringify(blsKeystore), password: "dev" },
      },
    },
    // No aggregators and no signingCurve: in chain mode both come from EigenLayer.
    avsPerformers: [{
      avsAddress: scenario.avs.address,
      image: { repository: "hourglass/hello-performer", tag: "v1" },
      deploymentMode: "kubernetes",
      envs: [{ name: "HELLO_VERSION", value: "v1" }],
      // The executor runs outside the cluster: Service DNS names do not resolve here.
      kubernetes: { connectVia: "podIP" },
    }],
    // Chain mode: tasks are checked against EigenLayer at their block through rpcUrl (and the
    // ECDSA verifier's version() is read from it at start-up).
    l1Chain: { chainId: chain.chainId, rpcUrl: chain.rpcUrl },
    overrideContracts: {
      allocationManager: { address: chain.contracts.allocationManager },
      keyRegistrar: { address: chain.contracts.keyRegistrar },
      taskMailbox: { address: chain.contracts.taskMailbox },
      ecdsaCertificateVerifier: { address: chain.contracts.ecdsaCertificateVerifier },
      bn254CertificateVerifier: { address: chain.contracts.bn254CertificateVerifier },
    },
    kubernetes: { namespace: NAMESPACE, kubeConfigPath: cluster.kubeconfigPath },
    storage: { path: `${cluster.dir}/executor-data` },
    shutdown: { removePerformers: true, drainTimeout: "10s" },
  };
}

/** What the executor said in its start-up log: the ECDSA verifier it signs for, its trust mode. */
async function executorStartLine(): Promise<
  { address: string; version: string; trust: string; startBlock: string }
> {
  const lines = (await Deno.readTextFile(`${cluster.dir}/executor.log`)).split("\n");
  for (const line of lines) {
    if (!line.includes('"executor started"')) continue;
    const fields = JSON.parse(line);
    return {
      address: fields.ecdsaCertificateVerifier,
      version: fields.certificateVerifierVersion,
      trust: fields.trust,
      startBlock: fields.startBlock,
    };
  }
  throw new Error(`the executor's start-up line is missing from ${cluster.dir}/executor.log`);
}

/**
 * One sample's lines: the output, the signature, and whether it verifies over the certificate
 * digest that the deployed contracts compute (TaskMailbox.getMessageHash, then the verifier's
 * calculateCertificateDigest, both through eth_call).
 */
async function describeResult(
  curve: "ecdsa" | "bn254",
  task: TaskSubmissionMessage,
  result: TaskResultMessage,
): Promise<string> {
  const rpc = createPublicClient({ transport: http(chain.rpcUrl) });
  const call = (name: keyof typeof chain.contracts, fn: string, args: unknown[]) =>
    rpc.readContract({
      address: chain.contracts[name],
      abi: chain.abis[name] as Abi,
      functionName: fn,
      args,
    }) as Promise<Hex>;
  const messageHash = await call("taskMailbox", "getMessageHash", [
    task.taskId,
    bytesToHex(result.output),
  ]);
  const verifierName = curve === "ecdsa" ? "ecdsaCertificateVerifier" : "bn254CertificateVerifier";
  const digest = hexToBytes(
    await call(verifierName, "calculateCertificateDigest", [task.referenceTimestamp, messageHash]),
  );
  const verified = curve === "ecdsa"
    ? recoverAddress(digest, result.resultSignature) === operatorKey.address
    : verifyBn254(digest, result.resultSignature, operatorBls.publicKey);
  const signer = curve === "ecdsa"
    ? `${operatorKey.address} (ECDSA key of the operator in set ${task.operatorSetId})`
    : `BLS key ${
      bytesToHex(operatorBls.publicKeyG1).slice(0, 18)
    }… (BN254, set ${task.operatorSetId})`;
  return `
Sample task ${task.taskId} (AVS ${task.avsAddress}, ${curve.toUpperCase()} operator set)
  performer output:  ${new TextDecoder().decode(result.output)}
  result signature:  ${bytesToHex(result.resultSignature)}
  signed by:         ${signer}
  verifies over the ${verifierName} digest (eth_call): ${verified ? "yes" : "NO"}
`;
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
