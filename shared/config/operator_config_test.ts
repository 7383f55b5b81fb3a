import assert from "node:assert/strict";
import { flagHelp } from "../cli/flags.ts";
import { envName, OPERATOR_SETTINGS, OperatorConfig, settingFlagSpecs } from "./operator_config.ts";

/**
 * The flags and defaults of the operator before this schema (the chart and tests pass them),
 * and the Lease timing and request timeout added since (kube-controller-manager's flag names).
 */
const EARLIER_FLAGS: Record<string, string | number | boolean | undefined> = {
  kubeconfig: undefined,
  "metrics-bind-address": ":8080",
  "health-probe-bind-address": ":8081",
  "leader-elect": false,
  "leader-election-namespace": undefined,
  "leader-election-id": "hourglass-operator-leader",
  "leader-elect-lease-duration": "15s",
  "leader-elect-renew-deadline": "10s",
  "leader-elect-retry-period": "2s",
  namespace: undefined,
  concurrency: 32,
  "kube-api-qps": 0,
  "kube-api-burst": 30,
  "kube-api-timeout": "30s",
  "log-level": "info",
  "log-format": "json",
};

Deno.test("every earlier flag is a setting, with its earlier default", () => {
  const specs = settingFlagSpecs();
  assert.deepEqual(Object.keys(specs), Object.keys(EARLIER_FLAGS));
  for (const [flag, fallback] of Object.entries(EARLIER_FLAGS)) {
    assert.equal(specs[flag].default, fallback, `--${flag}`);
  }
  assert.equal(specs["leader-elect"].kind, "bool");
  assert.equal(specs.concurrency.kind, "int");
  assert.equal(specs["kube-api-qps"].kind, "number");
});

Deno.test("each setting has a description, a config key and an OPERATOR_ variable named by its flag", () => {
  for (const s of OPERATOR_SETTINGS) {
    assert.ok(s.description.length > 10, `${s.key} has a description`);
    assert.equal(s.env, envName(s.flag));
    assert.equal(s.key, s.path.join("."));
  }
  assert.deepEqual(
    OPERATOR_SETTINGS.map((s) => [s.key, s.env]).filter(([key]) => key.includes(".")),
    [
      ["leaderElection.enabled", "OPERATOR_LEADER_ELECT"],
      ["leaderElection.namespace", "OPERATOR_LEADER_ELECTION_NAMESPACE"],
      ["leaderElection.id", "OPERATOR_LEADER_ELECTION_ID"],
      ["leaderElection.leaseDuration", "OPERATOR_LEADER_ELECT_LEASE_DURATION"],
      ["leaderElection.renewDeadline", "OPERATOR_LEADER_ELECT_RENEW_DEADLINE"],
      ["leaderElection.retryPeriod", "OPERATOR_LEADER_ELECT_RETRY_PERIOD"],
      ["kubeApi.qps", "OPERATOR_KUBE_API_QPS"],
      ["kubeApi.burst", "OPERATOR_KUBE_API_BURST"],
      ["kubeApi.timeout", "OPERATOR_KUBE_API_TIMEOUT"],
    ],
  );
});

Deno.test("the defaults are the earlier flags' defaults, bind addresses parsed", () => {
  assert.deepEqual(OperatorConfig.parse({}), {
    metricsBindAddress: { hostname: "0.0.0.0", port: 8080 },
    healthProbeBindAddress: { hostname: "0.0.0.0", port: 8081 },
    leaderElection: {
      enabled: false,
      id: "hourglass-operator-leader",
      leaseDuration: 15_000,
      renewDeadline: 10_000,
      retryPeriod: 2_000,
    },
    concurrency: 32,
    kubeApi: { qps: 0, burst: 30, timeout: 30_000 },
    logLevel: "info",
    logFormat: "json",
  });
});

Deno.test("bind addresses: the forms of bind_address.ts, 0 disables, others refused unechoed", () => {
  const parse = (metricsBindAddress: string) => OperatorConfig.safeParse({ metricsBindAddress });
  assert.deepEqual(parse("127.0.0.1:9000").data?.metricsBindAddress, {
    hostname: "127.0.0.1",
    port: 9000,
  });
  assert.deepEqual(parse("[::1]:9000").data?.metricsBindAddress, { hostname: "::1", port: 9000 });
  assert.equal(parse("0").data?.metricsBindAddress, undefined);
  for (const bad of ["8080", "host:99999", "secret-host:"]) {
    const issues = parse(bad).error?.issues ?? [];
    assert.equal(issues.length, 1, bad);
    assert.ok(!issues[0].message.includes(bad), "the value is not echoed");
  }
});

Deno.test("namespaces: empty means all; names are checked like the API server's", () => {
  assert.equal(OperatorConfig.parse({ namespace: "" }).namespace, undefined);
  assert.equal(OperatorConfig.parse({ namespace: "team-a" }).namespace, "team-a");
  for (const bad of ["Team", "a_b", "x".repeat(64)]) {
    assert.ok(!OperatorConfig.safeParse({ namespace: bad }).success, bad);
    assert.ok(!OperatorConfig.safeParse({ leaderElection: { namespace: bad } }).success, bad);
  }
  assert.ok(!OperatorConfig.safeParse({ leaderElection: { namespace: "" } }).success);
  assert.ok(OperatorConfig.safeParse({ leaderElection: { id: "my-op.leader" } }).success);
  assert.ok(!OperatorConfig.safeParse({ leaderElection: { id: "My_Lease" } }).success);
});

Deno.test("the help text lists every flag with its default", () => {
  const blocks = flagHelp(settingFlagSpecs()).split(/\n(?= {2}--)/);
  assert.equal(blocks.length, OPERATOR_SETTINGS.length);
  OPERATOR_SETTINGS.forEach((s, i) => {
    assert.ok(blocks[i].startsWith(`  --${s.flag}`), s.flag);
    if (s.default !== undefined) {
      assert.ok(blocks[i].endsWith(`(default ${JSON.stringify(s.default)})`), `--${s.flag}`);
    }
  });
  assert.match(blocks[OPERATOR_SETTINGS.length - 2], /one of debug, info, warn, error/);
});
