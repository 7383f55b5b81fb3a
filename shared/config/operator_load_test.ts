import assert from "node:assert/strict";
import { FlagError } from "../cli/flags.ts";
import { OPERATOR_SETTINGS, type OperatorConfig } from "./operator_config.ts";
import {
  loadOperatorConfig,
  OperatorConfigError,
  operatorUsage,
  parseOperatorCommandLine,
} from "./operator_load.ts";

const DIR = Deno.makeTempDirSync({ prefix: "operator-config-test-" });
globalThis.addEventListener("unload", () => Deno.removeSync(DIR, { recursive: true }));

/** Writes `text` to a temporary config file; returns its path. */
async function configFile(text: string): Promise<string> {
  const path = await Deno.makeTempFile({ dir: DIR, suffix: ".yaml" });
  await Deno.writeTextFile(path, text);
  return path;
}

function load(args: string[], env: Record<string, string> = {}): Promise<OperatorConfig> {
  return loadOperatorConfig(parseOperatorCommandLine(args), { env });
}

async function problemsOf(args: string[], env: Record<string, string> = {}): Promise<string[]> {
  const err = await load(args, env).then(() => undefined, (e) => e);
  assert.ok(err instanceof OperatorConfigError, `expected problems, got ${err}`);
  assert.equal(err.reason, "InvalidConfig");
  return err.problems;
}

Deno.test("a flag, a variable and the file each set a value", async () => {
  const path = await configFile("leaderElection:\n  id: from-file\n");
  const config = await load(["--config", path, "--concurrency=9"], {
    OPERATOR_LOG_FORMAT: "text",
  });
  assert.equal(config.leaderElection.id, "from-file");
  assert.equal(config.concurrency, 9);
  assert.equal(config.logFormat, "text");
  assert.equal(config.logLevel, "info", "the rest keep their defaults");
});

Deno.test("every setting can be set by its flag, its variable and its file key", async () => {
  const text: Record<string, [string, unknown]> = {
    kubeconfig: ["/k/config", "/k/config"],
    "metrics-bind-address": ["127.0.0.1:9100", { hostname: "127.0.0.1", port: 9100 }],
    "health-probe-bind-address": ["0", undefined],
    "leader-elect": ["true", true],
    "leader-election-namespace": ["ops", "ops"],
    "leader-election-id": ["lease-1", "lease-1"],
    "leader-elect-lease-duration": ["20s", 20_000],
    "leader-elect-renew-deadline": ["12s", 12_000],
    "leader-elect-retry-period": ["1500ms", 1_500],
    namespace: ["team-a", "team-a"],
    concurrency: ["12", 12],
    "kube-api-qps": ["2.5", 2.5],
    "kube-api-burst": ["7", 7],
    "kube-api-timeout": ["1m", 60_000],
    "log-level": ["debug", "debug"],
    "log-format": ["text", "text"],
  };
  assert.deepEqual(Object.keys(text), OPERATOR_SETTINGS.map((s) => s.flag));
  for (const s of OPERATOR_SETTINGS) {
    const [raw, expected] = text[s.flag];
    const yamlValue = s.kind === "string" ? JSON.stringify(raw) : raw;
    const yaml = s.path.map((key, i) => `${"  ".repeat(i)}${key}:`).join("\n") + ` ${yamlValue}\n`;
    const configs = [
      await load([`--${s.flag}=${raw}`]),
      await load([], { [s.env]: raw }),
      await load(["--config", await configFile(yaml)]),
    ];
    for (const config of configs) {
      assert.deepEqual(valueAt(config, s.path), expected, `${s.key} from each source`);
    }
  }
});

Deno.test("precedence: defaults, then the file, then variables, then flags", async () => {
  const path = await configFile("concurrency: 2\nlogLevel: warn\nkubeApi:\n  burst: 40\n");
  const env = { OPERATOR_CONCURRENCY: "3", OPERATOR_LOG_LEVEL: "error" };
  const config = await load(["--config", path, "--concurrency", "5"], env);
  assert.equal(config.concurrency, 5, "the flag wins over the variable and the file");
  assert.equal(config.logLevel, "error", "the variable wins over the file");
  assert.equal(config.kubeApi.burst, 40, "the file wins over the default");
  assert.equal(config.kubeApi.qps, 0, "a sibling key keeps its default");
});

Deno.test("every problem is reported at once, each naming its source, no value echoed", async () => {
  const path = await configFile(
    "leaderElection:\n  id: Secret_Lease\n  extra: 1\nkubeApi: 5\nmetricsBindAddress: s3cr3t\n",
  );
  const problems = await problemsOf(
    ["--config", path, "--concurrency=0", "--kube-api-qps=-1", "--log-format=s3cr3t"],
    { OPERATOR_LOG_LEVEL: "s3cr3t", OPERATOR_KUBE_API_BURST: "1.5", OPERATOR_LEADR_ELECT: "true" },
  );
  assert.deepEqual(
    problems.toSorted(),
    [
      `${path}: kubeApi: must be a mapping`,
      `${path}: leaderElection.extra: unknown key`,
      `${path}: leaderElection.id: must be a valid Lease name (lower case letters, digits, - and .)`,
      `${path}: metricsBindAddress: must be ":port", "host:port", "[ipv6]:port" or "0" to disable`,
      "--concurrency: must be ≥ 1",
      "--kube-api-qps: must be ≥ 0",
      '--log-format: Invalid option: expected one of "json"|"text"',
      "OPERATOR_KUBE_API_BURST: must be an integer",
      `OPERATOR_LEADR_ELECT: unknown variable (known: ${
        OPERATOR_SETTINGS.map((s) => s.env).join(", ")
      })`,
      'OPERATOR_LOG_LEVEL: Invalid option: expected one of "debug"|"info"|"warn"|"error"',
    ].toSorted(),
  );
  for (const p of problems) assert.ok(!/s3cr3t|Secret_Lease/.test(p), `value echoed: ${p}`);
});

Deno.test("a value a later source overrides is still checked", async () => {
  const path = await configFile("logLevel: loud\n");
  const problems = await problemsOf(["--config", path, "--log-level=debug"]);
  assert.equal(problems.length, 1);
  assert.ok(problems[0].startsWith(`${path}: logLevel: `));
});

Deno.test("lease timing: the deadline within the lease, the retry within the deadline", async () => {
  const path = await configFile("leaderElection:\n  leaseDuration: 30s\n");
  const config = await load(["--config", path, "--leader-elect-renew-deadline=20s"]);
  assert.equal(config.leaderElection.renewDeadline, 20_000, "values from two sources agree");
  assert.deepEqual(
    await problemsOf(["--leader-elect-renew-deadline=15s"], {
      OPERATOR_LEADER_ELECT_RETRY_PERIOD: "15s",
    }),
    [
      "leaderElection.renewDeadline (--leader-elect-renew-deadline, " +
      "OPERATOR_LEADER_ELECT_RENEW_DEADLINE): must be shorter than leaderElection.leaseDuration",
      "leaderElection.retryPeriod (--leader-elect-retry-period, " +
      "OPERATOR_LEADER_ELECT_RETRY_PERIOD): must be shorter than leaderElection.renewDeadline",
    ],
  );
  assert.deepEqual(await problemsOf(["--kube-api-timeout=0s", "--leader-elect-retry-period=2"]), [
    '--leader-elect-retry-period: must be a duration such as "30s", "1m30s" or "250ms"',
    "--kube-api-timeout: must be at least 100ms",
  ]);
});

Deno.test("unknown flags, arguments and bad flag syntax are command-line errors", () => {
  assert.throws(() => parseOperatorCommandLine(["--concurency=3"]), FlagError);
  assert.throws(() => parseOperatorCommandLine(["run"]), /takes no arguments/);
  assert.throws(() => parseOperatorCommandLine(["--namespace"]), /needs a value/);
  assert.throws(() => parseOperatorCommandLine(["--leader-elect=yes"]), FlagError);
});

Deno.test("the file: unknown keys, YAML errors, a non-mapping, an unreadable path", async () => {
  const unknown = await configFile("concurrency: 2\nleaderElect: true\n");
  assert.deepEqual(await problemsOf(["--config", unknown]), [
    `${unknown}: leaderElect: unknown key`,
  ]);
  const duplicate = await configFile("concurrency: 2\nconcurrency: 3\n");
  assert.match((await problemsOf(["--config", duplicate]))[0], /: YAML: .*unique/i);
  const list = await configFile("- concurrency: 2\n");
  assert.deepEqual(await problemsOf(["--config", list]), [
    `${list}: the file must contain a YAML mapping of settings`,
  ]);
  const missing = `${DIR}/absent.yaml`;
  assert.match((await problemsOf(["--config", missing]))[0], /: cannot read file: /);
  const empty = await configFile("# all defaults\n");
  assert.equal((await load(["--config", empty])).concurrency, 32, "an empty file sets nothing");
});

Deno.test("variables: other prefixes and Kubernetes service links are not read", async () => {
  const config = await load([], {
    EXECUTOR_LOG_LEVEL: "loud",
    OPERATOR_SERVICE_HOST: "10.0.0.1",
    OPERATOR_SERVICE_PORT: "443",
    OPERATOR_PORT: "tcp://10.0.0.1:443",
    OPERATOR_PORT_443_TCP_ADDR: "10.0.0.1",
    OPERATOR_METRICS_SERVICE_PORT_HTTP: "8080",
  });
  assert.equal(config.logLevel, "info");
});

Deno.test("flags: empty --namespace watches all; --leader-elect=false; 0 disables metrics", async () => {
  const config = await load(["--namespace=", "--leader-elect=false", "--metrics-bind-address=0"], {
    OPERATOR_LEADER_ELECT: "true",
    OPERATOR_NAMESPACE: "team-a",
  });
  assert.equal(config.namespace, undefined);
  assert.equal(config.leaderElection.enabled, false);
  assert.equal(config.metricsBindAddress, undefined);
});

Deno.test("--help and --version are read without validating the settings", () => {
  const commandLine = parseOperatorCommandLine(["--help", "--concurrency=0"]);
  assert.equal(commandLine.help, true);
  assert.equal(parseOperatorCommandLine(["--version"]).version, true);
});

Deno.test("the usage lists every flag with its default, and the variables' rule", () => {
  const usage = operatorUsage();
  for (const s of OPERATOR_SETTINGS) assert.ok(usage.includes(`  --${s.flag}`), s.flag);
  for (const flag of ["--config <string>", "--version", "--help"]) assert.ok(usage.includes(flag));
  assert.ok(usage.includes("(default 32)"));
  assert.ok(usage.includes("OPERATOR_LOG_LEVEL"));
});

function valueAt(value: unknown, path: readonly string[]): unknown {
  return path.reduce<unknown>(
    (node, key) =>
      typeof node === "object" && node !== null
        ? Object.getOwnPropertyDescriptor(node, key)?.value
        : undefined,
    value,
  );
}
