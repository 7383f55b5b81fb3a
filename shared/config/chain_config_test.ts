import assert from "node:assert/strict";
import { isRpcUrl, redactUrl } from "./chain_config.ts";
import { BLS_KEY, docWith, load, problemsOf } from "../../tests/fixture/config_loading.ts";

const MAILBOX = "0x132b466d9d5723531F68797519DfED701aC2C749";
const VERIFIER = "0x2222222222222222222222222222222222222222";

/** A BLS-only config (no ECDSA rule) with `extra` merged in. */
function doc(extra: Record<string, unknown>): Record<string, unknown> {
  return { ...docWith({ bls: BLS_KEY }), ...extra };
}

Deno.test("l1Chain: chainId and rpcUrl are kept; rpcUrl may be http(s) or ws(s), or absent", () => {
  for (const rpcUrl of ["http://localhost:8545", "https://rpc.example.com/v2/k", "wss://x.io"]) {
    assert.deepEqual(load(doc({ l1Chain: { chainId: 1, rpcUrl } })).config.l1Chain, {
      chainId: 1,
      rpcUrl,
      pollInterval: 2000,
    });
  }
  assert.deepEqual(load(doc({ l1Chain: { chainId: 31337 } })).config.l1Chain, {
    chainId: 31337,
    pollInterval: 2000,
  });
  assert.equal(load(doc({})).config.l1Chain, undefined);
});

Deno.test("l1Chain: bad values name their path", () => {
  assert.deepEqual(problemsOf(doc({ l1Chain: { rpcUrl: "http://localhost:8545" } })), [
    "l1Chain.chainId: required",
  ]);
  for (const chainId of [0, -1, 1.5, "1"]) {
    const found = problemsOf(doc({ l1Chain: { chainId } }));
    assert.deepEqual(found, ["l1Chain.chainId: must be a positive integer"], String(chainId));
  }
  assert.deepEqual(problemsOf(doc({ l1Chain: { chainId: 1, name: "mainnet" } })), [
    "l1Chain.name: unknown key",
  ]);
  assert.deepEqual(problemsOf(doc({ l1Chain: "mainnet" })), [
    "l1Chain: must be an object with chainId and rpcUrl",
  ]);
});

Deno.test("l1Chain.rpcUrl: other schemes and malformed URLs are refused without echoing them", () => {
  const secrets = [
    "ftp://user:hunter2@rpc.example.com/v3/SECRETKEY",
    "https//user:hunter2@rpc.example.com/v3/SECRETKEY?apikey=SECRETKEY",
    "rpc.example.com/v3/SECRETKEY",
  ];
  for (const rpcUrl of secrets) {
    const found = problemsOf(doc({ l1Chain: { chainId: 1, rpcUrl } }));
    assert.deepEqual(found, [
      "l1Chain.rpcUrl: must be an http(s) or ws(s) URL, e.g. https://rpc.example.com",
    ]);
  }
  assert.deepEqual(problemsOf(doc({ l1Chain: { chainId: 1, rpcUrl: 8545 } })), [
    "l1Chain.rpcUrl: must be an http(s) or ws(s) URL",
  ]);
  try {
    load(doc({ l1Chain: { chainId: 0, rpcUrl: secrets[0] } }));
    assert.fail("must not load");
  } catch (err) {
    assert.ok(!String((err as Error).message).includes("SECRETKEY"));
    assert.ok(!String((err as Error).message).includes("hunter2"));
  }
});

Deno.test("redactUrl keeps scheme, host and port only", () => {
  assert.equal(
    redactUrl("https://u:p@eth.example.com:8443/v2/KEY?x=1#f"),
    "https://eth.example.com:8443/…",
  );
  assert.equal(redactUrl("http://localhost:8545"), "http://localhost:8545");
  assert.equal(redactUrl("http://localhost:8545/"), "http://localhost:8545");
  assert.equal(redactUrl("wss://x.io?apikey=K"), "wss://x.io/…");
  assert.equal(redactUrl("not a url KEY"), "(not a URL)");
  assert.equal(isRpcUrl("http://"), false);
  assert.equal(isRpcUrl("mailto:a@b.c"), false);
});

Deno.test("overrideContracts.taskMailbox: our address, or Ponos' contract JSON with chainIds", () => {
  const ours = load(doc({ overrideContracts: { taskMailbox: { address: MAILBOX } } }));
  assert.deepEqual(ours.config.overrideContracts, { taskMailbox: { address: MAILBOX } });
  const contract = JSON.stringify({
    name: "TaskMailbox",
    address: MAILBOX,
    chainId: 1,
    abiVersions: ["[]"],
  });
  const ponos = load(
    doc({ overrideContracts: { taskMailbox: { chainIds: [1, 8453], contract } } }),
  );
  assert.deepEqual(ponos.config.overrideContracts?.taskMailbox, {
    address: MAILBOX,
    chainIds: [1, 8453],
  });
  assert.deepEqual(ponos.warnings, []);
});

Deno.test("overrideContracts.taskMailbox: exactly one form, a usable contract, chain ids", () => {
  const at = (taskMailbox: unknown) => problemsOf(doc({ overrideContracts: { taskMailbox } }));
  assert.deepEqual(at({ chainIds: [1] }), [
    "overrideContracts.taskMailbox: exactly one of address or contract must be set",
  ]);
  assert.deepEqual(at({ address: MAILBOX, contract: `{"address":"${MAILBOX}"}` }), [
    "overrideContracts.taskMailbox: exactly one of address or contract must be set",
  ]);
  for (const contract of ["{not json", '{"address":"0x12"}', "[]", '"TaskMailbox"']) {
    assert.deepEqual(at({ contract }), [
      'overrideContracts.taskMailbox.contract: must be JSON of a contract with a 0x "address" (Ponos form)',
    ], contract);
  }
  assert.deepEqual(at({ address: "0x12", chainIds: [0] }), [
    "overrideContracts.taskMailbox.address: must be a 0x-prefixed address of 40 hex digits",
    "overrideContracts.taskMailbox.chainIds[0]: must be a positive integer",
  ]);
  assert.deepEqual(at({ address: MAILBOX, abi: "[]" }), [
    "overrideContracts.taskMailbox.abi: unknown key",
  ]);
});

Deno.test("overrideContracts: certificate verifiers are strictly validated", () => {
  const at = (overrideContracts: unknown) => problemsOf(doc({ overrideContracts }));
  const loaded = load(doc({
    overrideContracts: {
      ecdsaCertificateVerifier: { address: VERIFIER, version: 1 },
      bn254CertificateVerifier: { address: VERIFIER },
    },
  }));
  assert.deepEqual(loaded.config.overrideContracts, {
    ecdsaCertificateVerifier: { address: VERIFIER, version: "1" },
    bn254CertificateVerifier: { address: VERIFIER },
  });
  assert.deepEqual(at({ ecdsaCertificateVerifier: { version: "1.0.0" } }), [
    "overrideContracts.ecdsaCertificateVerifier.address: required",
  ]);
  assert.deepEqual(at({ ecdsaCertificateVerifier: { address: VERIFIER, version: "v1.0.0" } }), [
    'overrideContracts.ecdsaCertificateVerifier.version: must start with the major version digit, e.g. "1.0.0"',
  ]);
  assert.deepEqual(at({ ecdsaCertificateVerifier: { address: VERIFIER, version: true } }), [
    'overrideContracts.ecdsaCertificateVerifier.version: must be the version() string of the verifier, e.g. "1.0.0"',
  ]);
  assert.deepEqual(at({ bn254CertificateVerifier: { address: VERIFIER, version: "1" } }), [
    "overrideContracts.bn254CertificateVerifier.version: unknown key",
  ]);
  assert.deepEqual(at({ delegationManager: { address: VERIFIER } }), [
    "overrideContracts.delegationManager: unknown key",
  ]);
});

Deno.test("chain mode's keys: l1Chain.pollInterval, overrideContracts.allocationManager and keyRegistrar", () => {
  const loaded = load(doc({
    l1Chain: { chainId: 31337, rpcUrl: "http://localhost:8545", pollInterval: "500ms" },
    overrideContracts: {
      allocationManager: { address: MAILBOX },
      keyRegistrar: { address: VERIFIER },
    },
  }));
  assert.equal(loaded.config.l1Chain?.pollInterval, 500);
  assert.deepEqual(loaded.config.overrideContracts, {
    allocationManager: { address: MAILBOX },
    keyRegistrar: { address: VERIFIER },
  });
  assert.deepEqual(loaded.warnings, []);
  const at = (extra: Record<string, unknown>) => problemsOf(doc(extra));
  assert.deepEqual(at({ l1Chain: { chainId: 1, pollInterval: 2 } }), [
    'l1Chain.pollInterval: must be a duration string such as "30s" (got number)',
  ]);
  assert.deepEqual(at({ overrideContracts: { allocationManager: { address: "0x12" } } }), [
    "overrideContracts.allocationManager.address: must be a 0x-prefixed address of 40 hex digits",
  ]);
  assert.deepEqual(at({ overrideContracts: { keyRegistrar: {} } }), [
    "overrideContracts.keyRegistrar.address: required",
  ]);
  assert.deepEqual(at({ overrideContracts: { keyRegistrar: { address: VERIFIER, abi: "" } } }), [
    "overrideContracts.keyRegistrar.abi: unknown key",
  ]);
});
