import assert from "node:assert/strict";
import YAML from "yaml";
import { deploymentModeOf, managementPort } from "./executor_config.ts";
import { ConfigError, loadExecutorConfig, parseExecutorConfig } from "./load.ts";

const AVS_A = "0xCE2Ac75bE2E0951F1F7B288c7a6A9BfB6c331DC4";
const AVS_B = "0x1111111111111111111111111111111111111111";
const OPERATOR = "0x6B58f6762689DF33fe8fa3FC40Fb5a3089D3a8cc";
const KEY = "0x3dd7c381f27775d9945f0fcf5bb914484c4d01681824603c71dd762259f43214";

/** A minimal valid config; tests change one thing at a time. */
function base(): Record<string, unknown> {
  return {
    operator: { address: OPERATOR, signingKeys: { ecdsa: { privateKey: KEY } } },
    avsPerformers: [{ avsAddress: AVS_A, image: { repository: "hello-performer", tag: "v1" } }],
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
  const { config, warnings } = await loadExecutorConfig(
    new URL("./testdata/ponos_executor.yaml", import.meta.url).pathname,
  );
  assert.equal(config.operator.address, OPERATOR);
  assert.equal(deploymentModeOf(config), "docker");
  assert.equal(config.avsPerformers[0].image.repository, "hello-performer");
  assert.equal(config.avsPerformers[0].envs[0].value, "info");
  assert.equal(managementPort(config), 9091);
  // Mapped Ponos keys land on ours.
  assert.equal(config.docker.network, "hourglass-performers");
  assert.deepEqual(config.operator.signingKeys.ecdsa, { privateKey: KEY });
  assert.equal(config.storage.path, "/var/lib/executor/badger");
  for (const key of ["l1Chain", "debug", "operator.operatorPrivateKey", "storage.badger"]) {
    assert.ok(warnings.some((w) => w.startsWith(`${key}:`)), `warning for ${key}`);
  }
  assert.ok(warnings.some((w) => w.startsWith("avsPerformers[0].workerCount:")));
  assert.equal(config.avsPerformers[0].signingCurve, "bn254", "signingCurve is kept, not ignored");
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
