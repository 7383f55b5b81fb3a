/**
 * `deno task operator`: the Hourglass operator. Flags keep the names of the earlier Go
 * operator (`--metrics-bind-address`, `--health-probe-bind-address`, `--leader-elect`).
 * @module
 */

import { FlagError, flagHelp, parseFlags } from "../shared/cli/flags.ts";
import { loadKubeConfig } from "../shared/kube/client.ts";
import { parseBindAddress } from "../shared/runtime/bind_address.ts";
import { createLogger, LOG_LEVELS, type LogFormat, type LogLevel } from "../shared/runtime/log.ts";
import { shutdownSignal } from "../shared/runtime/shutdown_signal.ts";
import { startOperator } from "./manager.ts";

/** Version of this build. */
export const OPERATOR_VERSION = "0.1.0";

const FLAGS = {
  kubeconfig: {
    kind: "string",
    help: "Path to a kubeconfig; in a pod the service account is used",
  },
  "metrics-bind-address": {
    kind: "string",
    default: ":8080",
    help: "Address of /metrics; 0 disables",
  },
  "health-probe-bind-address": {
    kind: "string",
    default: ":8081",
    help: "Address of /healthz and /readyz",
  },
  "leader-elect": {
    kind: "bool",
    default: false,
    help: "Use a Lease so that only one replica is active",
  },
  "leader-election-namespace": {
    kind: "string",
    help: "Namespace of the Lease (default: the pod's namespace, else default)",
  },
  "leader-election-id": {
    kind: "string",
    default: "hourglass-operator-leader",
    help: "Name of the Lease",
  },
  namespace: { kind: "string", help: "Watch only this namespace (default: all namespaces)" },
  concurrency: { kind: "int", default: 4, help: "Performers reconciled in parallel" },
  "kube-api-qps": {
    kind: "number",
    default: 20,
    help: "Client-side limit of API requests per second",
  },
  "kube-api-burst": { kind: "int", default: 30, help: "Client-side burst of API requests" },
  "log-level": { kind: "string", default: "info", help: "debug, info, warn or error" },
  "log-format": { kind: "string", default: "json", help: "json or text" },
  version: { kind: "bool", default: false, help: "Print the version and exit" },
  help: { kind: "bool", default: false, help: "Print this help" },
} as const;

async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseFlags(Deno.args, FLAGS));
  } catch (err) {
    if (!(err instanceof FlagError)) throw err;
    console.error(`operator: ${err.message}`);
    return 2;
  }
  if (values.help) {
    console.log(`Usage: operator [flags]\n\n${flagHelp(FLAGS)}`);
    return 0;
  }
  if (values.version) {
    console.log(`hourglass-operator ${OPERATOR_VERSION}`);
    return 0;
  }
  const level = String(values["log-level"]);
  const format = String(values["log-format"]);
  if (!LOG_LEVELS.includes(level as LogLevel) || !["json", "text"].includes(format)) {
    console.error(
      `operator: --log-level must be one of ${LOG_LEVELS.join(", ")}; --log-format json or text`,
    );
    return 2;
  }
  if (
    (values.concurrency as number) < 1 || (values["kube-api-qps"] as number) <= 0 ||
    (values["kube-api-burst"] as number) < 1
  ) {
    console.error("operator: --concurrency, --kube-api-qps and --kube-api-burst must be positive");
    return 2;
  }
  const log = createLogger({
    level: level as LogLevel,
    format: format as LogFormat,
    base: { component: "operator" },
  });
  try {
    return await run(values, log);
  } catch (err) {
    log("error", (err as Error).message);
    return 1;
  }
}

async function run(
  values: Record<string, unknown>,
  log: ReturnType<typeof createLogger>,
): Promise<number> {
  const kubeConfig = loadKubeConfig({ kubeconfigPath: values.kubeconfig as string | undefined });
  const operator = startOperator({
    kubeConfig,
    namespace: values.namespace as string | undefined,
    concurrency: values.concurrency as number,
    qps: values["kube-api-qps"] as number,
    burst: values["kube-api-burst"] as number,
    leaderElect: values["leader-elect"] as boolean,
    leaderElectionNamespace: (values["leader-election-namespace"] as string | undefined) ??
      podNamespace() ??
      "default",
    leaderElectionId: values["leader-election-id"] as string,
    identity: `${Deno.env.get("HOSTNAME") ?? "operator"}_${crypto.randomUUID().slice(0, 8)}`,
    healthAddress: parseBindAddress(
      "--health-probe-bind-address",
      values["health-probe-bind-address"] as string,
    ),
    metricsAddress: parseBindAddress(
      "--metrics-bind-address",
      values["metrics-bind-address"] as string,
    ),
    log,
  });
  log("info", "operator started", {
    version: OPERATOR_VERSION,
    cluster: kubeConfig.getCurrentCluster()?.server,
    namespace: values.namespace ?? "(all)",
    healthPort: operator.endpoints.healthPort,
    metricsPort: operator.endpoints.metricsPort,
  });
  const reason = await Promise.race([shutdownSignal(), operator.done]);
  log("info", "operator stopping", { reason });
  await operator.stop();
  log("info", "operator stopped");
  return reason === "lost" ? 1 : 0;
}

function podNamespace(): string | undefined {
  try {
    return Deno.readTextFileSync("/var/run/secrets/kubernetes.io/serviceaccount/namespace").trim();
  } catch {
    return undefined;
  }
}

Deno.exit(await main());
