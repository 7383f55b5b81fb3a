import assert from "node:assert/strict";
import { ADDRESS_PATTERN } from "../api/performer.ts";
import {
  KNOWN_CHAIN_IDS,
  KNOWN_DEPLOYMENTS,
  majorVersion,
  resolveCertificateVerifiers,
  resolveChainContracts,
} from "./contracts.ts";
import {
  BLS_KEY,
  docWith,
  ECDSA_KEY,
  load,
  problemsOf,
} from "../../tests/fixture/config_loading.ts";

const VERIFIER = "0x2222222222222222222222222222222222222222";
const MAILBOX = "0x3333333333333333333333333333333333333333";

Deno.test("known deployments: Ponos' four chains, valid addresses, no local chains", () => {
  assert.deepEqual(KNOWN_CHAIN_IDS, [1, 8453, 84532, 11155111]);
  for (const [chainId, deployment] of Object.entries(KNOWN_DEPLOYMENTS)) {
    for (const [name, address] of Object.entries(deployment.contracts)) {
      assert.match(address, ADDRESS_PATTERN, `${chainId} ${name}`);
    }
    assert.ok(Object.isFrozen(deployment.contracts));
  }
  assert.equal(KNOWN_DEPLOYMENTS[31337], undefined, "anvil addresses come from overrideContracts");
  assert.equal(KNOWN_DEPLOYMENTS[31338], undefined);
  // Spot checks against ponos/pkg/config/config.go (CoreContracts).
  assert.equal(
    KNOWN_DEPLOYMENTS[1].contracts.ecdsaCertificateVerifier,
    "0xd0930ee96D07de4F9d493c259232222e46B6EC25",
  );
  assert.equal(
    KNOWN_DEPLOYMENTS[11155111].contracts.bn254CertificateVerifier,
    "0xff58a373c18268f483c1f5ca03cf885c0c43373a",
  );
  assert.equal(
    KNOWN_DEPLOYMENTS[84532].contracts.taskMailbox,
    "0xb99cc53e8db7018f557606c2a5b066527bf96b26",
  );
  assert.equal(
    KNOWN_DEPLOYMENTS[8453].contracts.allocationManager,
    undefined,
    "L2: multichain only",
  );
});

Deno.test("resolver: the known deployment of l1Chain.chainId, with its source", () => {
  const { config } = load({ ...docWith({ bls: BLS_KEY }), l1Chain: { chainId: 11155111 } });
  const source = "known deployment for chain 11155111";
  assert.deepEqual(resolveCertificateVerifiers(config), {
    chainId: 11155111,
    ecdsa: { address: "0xb3cd1a457dea9a9a6f6406c6419b1c326670a96f", source },
    bn254: { address: "0xff58a373c18268f483c1f5ca03cf885c0c43373a", source },
    taskMailbox: { address: "0xb99cc53e8db7018f557606c2a5b066527bf96b26", source },
  });
});

Deno.test("resolver: overrideContracts win; the version gives the EIP-712 major version", () => {
  const { config } = load({
    ...docWith({ bls: BLS_KEY }),
    l1Chain: { chainId: 1, rpcUrl: "https://rpc.example.com" },
    overrideContracts: {
      ecdsaCertificateVerifier: { address: VERIFIER, version: "1.8.0" },
      taskMailbox: { address: MAILBOX, chainIds: [1] },
    },
  });
  const resolved = resolveCertificateVerifiers(config);
  assert.deepEqual(resolved.ecdsa, {
    address: VERIFIER,
    version: "1.8.0",
    majorVersion: "1",
    source: "overrideContracts",
  });
  assert.deepEqual(resolved.bn254, {
    address: "0x3F55654b2b2b86bB11bE2f72657f9C33bf88120A",
    source: "known deployment for chain 1",
  });
  assert.deepEqual(resolved.taskMailbox, {
    address: MAILBOX,
    chainIds: [1],
    source: "overrideContracts",
  });
});

Deno.test("resolver: a local chain has only its overrides; a mailbox override for other chains is skipped", () => {
  const { config } = load({
    ...docWith({ bls: BLS_KEY }),
    l1Chain: { chainId: 31337 },
    overrideContracts: { taskMailbox: { address: MAILBOX, chainIds: [1] } },
  });
  assert.deepEqual(resolveCertificateVerifiers(config), { chainId: 31337 });
  const noChain = load({
    ...docWith({ bls: BLS_KEY }),
    overrideContracts: {
      bn254CertificateVerifier: { address: VERIFIER },
      taskMailbox: { address: MAILBOX, chainIds: [1] },
    },
  });
  assert.deepEqual(resolveCertificateVerifiers(noChain.config), {
    bn254: { address: VERIFIER, source: "overrideContracts" },
    taskMailbox: { address: MAILBOX, chainIds: [1], source: "overrideContracts" },
  });
});

Deno.test("majorVersion is the first character of version()", () => {
  assert.equal(majorVersion("1.8.0"), "1");
  assert.equal(majorVersion("2"), "2");
  assert.throws(() => majorVersion(""), RangeError);
});

Deno.test("ECDSA results need a verifier address: from overrideContracts or a known chain", () => {
  const ecdsaOnly = docWith({ ecdsa: { privateKey: ECDSA_KEY } });
  const versionNote =
    "overrideContracts.ecdsaCertificateVerifier.version: required when an AVS signs with ECDSA " +
    "(avsPerformers[0], by default without a BLS key) and l1Chain.rpcUrl is not set to read it " +
    "from: the verifier's major version is part of the signed EIP-712 domain";
  assert.deepEqual(problemsOf(ecdsaOnly), [
    "overrideContracts.ecdsaCertificateVerifier: required when an AVS signs with ECDSA " +
    "(avsPerformers[0], by default without a BLS key) and l1Chain.chainId is not set " +
    "(known: 1, 8453, 84532, 11155111); give the verifier's address",
    versionNote,
  ]);
  const anvil = { ...ecdsaOnly, l1Chain: { chainId: 31337, rpcUrl: "http://localhost:8545" } };
  assert.deepEqual(problemsOf(anvil), [
    "overrideContracts.ecdsaCertificateVerifier: required when an AVS signs with ECDSA " +
    "(avsPerformers[0], by default without a BLS key) and l1Chain.chainId 31337 has no known " +
    "deployment (known: 1, 8453, 84532, 11155111); give the verifier's address",
  ]);
  // A known chain gives the address; the version is then read through rpcUrl, or given.
  assert.deepEqual(problemsOf({ ...ecdsaOnly, l1Chain: { chainId: 11155111 } }), [versionNote]);
  assert.deepEqual(problemsOf({ ...anvil, l1Chain: { chainId: 1, rpcUrl: "https://x.io" } }), []);
  assert.deepEqual(
    problemsOf({
      ...ecdsaOnly,
      overrideContracts: { ecdsaCertificateVerifier: { address: VERIFIER, version: "1" } },
    }),
    [],
  );
});

Deno.test("ECDSA rule: explicit signingCurve, avsDefaults, and BN254-only configs", () => {
  const both = { ecdsa: { privateKey: ECDSA_KEY }, bls: BLS_KEY };
  assert.deepEqual(problemsOf(docWith(both)), [], "BLS key: bn254 by default");
  const explicit = docWith(both);
  (explicit.avsPerformers as Record<string, unknown>[])[0].signingCurve = "ecdsa";
  const found = problemsOf(explicit);
  assert.equal(found.length, 2);
  assert.match(
    found[0],
    /^overrideContracts\.ecdsaCertificateVerifier: .*\(avsPerformers\[0\]\.signingCurve\)/,
  );
  const defaults = { ...docWith(both), avsPerformers: [], avsDefaults: { signingCurve: "ecdsa" } };
  assert.match(problemsOf(defaults)[0], /\(avsDefaults\.signingCurve\)/);
  const noPerformers = { ...docWith({ ecdsa: { privateKey: ECDSA_KEY } }), avsPerformers: [] };
  assert.match(problemsOf(noPerformers)[0], /\(avsDefaults, by default without a BLS key\)/);
  // No key at all: that is the one problem reported.
  assert.deepEqual(problemsOf(docWith({})), [
    "operator.signingKeys: at least one of ecdsa or bls must be set",
  ]);
});

Deno.test("chain contracts: AllocationManager and KeyRegistrar from the known L1s or overrides", () => {
  const at = (extra: Record<string, unknown>) =>
    resolveChainContracts(load({ ...docWith({ bls: BLS_KEY }), ...extra }).config);
  const sepolia = "known deployment for chain 11155111";
  assert.deepEqual(at({ l1Chain: { chainId: 11155111 } }), {
    contracts: {
      allocationManager: { address: "0x42583067658071247ec8ce0a516a58f682002d07", source: sepolia },
      keyRegistrar: { address: "0xa4db30d08d8bbca00d40600bee9f029984db162a", source: sepolia },
    },
  });
  assert.deepEqual(
    at({
      l1Chain: { chainId: 1 },
      overrideContracts: { keyRegistrar: { address: VERIFIER } },
    }).contracts?.keyRegistrar,
    { address: VERIFIER, source: "overrideContracts" },
  );
  // L2s and local chains have none: chain mode needs both overrides there.
  assert.deepEqual(at({ l1Chain: { chainId: 8453 } }), {
    missing: ["allocationManager", "keyRegistrar"],
  });
  assert.deepEqual(
    at({
      l1Chain: { chainId: 31337 },
      overrideContracts: { allocationManager: { address: MAILBOX } },
    }),
    { missing: ["keyRegistrar"] },
  );
  assert.deepEqual(at({}), { missing: ["allocationManager", "keyRegistrar"] });
});
