import assert from "node:assert/strict";
import { ConfigError, loadExecutorConfig } from "./load.ts";
import { PONOS_KEYS } from "./ponos_compat.ts";
import {
  BLS_KEY,
  docWith,
  ECDSA_KEY,
  load,
  problemsOf,
} from "../../tests/fixture/config_loading.ts";

type Doc = Record<string, unknown>;

const PEM_KEY =
  "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIPEMSECRETPEM\n-----END PRIVATE KEY-----";
const PEM_CERT = "-----BEGIN CERTIFICATE-----\nMIIBCERTSECRETPEM\n-----END CERTIFICATE-----";
const REMOTE_SIGNER = {
  url: "https://web3signer.internal:9000",
  caCert: PEM_CERT,
  cert: PEM_CERT,
  key: PEM_KEY,
  fromAddress: "0x6B58f6762689DF33fe8fa3FC40Fb5a3089D3a8cc",
  publicKey: "0x04abcdef",
};

/** A valid config signing with both keys (no chain rule), changed by `patch`. */
function withKey(patch: (doc: Doc & { operator: Doc & { signingKeys: Doc } }) => void): Doc {
  const doc = docWith({ ecdsa: { privateKey: ECDSA_KEY }, bls: { ...BLS_KEY } }) as Doc & {
    operator: Doc & { signingKeys: Doc };
  };
  patch(doc);
  return doc;
}

/** Each documented Ponos key, set the way a Ponos or hgctl config sets it. */
const SAMPLES: Record<string, (doc: Doc & { operator: Doc & { signingKeys: Doc } }) => void> = {
  l2Chain: (d) => d.l2Chain = { rpcUrl: "https://base.example.com", chainId: 8453 },
  contracts: (d) => d.contracts = { contracts: [{ name: "TaskMailbox", abiVersions: ["[]"] }] },
  "authentication.enabled": (d) => d.authentication = { enabled: true },
  debug: (d) => d.debug = true,
  performerNetworkName: (d) => d.performerNetworkName = "net",
  "operator.operatorPrivateKey": (d) => d.operator.operatorPrivateKey = { privateKey: ECDSA_KEY },
  "operator.signingKeys.ecdsa.keystore": (d) =>
    d.operator.signingKeys.ecdsa = { keystore: { keystoreFile: "ecdsa.json", password: "pw" } },
  "operator.signingKeys.ecdsa.remoteSigner": (d) =>
    d.operator.signingKeys.ecdsa = { remoteSigner: true, remoteSignerConfig: REMOTE_SIGNER },
  "operator.signingKeys.ecdsa.remoteSignerConfig": (d) =>
    d.operator.signingKeys.ecdsa = { privateKey: ECDSA_KEY, remoteSignerConfig: REMOTE_SIGNER },
  "operator.signingKeys.bls.keystore": (d) =>
    d.operator.signingKeys.bls = { keystore: "", keystoreFile: "bls.json", password: "pw" },
  "kubernetes.operatorNamespace": (d) => {
    d.kubernetes = { namespace: "avs", operatorNamespace: "hourglass-system" };
  },
  "storage.type": (d) => d.storage = { type: "memory" },
  "storage.badger": (d) => d.storage = { badger: { dir: "/data", inMemory: false } },
  "avsPerformers[].workerCount": (d) => (d.avsPerformers as Doc[])[0].workerCount = 4,
  "avsPerformers[].avsRegistrarAddress": (d) =>
    (d.avsPerformers as Doc[])[0].avsRegistrarAddress =
      "0xf4c5c29b14f0237131f7510a51684c8191f98e06",
};

Deno.test("every documented Ponos key loads with exactly one warning, naming it", () => {
  assert.deepEqual(PONOS_KEYS.map((k) => k.key).sort(), Object.keys(SAMPLES).sort());
  for (const { key } of PONOS_KEYS) {
    const { warnings } = load(withKey(SAMPLES[key]));
    assert.equal(warnings.length, 1, `${key}: ${warnings.join(" | ")}`);
    assert.ok(warnings[0].startsWith(`${key.replace("[]", "[0]")}: `), warnings[0]);
  }
});

Deno.test("every warning of the Ponos and hgctl examples names a documented key", async () => {
  const documented = PONOS_KEYS.map((k) => k.key);
  for (
    const name of [
      "ponos_executor.yaml",
      "ponos_kubernetes_executor.yaml",
      "hgctl_executor_keystores.yaml",
      "hgctl_executor_private_key.yaml",
    ]
  ) {
    const path = new URL(`./testdata/${name}`, import.meta.url).pathname;
    const { warnings } = await loadExecutorConfig(path);
    for (const warning of warnings) {
      const key = warning.split(": ")[0].replace(/\[\d+\]/g, "[]");
      assert.ok(documented.includes(key), `${name}: ${warning}`);
    }
  }
});

Deno.test("remoteSigner: true drops the ECDSA key with a warning; another key must remain", () => {
  const remote = (d: Doc & { operator: Doc & { signingKeys: Doc } }) => {
    d.operator.signingKeys.ecdsa = {
      remoteSigner: true,
      remoteSignerConfig: REMOTE_SIGNER,
      privateKey: "",
    };
    d.operator.operatorPrivateKey = { privateKey: ECDSA_KEY };
  };
  const { config, warnings } = load(withKey(remote));
  assert.equal(config.operator.signingKeys.ecdsa, undefined, "operatorPrivateKey does not fill in");
  assert.ok(config.operator.signingKeys.bls);
  assert.ok(
    warnings.some((w) =>
      w.startsWith("operator.signingKeys.ecdsa.remoteSigner: true") && /not available/.test(w)
    ),
  );
  const noBls = withKey((d) => {
    remote(d);
    delete d.operator.signingKeys.bls;
  });
  assert.deepEqual(problemsOf(noBls), [
    "operator.signingKeys: at least one of ecdsa or bls must be set",
  ]);
});

Deno.test("remoteSigner: false with a remoteSignerConfig: one warning, the local key is used", () => {
  const { config, warnings } = load(withKey((d) => {
    d.operator.signingKeys.ecdsa = {
      remoteSigner: false,
      remoteSignerConfig: REMOTE_SIGNER,
      privateKey: ECDSA_KEY,
    };
  }));
  assert.deepEqual(config.operator.signingKeys.ecdsa, { privateKey: ECDSA_KEY });
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /^operator\.signingKeys\.ecdsa\.remoteSigner: Ponos key ignored/);
});

Deno.test("remoteSignerConfig: bad shapes name their path; certificates and keys are never echoed", () => {
  const doc = withKey((d) => {
    d.operator.signingKeys.ecdsa = {
      remoteSigner: "yes",
      remoteSignerConfig: { ...REMOTE_SIGNER, url: "ftp://x", key: 42, password: PEM_KEY },
      privateKey: ECDSA_KEY,
    };
  });
  assert.deepEqual(problemsOf(doc).sort(), [
    "operator.signingKeys.ecdsa.remoteSigner: must be true or false",
    "operator.signingKeys.ecdsa.remoteSignerConfig.key: Invalid input: expected string, received number",
    "operator.signingKeys.ecdsa.remoteSignerConfig.password: unknown key",
    "operator.signingKeys.ecdsa.remoteSignerConfig.url: must be an http(s) URL",
  ]);
  try {
    load(doc);
    assert.fail("must not load");
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    assert.ok(!err.message.includes("SECRETPEM"));
  }
  const { warnings } = load(withKey(SAMPLES["operator.signingKeys.ecdsa.remoteSigner"]));
  assert.ok(warnings.every((w) => !w.includes("SECRETPEM") && !w.includes("web3signer.internal")));
});

Deno.test("authentication.enabled maps to managementAuth.enabled, unless that is set", () => {
  const off = load(withKey((d) => d.authentication = { enabled: false }));
  assert.equal(off.config.managementAuth.enabled, false);
  const both = load(withKey((d) => {
    d.authentication = { enabled: false };
    d.managementAuth = { enabled: true };
  }));
  assert.equal(both.config.managementAuth.enabled, true);
  assert.match(both.warnings[0], /^authentication\.enabled: Ponos key ignored \(managementAuth/);
  assert.deepEqual(problemsOf(withKey((d) => d.authentication = { enabled: "no", mode: 1 })), [
    "authentication.enabled: Invalid input: expected boolean, received string",
    "authentication.mode: unknown key",
  ]);
  assert.deepEqual(problemsOf(withKey((d) => d.authentication = true)), [
    "authentication: must be an object with key enabled",
  ]);
});

Deno.test("kubernetes.operatorNamespace is accepted in kubernetes mode with one warning", () => {
  const { config, warnings } = load(withKey((d) => {
    d.kubernetes = { namespace: "avs", operatorNamespace: "hourglass-system" };
    (d.avsPerformers as Doc[])[0].deploymentMode = "kubernetes";
  }));
  assert.equal(config.kubernetes?.namespace, "avs");
  assert.deepEqual(warnings, [
    "kubernetes.operatorNamespace: Ponos key ignored (this executor does not need the namespace of the Hourglass operator)",
  ]);
});

Deno.test("contracts accepts any value with one warning", () => {
  for (const contracts of [{ contracts: [] }, "raw", 1, null, [{ name: "X" }]]) {
    const { warnings } = load(withKey((d) => d.contracts = contracts));
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /^contracts: Ponos key ignored/);
  }
});
