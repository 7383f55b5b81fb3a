import assert from "node:assert/strict";
import { parseExecutorConfig } from "../../shared/config/load.ts";
import { PONOS_KEYS } from "../../shared/config/ponos_compat.ts";
import {
  ENV_OVERRIDE_KEYS,
  executorConfigRows,
  renderExecutorConfigDoc,
} from "./executor_config_doc.ts";
import { GENERATED_DOCS, staleDocs } from "./main.ts";
import { operatorConfigRows, renderOperatorConfigDoc } from "./operator_config_doc.ts";
import { OPERATOR_SETTINGS, OperatorConfig } from "../../shared/config/operator_config.ts";
import { loadOperatorConfig, parseOperatorCommandLine } from "../../shared/config/operator_load.ts";
import { specRows, statusRows } from "./performer_api_doc.ts";

Deno.test("the committed docs are what `deno task docs` generates", async () => {
  const stale = await staleDocs();
  assert.deepEqual(stale, [], `stale: ${stale.join(", ")}; run \`deno task docs\` and commit`);
});

Deno.test("the generated docs are already in `deno fmt`'s form", async () => {
  // `deno task check` runs `deno fmt --check` over the repository, docs/ included.
  for (const { path, render } of GENERATED_DOCS) {
    const generated = render();
    const child = new Deno.Command(Deno.execPath(), {
      args: ["fmt", "--ext", "md", "-"],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(generated));
    await writer.close();
    const out = await child.output();
    assert.ok(out.success, new TextDecoder().decode(out.stderr));
    assert.equal(new TextDecoder().decode(out.stdout), generated, `${path} changes under deno fmt`);
  }
});

Deno.test("every key of the config and of the Performer API has a row with a description", () => {
  const rows = [...executorConfigRows(), ...specRows(), ...statusRows()];
  const paths = rows.map((r) => r.path);
  for (
    const expected of [
      "avsPerformers[].image.tag",
      "avsPerformers[].envs[].kubernetesEnv.valueFrom.secretKeyRef.key",
      "avsPerformers[].kubernetes.connectVia",
      "operator.signingKeys.ecdsa.keystoreFile",
      "kubernetes.readyTimeout",
      "shutdown.drainTimeout",
      "l1Chain.rpcUrl",
      "l1Chain.pollInterval",
      "overrideContracts.allocationManager.address",
      "overrideContracts.keyRegistrar.address",
      "overrideContracts.taskMailbox.contract",
      "overrideContracts.ecdsaCertificateVerifier.version",
      "overrideContracts.bn254CertificateVerifier.address",
      "avsDefaults.deploymentMode",
      "avsDefaults.kubernetes.serviceAccountName",
      "managementAuth.requireRequestBinding",
      "spec.config.grpcPort",
      "spec.config.environmentFrom[].valueFrom.configMapKeyRef.optional",
      "spec.hardwareRequirements.teeType",
      "spec.imagePullSecrets[].name",
      "status.conditions[].reason",
      "status.lastUpgrade",
    ]
  ) assert.ok(paths.includes(expected), `${expected} is documented`);
  const undocumented = rows.filter((r) => r.description.trim() === "").map((r) => r.path);
  assert.deepEqual(undocumented, [], "add .meta({ description }) to these keys");
});

Deno.test("every Ponos key the loader maps or ignores is in the reference", () => {
  const doc = renderExecutorConfigDoc();
  for (const { key } of PONOS_KEYS) assert.ok(doc.includes(`| \`${key}\``), key);
});

Deno.test("durations are documented as durations with the string a user writes", () => {
  const row = executorConfigRows().find((r) => r.path === "kubernetes.connectionTimeout");
  assert.equal(row?.type, "duration");
  assert.equal(row?.presence, "default `30s`");
  assert.deepEqual(row?.rules, ["`1s` to `10m`"], "with its bounds");
  const unbounded = executorConfigRows()
    .filter((r) => r.type === "duration" && !r.rules.some((rule) => / to `/.test(rule)))
    .map((r) => r.path);
  assert.deepEqual(unbounded, [], "every duration key has documented bounds");
});

Deno.test("each EXECUTOR_* override sets the key the docs name", () => {
  // Two valid bases: the ECDSA key inline (docker mode), or in a keystore (kubernetes mode).
  const inline = {
    operator: {
      address: `0x${"a".repeat(40)}`,
      signingKeys: { ecdsa: { privateKey: "1".repeat(64) } },
    },
    avsPerformers: [{ avsAddress: `0x${"b".repeat(40)}`, image: { repository: "r", tag: "t" } }],
    overrideContracts: {
      ecdsaCertificateVerifier: { address: `0x${"d".repeat(40)}`, version: "1.0.0" },
    },
  };
  const keystores = {
    ...inline,
    operator: {
      ...inline.operator,
      signingKeys: {
        ecdsa: { keystoreFile: "ecdsa.json", password: "" },
        bls: { keystore: "{}", password: "" },
      },
    },
    avsPerformers: [{ ...inline.avsPerformers[0], deploymentMode: "kubernetes" }],
    kubernetes: { namespace: "ns" },
  };
  const values: Record<string, [string, unknown]> = {
    EXECUTOR_GRPC_PORT: ["4201", 4201],
    EXECUTOR_MANAGEMENT_SERVER_GRPC_PORT: ["4202", 4202],
    EXECUTOR_HTTP_PORT: ["4203", 4203],
    EXECUTOR_LOG_LEVEL: ["debug", "debug"],
    EXECUTOR_LOG_FORMAT: ["text", "text"],
    EXECUTOR_OPERATOR_ADDRESS: [`0x${"c".repeat(40)}`, `0x${"c".repeat(40)}`],
    EXECUTOR_ECDSA_PRIVATE_KEY: ["2".repeat(64), "2".repeat(64)],
    EXECUTOR_ECDSA_KEYSTORE_PASSWORD: ["secret-1", "secret-1"],
    EXECUTOR_BLS_KEYSTORE_PASSWORD: ["secret-2", "secret-2"],
    EXECUTOR_KUBERNETES_NAMESPACE: ["other-ns", "other-ns"],
    EXECUTOR_KUBECONFIG: ["/k/config", "/k/config"],
    EXECUTOR_DOCKER_HOST: ["unix:///d.sock", "unix:///d.sock"],
    EXECUTOR_STORAGE_PATH: ["/data", "/data"],
  };
  assert.deepEqual(Object.keys(values).sort(), Object.keys(ENV_OVERRIDE_KEYS).sort());
  for (const [name, key] of Object.entries(ENV_OVERRIDE_KEYS)) {
    const [raw, expected] = values[name];
    const found = [inline, keystores].flatMap((base) => {
      try {
        const { config } = parseExecutorConfig(JSON.stringify(base), { env: { [name]: raw } });
        return [valueAt(config, key)];
      } catch {
        return []; // this base cannot take the override (e.g. a key form it lacks)
      }
    });
    assert.ok(found.includes(expected), `${name} sets ${key}`);
  }
});

function valueAt(value: unknown, path: string): unknown {
  return path.split(".").reduce<unknown>(
    (node, key) => (node as Record<string, unknown> | undefined)?.[key],
    value,
  );
}

Deno.test("every operator setting has a row with its flag, variable, key and description", () => {
  const doc = renderOperatorConfigDoc();
  for (const s of OPERATOR_SETTINGS) {
    assert.ok(
      doc.includes(`| \`--${s.flag}\``) && doc.includes(`\`${s.env}\``) &&
        doc.includes(`\`${s.key}\``),
      s.key,
    );
  }
  const undocumented = operatorConfigRows().filter((r) => r.description.trim() === "");
  assert.deepEqual(undocumented.map((r) => r.path), [], "add .meta({ description })");
});

Deno.test("the operator's example file loads, and gives the defaults", async () => {
  const yaml = /```yaml\n([^]*?)```/.exec(renderOperatorConfigDoc())?.[1];
  assert.ok(yaml, "the page has an example file");
  const path = await Deno.makeTempFile({ suffix: ".yaml" });
  try {
    await Deno.writeTextFile(path, yaml);
    const config = await loadOperatorConfig(parseOperatorCommandLine(["--config", path]));
    assert.deepEqual(config, OperatorConfig.parse({}));
  } finally {
    await Deno.remove(path);
  }
});
