import assert from "node:assert/strict";
import YAML from "yaml";
import {
  avsPerformerFromDefaults,
  deploymentModeOf,
  managementAuthDisabledWarning,
  managementPort,
} from "./executor_config.ts";
import { ConfigError, loadExecutorConfig, parseExecutorConfig } from "./load.ts";

const AVS_A = "0xCE2Ac75bE2E0951F1F7B288c7a6A9BfB6c331DC4";
const AVS_B = "0x1111111111111111111111111111111111111111";
const OPERATOR = "0x6B58f6762689DF33fe8fa3FC40Fb5a3089D3a8cc";
const KEY = "0x3dd7c381f27775d9945f0fcf5bb914484c4d01681824603c71dd762259f43214";
const VERIFIER = "0x2222222222222222222222222222222222222222";
const testdata = (name: string) => new URL(`./testdata/${name}`, import.meta.url).pathname;

/** A minimal valid config (ECDSA results on a local chain); tests change one thing at a time. */
function base(): Record<string, unknown> {
  return {
    operator: { address: OPERATOR, signingKeys: { ecdsa: { privateKey: KEY } } },
    avsPerformers: [{ avsAddress: AVS_A, image: { repository: "hello-performer", tag: "v1" } }],
    overrideContracts: { ecdsaCertificateVerifier: { address: VERIFIER, version: "1.0.0" } },
  };
}

/** The problems reported for a config, or [] when it loads. */
function problems(doc: unknown, env: Record<string, string> = {}): string[] {
  try {
    parseExecutorConfig(YAML.stringify(doc), { env });
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
}

Deno.test("a typical Ponos executor config loads, with a warning per Ponos-only key", async () => {
  const { config, warnings } = await loadExecutorConfig(testdata("ponos_executor.yaml"));
  assert.equal(config.operator.address, OPERATOR);
  assert.equal(deploymentModeOf(config), "docker");
  assert.equal(config.avsPerformers[0].image.repository, "hello-performer");
  assert.equal(config.avsPerformers[0].envs[0].value, "info");
  assert.equal(managementPort(config), 9091);
  // Mapped Ponos keys land on ours.
  assert.equal(config.docker.network, "hourglass-performers");
  assert.deepEqual(config.operator.signingKeys.ecdsa, { privateKey: KEY });
  assert.equal(config.storage.path, "/var/lib/executor/badger");
  for (const key of ["debug", "operator.operatorPrivateKey", "storage.badger"]) {
    assert.ok(warnings.some((w) => w.startsWith(`${key}:`)), `warning for ${key}`);
  }
  assert.ok(warnings.some((w) => w.startsWith("avsPerformers[0].workerCount:")));
  assert.equal(config.avsPerformers[0].signingCurve, "bn254", "signingCurve is kept, not ignored");
  // l1Chain is a setting now: kept, no warning.
  assert.deepEqual(config.l1Chain, {
    chainId: 31337,
    rpcUrl: "http://localhost:8545",
    pollInterval: 2000,
  });
  assert.ok(!warnings.some((w) => w.startsWith("l1Chain")));
});

Deno.test("a Ponos kubernetes-mode config (Helm chart secret) loads unchanged", async () => {
  const { config, warnings } = await loadExecutorConfig(testdata("ponos_kubernetes_executor.yaml"));
  assert.equal(deploymentModeOf(config), "kubernetes");
  assert.equal(config.kubernetes?.namespace, "avs-performers");
  assert.equal(config.kubernetes?.connectionTimeout, 30_000);
  assert.equal(config.kubernetes?.inCluster, true);
  assert.equal(managementPort(config), 9001);
  assert.deepEqual(config.avsPerformers.map((p) => p.kubernetes?.serviceAccountName), [
    "hello-performer",
    undefined,
  ]);
  assert.equal(config.avsPerformers[1].kubernetes?.endpointOverride, "localhost:30080");
  assert.equal(
    config.avsPerformers[0].envs[1].kubernetesEnv?.valueFrom.secretKeyRef?.key,
    "api-key",
  );
  assert.deepEqual(config.l1Chain, {
    chainId: 11155111,
    rpcUrl: "https://eth-sepolia.g.alchemy.com/v2/ponos-test-api-key",
    pollInterval: 2000,
  });
  assert.deepEqual(config.overrideContracts?.taskMailbox, {
    address: "0xb99cc53e8db7018f557606c2a5b066527bf96b26",
    chainIds: [11155111],
  });
  assert.equal(config.managementAuth.enabled, true);
  assert.ok(config.operator.signingKeys.bls && config.operator.signingKeys.ecdsa);
  assert.equal(config.avsDefaults.deploymentMode, "kubernetes");
  assert.equal(config.storage.path, "/var/lib/ponos/executor/badger");
  const expected = [
    "contracts",
    "authentication.enabled",
    "debug",
    "operator.operatorPrivateKey",
    "operator.signingKeys.ecdsa.remoteSigner",
    "kubernetes.operatorNamespace",
    "storage.type",
    "storage.badger",
    "avsPerformers[0].avsRegistrarAddress",
  ];
  assert.deepEqual(warnings.map((w) => w.split(":")[0]).sort(), expected.sort());
  assert.ok(warnings.every((w) => !w.includes("ponos-test-api-key")));
});

Deno.test("hgctl-generated configs load: no performers, auth off, ECDSA keystore mapped", async () => {
  const keystores = await loadExecutorConfig(testdata("hgctl_executor_keystores.yaml"));
  const { config, warnings } = keystores;
  assert.deepEqual(config.avsPerformers, []);
  assert.equal(config.managementAuth.enabled, false);
  assert.equal(config.logLevel, "debug");
  assert.equal(config.docker.network, "hourglass-local_hourglass-network");
  assert.equal(deploymentModeOf(config), "docker");
  assert.deepEqual(config.operator.signingKeys.ecdsa, {
    keystoreFile: "/home/op/.hgctl/sepolia/keystores/executor-ecdsa/key.json",
    password: "testpassword",
  });
  assert.equal(config.operator.signingKeys.bls?.keystoreFile?.endsWith("system/key.json"), true);
  assert.equal(config.l1Chain?.chainId, 11155111);
  for (
    const key of [
      "authentication.enabled",
      "debug",
      "performerNetworkName",
      "operator.operatorPrivateKey",
      "operator.signingKeys.ecdsa.keystore",
      "storage.type",
    ]
  ) assert.equal(warnings.filter((w) => w.startsWith(`${key}:`)).length, 1, key);
  assert.ok(warnings.every((w) => !w.includes("testpassword") && !w.includes("api-key")));
  assert.match(managementAuthDisabledWarning(config) ?? "", /^managementAuth\.enabled is false/);

  // ECDSA only: results signed with ECDSA, the verifier comes from the known mainnet deployment.
  const ecdsa = await loadExecutorConfig(testdata("hgctl_executor_private_key.yaml"));
  assert.equal(ecdsa.config.grpcPort, 9190);
  assert.equal(managementPort(ecdsa.config), 9191);
  assert.equal(ecdsa.config.operator.signingKeys.bls, undefined);
  assert.equal(ecdsa.config.avsDefaults.signingCurve, undefined);
});

Deno.test("defaults: docker mode, one server port, embedded store, durations in ms", () => {
  const { config } = parseExecutorConfig(YAML.stringify(base()));
  assert.equal(config.grpcPort, 9090);
  assert.equal(managementPort(config), 9090);
  assert.equal(config.avsPerformers[0].deploymentMode, "docker");
  assert.equal(config.avsPerformers[0].processType, "server");
  assert.equal(config.avsPerformers[0].taskTimeout, 300_000);
  assert.equal(config.storage.path, "./executor-data");
  assert.equal(config.storage.retention, 168 * 3_600_000);
  assert.equal(config.shutdown.drainTimeout, 30_000);
  assert.equal(config.managementAuth.enabled, true);
  assert.equal(config.grpcServer.maxConnectionsPerAddress, 100);
});

Deno.test("grpcServer.maxConnectionsPerAddress: set, and refused out of range by its path", () => {
  const doc = { ...base(), grpcServer: { maxConnectionsPerAddress: 500 } };
  assert.equal(
    parseExecutorConfig(YAML.stringify(doc)).config.grpcServer.maxConnectionsPerAddress,
    500,
  );
  const [zero] = problems({ ...base(), grpcServer: { maxConnectionsPerAddress: 0 } });
  assert.match(zero, /^grpcServer\.maxConnectionsPerAddress: /);
  assert.match(zero, />=\s*1|at least 1|too small/i);
});

Deno.test("a missing field is named by its path", () => {
  const doc = base();
  (doc.avsPerformers as unknown[]).push({ avsAddress: AVS_B, image: { repository: "x" } });
  assert.deepEqual(problems(doc), ["avsPerformers[1].image.tag: required"]);
});

Deno.test("a missing image or operator section is an error, not a crash", () => {
  const doc = base();
  delete (doc.avsPerformers as Record<string, unknown>[])[0].image;
  delete doc.operator;
  assert.deepEqual(problems(doc).sort(), [
    "avsPerformers[0].image: required",
    "operator: required",
  ]);
});

Deno.test("unknown keys are rejected at every level, each named", () => {
  const doc = base();
  doc.grpcPortt = 1;
  (doc.avsPerformers as Record<string, unknown>[])[0].imagePullPolicy = "Always";
  (doc.operator as Record<string, unknown>).adress = OPERATOR;
  assert.deepEqual(problems(doc).sort(), [
    "avsPerformers[0].imagePullPolicy: unknown key",
    "grpcPortt: unknown key",
    "operator.adress: unknown key",
  ]);
});

Deno.test("a mixed docker/kubernetes config is rejected with a clear message", () => {
  const doc = base();
  doc.kubernetes = { namespace: "avs" };
  (doc.avsPerformers as unknown[]).push({
    avsAddress: AVS_B,
    image: { repository: "x", tag: "1" },
    deploymentMode: "kubernetes",
  });
  const found = problems(doc);
  assert.equal(found.length, 1);
  assert.match(found[0], /^avsPerformers: all performers must use one deploymentMode/);
});

Deno.test("kubernetes mode requires the kubernetes section", () => {
  const doc = base();
  (doc.avsPerformers as Record<string, unknown>[])[0].deploymentMode = "kubernetes";
  assert.deepEqual(problems(doc), [
    "kubernetes: required when a performer uses deploymentMode kubernetes",
  ]);
  doc.kubernetes = { namespace: "avs-a", connectionTimeout: "10s" };
  const { config } = parseExecutorConfig(YAML.stringify(doc));
  assert.equal(deploymentModeOf(config), "kubernetes");
  assert.equal(config.kubernetes?.connectionTimeout, 10_000);
  assert.equal(config.kubernetes?.crdGroup, "hourglass.eigenlayer.io");
});

Deno.test("duplicate AVS addresses are rejected, whatever their case", () => {
  const doc = base();
  (doc.avsPerformers as unknown[]).push({
    avsAddress: AVS_A.toLowerCase(),
    image: { repository: "x", tag: "1" },
  });
  assert.deepEqual(problems(doc), [
    `avsPerformers[1].avsAddress: duplicate AVS ${AVS_A.toLowerCase()} (also avsPerformers[0])`,
  ]);
});

Deno.test("durations must be strings with units; bare numbers are rejected", () => {
  const doc = base();
  doc.shutdown = { drainTimeout: 30 };
  (doc.avsPerformers as Record<string, unknown>[])[0].taskTimeout = "10 minutes";
  assert.deepEqual(problems(doc).sort(), [
    'avsPerformers[0].taskTimeout: must be a duration such as "30s", "1m30s" or "250ms"',
    'shutdown.drainTimeout: must be a duration string such as "30s" (got number)',
  ]);
  doc.shutdown = { drainTimeout: "1m30s" };
  (doc.avsPerformers as Record<string, unknown>[])[0].taskTimeout = "45s";
  const { config } = parseExecutorConfig(YAML.stringify(doc));
  assert.equal(config.shutdown.drainTimeout, 90_000);
  assert.equal(config.avsPerformers[0].taskTimeout, 45_000);
});

Deno.test("addresses, ports and keys are checked; secret values never appear in messages", () => {
  const doc = base();
  const secret = "0xdeadbeef-not-a-key-but-secret";
  doc.operator = { address: "0x12", signingKeys: { ecdsa: { privateKey: secret } } };
  doc.grpcPort = 70000;
  const found = problems(doc);
  assert.ok(found.includes("operator.address: must be a 0x-prefixed address of 40 hex digits"));
  assert.ok(found.some((p) => p.startsWith("grpcPort:")));
  assert.ok(found.some((p) => p.startsWith("operator.signingKeys.ecdsa")));
  assert.ok(found.every((p) => !p.includes("deadbeef")), "the key must not be echoed");
});

Deno.test("signing keys: at least one; ecdsa inline or keystore; bls keystore file or inline", () => {
  const doc = base();
  doc.operator = { address: OPERATOR, signingKeys: {} };
  assert.deepEqual(problems(doc), [
    "operator.signingKeys: at least one of ecdsa or bls must be set",
  ]);
  doc.operator = {
    address: OPERATOR,
    signingKeys: {
      ecdsa: { keystoreFile: "/keys/ecdsa.json", password: "pw" },
      bls: { keystoreFile: "/keys/bls.json", keystore: "{}", password: "pw" },
    },
  };
  assert.deepEqual(problems(doc), [
    "operator.signingKeys.bls: exactly one of keystoreFile or keystore must be set",
  ]);
});

Deno.test("envs: exactly one source; kubernetes references only in kubernetes mode", () => {
  const doc = base();
  (doc.avsPerformers as Record<string, unknown>[])[0].envs = [
    { name: "A", value: "1", valueFromEnv: "HOME" },
    { name: "B", kubernetesEnv: { valueFrom: { secretKeyRef: { name: "s", key: "k" } } } },
    { name: "C", valueFromEnv: "HOME" },
  ];
  assert.deepEqual(problems(doc), [
    "avsPerformers[0].envs[0]: exactly one of value, valueFromEnv or kubernetesEnv must be set",
    "avsPerformers[0].envs[1].kubernetesEnv: only available in deploymentMode kubernetes",
  ]);
});

Deno.test("EXECUTOR_* environment variables override the file; unknown ones are errors", () => {
  const { config } = parseExecutorConfig(YAML.stringify(base()), {
    env: { EXECUTOR_GRPC_PORT: "7000", EXECUTOR_LOG_LEVEL: "debug", PATH: "/bin" },
  });
  assert.equal(config.grpcPort, 7000);
  assert.equal(config.logLevel, "debug");
  assert.deepEqual(
    problems(base(), { EXECUTOR_GRPC_PORT: "x", EXECUTOR_NOPE: "1" }).map((p) => p.split(":")[0]),
    ["EXECUTOR_GRPC_PORT", "EXECUTOR_NOPE"],
  );
});

Deno.test("YAML syntax errors and unreadable files name the file", async () => {
  assert.throws(
    () => parseExecutorConfig("grpcPort: [1,\n", { source: "bad.yaml" }),
    (err: unknown) => err instanceof ConfigError && /bad\.yaml/.test(err.message),
  );
  await assert.rejects(
    loadExecutorConfig("/nonexistent/executor.yaml"),
    (err: unknown) =>
      err instanceof ConfigError && /\/nonexistent\/executor\.yaml/.test(err.message),
  );
});

Deno.test("avsPerformers may be empty, null (hgctl) or absent", () => {
  for (const value of [[], null, undefined]) {
    const doc = base();
    if (value === undefined) delete doc.avsPerformers;
    else doc.avsPerformers = value;
    const { config } = parseExecutorConfig(YAML.stringify(doc));
    assert.deepEqual(config.avsPerformers, []);
    assert.equal(deploymentModeOf(config), "docker");
  }
});

Deno.test("avsDefaults: documented defaults, deploymentMode from the performers or the kubernetes section", () => {
  const { config } = parseExecutorConfig(YAML.stringify(base()));
  assert.deepEqual(config.avsDefaults, {
    processType: "server",
    deploymentMode: "docker",
    envs: [],
    aggregators: [],
    maxConcurrentTasks: 64,
    taskTimeout: 300_000,
  });
  const kube = { ...base(), avsPerformers: [], kubernetes: { namespace: "avs" } };
  assert.equal(
    parseExecutorConfig(YAML.stringify(kube)).config.avsDefaults.deploymentMode,
    "kubernetes",
  );
  assert.equal(deploymentModeOf(parseExecutorConfig(YAML.stringify(kube)).config), "kubernetes");
  // Docker performers keep the defaults in docker mode even with a kubernetes section.
  const docker = { ...base(), kubernetes: { namespace: "avs" } };
  assert.equal(
    parseExecutorConfig(YAML.stringify(docker)).config.avsDefaults.deploymentMode,
    "docker",
  );
});

Deno.test("avsDefaults: set keys, applied by avsPerformerFromDefaults", () => {
  const doc = {
    ...base(),
    avsPerformers: [],
    kubernetes: { namespace: "avs" },
    avsDefaults: {
      envs: [{
        name: "A",
        kubernetesEnv: { valueFrom: { secretKeyRef: { name: "s", key: "k" } } },
      }],
      kubernetes: { serviceAccountName: "performer" },
      aggregators: [{ address: AVS_B }],
      signingCurve: "ecdsa",
      maxConcurrentTasks: 8,
      taskTimeout: "30s",
    },
  };
  const { config } = parseExecutorConfig(YAML.stringify(doc));
  const image = { repository: "r", tag: "t" };
  const p = avsPerformerFromDefaults(config, { avsAddress: AVS_A, image });
  assert.equal(p.avsAddress, AVS_A);
  assert.deepEqual(p.image, image);
  assert.equal(p.deploymentMode, "kubernetes");
  assert.equal(p.kubernetes?.serviceAccountName, "performer");
  assert.equal(p.kubernetes?.connectVia, "service");
  assert.equal(p.taskTimeout, 30_000);
  assert.equal(p.maxConcurrentTasks, 8);
  assert.deepEqual(p.aggregators, [{ address: AVS_B }]);
  p.envs.push({ name: "B", value: "1" });
  assert.equal(config.avsDefaults.envs.length, 1, "the defaults are copied, not shared");
});

Deno.test("avsDefaults: one mode with the performers; kubernetes keys need kubernetes mode", () => {
  const mismatch = { ...base(), avsDefaults: { deploymentMode: "kubernetes" } };
  assert.deepEqual(problems(mismatch), [
    "avsDefaults.deploymentMode: must match the performers' deploymentMode (docker); one executor runs one mode",
  ]);
  const noSection = { ...base(), avsPerformers: [], avsDefaults: { deploymentMode: "kubernetes" } };
  assert.deepEqual(problems(noSection), [
    "kubernetes: required when avsDefaults.deploymentMode is kubernetes",
  ]);
  const dockerKeys = {
    ...base(),
    avsDefaults: {
      kubernetes: { serviceAccountName: "x" },
      envs: [{
        name: "A",
        kubernetesEnv: { valueFrom: { configMapKeyRef: { name: "c", key: "k" } } },
      }],
    },
  };
  assert.deepEqual(problems(dockerKeys).sort(), [
    "avsDefaults.envs[0].kubernetesEnv: only available in deploymentMode kubernetes",
    "avsDefaults.kubernetes: only available in deploymentMode kubernetes",
  ]);
  const unknown = {
    ...base(),
    avsDefaults: { avsAddress: AVS_A, image: { repository: "r", tag: "t" } },
  };
  assert.deepEqual(problems(unknown).sort(), [
    "avsDefaults.avsAddress: unknown key",
    "avsDefaults.image: unknown key",
  ]);
});

Deno.test("managementAuth: requireRequestBinding defaults to false; a warning while auth is off", () => {
  const on = parseExecutorConfig(YAML.stringify(base())).config;
  assert.equal(on.managementAuth.requireRequestBinding, false);
  assert.equal(managementAuthDisabledWarning(on), undefined);
  const doc: Record<string, unknown> = { ...base(), managementServerGrpcPort: 9191 };
  doc.managementAuth = { enabled: false, requireRequestBinding: true };
  const off = parseExecutorConfig(YAML.stringify(doc)).config;
  assert.equal(off.managementAuth.requireRequestBinding, true);
  assert.match(managementAuthDisabledWarning(off) ?? "", /managementAuth\.enabled is false.*9191/);
  doc.managementAuth = { requireRequestBinding: "yes" };
  assert.deepEqual(problems(doc), [
    "managementAuth.requireRequestBinding: Invalid input: expected boolean, received string",
  ]);
});
