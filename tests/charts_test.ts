/**
 * The Helm charts against the real local control plane: lint, render with several value sets
 * and have the API server validate each (server-side dry run), install and check each service
 * account's rights with `kubectl auth can-i`, admit the pods in a `restricted` namespace, and
 * keep the CRD on uninstall.
 * @module
 */

import assert from "node:assert/strict";
import YAML from "yaml";
import { EcdsaKey } from "../executor/signing/ecdsa.ts";
import { buildPod } from "../operator/performer/builders.ts";
import { PerformerSpec } from "../shared/api/performer.ts";
import { expectAccess, grantedResources, serviceAccountUser } from "./fixture/access_review.ts";
import {
  checkCommon,
  hasPath,
  installServiceMonitorCrd,
  validateExecutorConfig,
} from "./fixture/chart_checks.ts";
import {
  documentedKeys,
  readChartSources,
  uncommentedKeys,
  unusedKeys,
  valueKeys,
} from "./fixture/chart_docs.ts";
import {
  SERVICE_MONITOR_API,
  type SetContext,
  TEST_AVS,
  TEST_ECDSA_KEY,
  type ValueSet,
} from "./fixture/chart_value_sets.ts";
import { freshNamespace, kubectl, type TestCluster, testCluster } from "./fixture/cluster.ts";
import { EXECUTOR_SETS } from "./fixture/executor_value_sets.ts";
import {
  type ChartName,
  chartPath,
  helm,
  helmOk,
  helmReleases,
  installChart,
  renderChart,
  templateArgs,
  uninstallChart,
  valuesFile,
} from "./fixture/helm.ts";
import { OPERATOR_SETS } from "./fixture/operator_value_sets.ts";
import {
  expectPodRejected,
  getWorkload,
  podFrom,
  privilegedPod,
  restrictedNamespace,
} from "./fixture/pod_security.ts";

const OPTS = { sanitizeOps: false, sanitizeResources: false };
const ROOT = new URL("../", import.meta.url).pathname;
const CHARTS: ChartName[] = ["hourglass-operator", "hourglass-executor"];
const SETS: ValueSet[] = [...OPERATOR_SETS, ...EXECUTOR_SETS];
const OPERATOR_ADDRESS = EcdsaKey.fromHex(TEST_ECDSA_KEY).address;

Deno.test("helm lint --strict passes for both charts and every value set", OPTS, async () => {
  for (const set of SETS) {
    // helm lint cannot be told that the ServiceMonitor API exists (no --api-versions), and the
    // chart fails on purpose without it; those sets are rendered with the API further down.
    if (set.apiVersions?.includes(SERVICE_MONITOR_API)) continue;
    const ctx = {
      namespace: "lint",
      otherNamespace: "lint-other",
      operatorAddress: OPERATOR_ADDRESS,
    };
    const file = await valuesFile(set.values(ctx));
    const result = await helm(["lint", "--strict", chartPath(set.chart), "--values", file]);
    const output = result.stdout + result.stderr;
    assert.equal(result.code, 0, `${set.chart} / ${set.name}:\n${output}`);
    assert.match(output, /1 chart\(s\) linted, 0 chart\(s\) failed/);
    assert.doesNotMatch(output, /\[(WARNING|ERROR)\]/, `${set.chart} / ${set.name}:\n${output}`);
  }
});

Deno.test("every value is used by a template, documented in the README and commented", async () => {
  for (const chart of CHARTS) {
    const sources = await readChartSources(chart);
    const keys = valueKeys(sources);
    assert.deepEqual(unusedKeys(sources), [], `${chart}: values no template reads`);
    assert.deepEqual(uncommentedKeys(sources), [], `${chart}: values without a comment`);
    const documented = documentedKeys(sources);
    assert.deepEqual(keys.filter((k) => !documented.includes(k)), [], `${chart}: not in README`);
    assert.deepEqual(
      documented.filter((k) => !keys.includes(k)),
      [],
      `${chart}: README has stale keys`,
    );
  }
});

Deno.test("the value sets together set every value of each chart", async () => {
  for (const chart of CHARTS) {
    const ctx = { namespace: "n", otherNamespace: "o", operatorAddress: OPERATOR_ADDRESS };
    const set = SETS.filter((s) => s.chart === chart).map((s) => s.values(ctx));
    const keys = valueKeys(await readChartSources(chart));
    const unset = keys.filter((key) => !set.some((values) => hasPath(values, key)));
    assert.deepEqual(unset, [], `${chart}: values no test sets`);
  }
});

Deno.test(
  "the API server accepts what each value set renders (server-side dry run)",
  OPTS,
  async (t) => {
    const cluster = await testCluster();
    await installServiceMonitorCrd(cluster);
    try {
      for (const set of SETS) {
        await t.step(`${set.chart}: ${set.name}`, async () => {
          const ctx = await setContext(cluster);
          const { manifest, objects } = await renderChart(set.chart, {
            namespace: ctx.namespace,
            values: set.values(ctx),
            apiVersions: set.apiVersions,
          });
          checkCommon(objects);
          set.check(objects, ctx);
          const out = await kubectl(cluster, [
            "apply",
            "--server-side",
            "--dry-run=server",
            "--field-manager=chart-test",
            // No --namespace: every object names its own (the watched namespace's RoleBinding too).
            "-f",
            "-",
          ], manifest);
          assert.equal(out.trim().split("\n").length, objects.length, out);
        });
      }
    } finally {
      await kubectl(cluster, [
        "delete",
        "crd",
        "servicemonitors.monitoring.coreos.com",
        "--ignore-not-found",
      ]);
    }
  },
);

Deno.test("the executor accepts the config each executor value set renders", OPTS, async () => {
  for (const set of EXECUTOR_SETS) {
    const ctx = { namespace: "avs", otherNamespace: "other", operatorAddress: OPERATOR_ADDRESS };
    const { objects } = await renderChart(set.chart, {
      namespace: ctx.namespace,
      values: set.values(ctx),
      apiVersions: set.apiVersions,
    });
    if (!objects.some((o) => o.kind === "Secret")) continue; // existingSecret: not ours to check
    const result = await validateExecutorConfig(objects, ctx.namespace);
    if (set.name === "defaults") {
      // The defaults are a skeleton: the executor must say what is missing, not start.
      assert.equal(result.code, 3, result.output);
      assert.match(result.output, /operator\.address/);
    } else assert.equal(result.code, 0, `${set.name}:\n${result.output}`);
  }
});

Deno.test("the charts refuse values that cannot work, saying why", async () => {
  const cases: [ChartName, Record<string, unknown>, RegExp][] = [
    ["hourglass-operator", { replicas: 2, leaderElection: { enabled: false } }, /leaderElection/],
    ["hourglass-operator", { serviceMonitor: { enabled: true } }, /no monitoring.coreos.com\/v1/],
    ["hourglass-operator", { serviceAccount: { create: false } }, /serviceAccount.name/],
    [
      "hourglass-operator",
      { admissionPolicy: { default: { secretNames: "avs-api-key" } } },
      /admissionPolicy.default.secretNames must be a list of strings/,
    ],
    [
      "hourglass-operator",
      { admissionPolicy: { namespaces: { avs: { secrets: ["x"] } } } },
      /admissionPolicy.namespaces.avs.secrets is not a limit/,
    ],
    [
      "hourglass-operator",
      { admissionPolicy: { namespaces: { avs: { serviceAccountNames: [7] } } } },
      /admissionPolicy.namespaces.avs.serviceAccountNames: 7 is not a string/,
    ],
    [
      "hourglass-operator",
      { admissionPolicy: { namespaces: { "Not_A_Namespace": {} } } },
      /"Not_A_Namespace" is not a namespace name/,
    ],
    ["hourglass-executor", { serviceMonitor: { enabled: true } }, /no monitoring.coreos.com\/v1/],
    ["hourglass-executor", { networkPolicy: { avsAddresses: ["0x12"] } }, /not a 0x address/],
    ["hourglass-executor", { deploymentMode: "podman" }, /kubernetes or docker/],
    // The default would put Performers beside the key Secret when the release namespace is "x".
    [
      "hourglass-executor",
      { performerNamespace: { name: "x" } },
      /release namespace, which holds the executor's key Secret/,
    ],
    [
      "hourglass-executor",
      { performerNamespace: { name: "Avs_Performers" } },
      /"Avs_Performers" is not a namespace name/,
    ],
    [
      "hourglass-executor",
      { config: { avsPerformers: [{ avsAddress: TEST_AVS, deploymentMode: "docker" }] } },
      /avsPerformers\[0\].deploymentMode/,
    ],
    ["hourglass-executor", { signingKeys: { files: { "executor.yaml": "x" } } }, /reserved/],
  ];
  for (const [chart, values, message] of cases) {
    const result = await helm(await templateArgs(chart, { namespace: "x", values }));
    assert.notEqual(result.code, 0, `${chart} ${JSON.stringify(values)} rendered`);
    assert.match(result.stderr, message);
  }
});

Deno.test(
  "the operator's service account can do what the operator needs and nothing more",
  OPTS,
  async () => {
    const cluster = await testCluster();
    const ns = await freshNamespace(cluster, "operator");
    const other = await freshNamespace(cluster, "elsewhere");
    const watched = await freshNamespace(cluster, "watched");
    const nsWatching = await freshNamespace(cluster, "operator-ns");
    await installChart(cluster, "hourglass-operator", ns);
    await installChart(cluster, "hourglass-operator", nsWatching, { watchNamespace: watched });
    try {
      const sa = serviceAccountUser(ns, "hourglass-operator");
      const perf = "performers.hourglass.eigenlayer.io";
      await expectAccess(cluster, sa, {
        yes: [
          { verb: "create", resource: "pods", namespace: other },
          { verb: "delete", resource: "services", namespace: other },
          { verb: "watch", resource: perf, allNamespaces: true },
          { verb: "patch", resource: perf, subresource: "status", namespace: other },
          { verb: "update", resource: perf, subresource: "finalizers", namespace: other },
          { verb: "create", resource: "events", namespace: other },
          { verb: "update", resource: "leases.coordination.k8s.io", namespace: ns },
        ],
        no: [
          { verb: "get", resource: "secrets", namespace: ns },
          { verb: "list", resource: "secrets", allNamespaces: true },
          { verb: "watch", resource: "secrets", namespace: other },
          { verb: "create", resource: "deployments.apps", namespace: ns },
          { verb: "create", resource: perf, namespace: other },
          { verb: "delete", resource: perf, namespace: other },
          { verb: "update", resource: "leases.coordination.k8s.io", namespace: other },
          { verb: "list", resource: "nodes" },
          { verb: "create", resource: "clusterrolebindings.rbac.authorization.k8s.io" },
        ],
      });
      // With watchNamespace, the same rules hold in that namespace only.
      await expectAccess(cluster, serviceAccountUser(nsWatching, "hourglass-operator"), {
        yes: [
          { verb: "create", resource: "pods", namespace: watched },
          { verb: "patch", resource: perf, subresource: "status", namespace: watched },
          { verb: "update", resource: "leases.coordination.k8s.io", namespace: nsWatching },
        ],
        no: [
          { verb: "create", resource: "pods", namespace: other },
          { verb: "list", resource: perf, allNamespaces: true },
          { verb: "get", resource: "secrets", namespace: watched },
        ],
      });
    } finally {
      await uninstallChart(cluster, "hourglass-operator", ns);
      await uninstallChart(cluster, "hourglass-operator", nsWatching);
    }
  },
);

Deno.test(
  "the executor's service account manages Performers in the performer namespace only",
  OPTS,
  async () => {
    const cluster = await testCluster();
    const ns = await freshNamespace(cluster, "executor");
    const other = await freshNamespace(cluster, "elsewhere");
    await installChart(cluster, "hourglass-executor", ns);
    // Created by the chart, apart from the release namespace that holds the key Secret.
    const performers = `${ns}-performers`;
    try {
      const sa = serviceAccountUser(ns, "hourglass-executor");
      const perf = "performers.hourglass.eigenlayer.io";
      await expectAccess(cluster, sa, {
        yes: [
          ...["create", "delete", "get", "list", "watch", "patch"].map((verb) => ({
            verb,
            resource: perf,
            namespace: performers,
          })),
          ...["get", "list", "watch"].map((verb) => ({
            verb,
            resource: "pods",
            namespace: performers,
          })),
        ],
        no: [
          { verb: "create", resource: perf, namespace: ns },
          { verb: "create", resource: perf, namespace: other },
          { verb: "watch", resource: perf, allNamespaces: true },
          { verb: "get", resource: "pods", namespace: other },
          { verb: "create", resource: "pods", namespace: performers },
          { verb: "update", resource: perf, subresource: "status", namespace: performers },
          { verb: "get", resource: "secrets", namespace: ns },
          { verb: "get", resource: "secrets", namespace: performers },
          { verb: "list", resource: "secrets", namespace: performers },
          { verb: "get", resource: "configmaps", namespace: performers },
          { verb: "list", resource: "namespaces" },
          { verb: "list", resource: "nodes" },
        ],
      });
      // No other rights: in its own namespace and elsewhere it has only what every
      // authenticated user has.
      const everyone =
        /^selfsubject(access|rules)?reviews\.(authorization|authentication)\.k8s\.io$/;
      for (const namespace of [ns, other]) {
        const granted = await grantedResources(cluster, sa, { namespace });
        assert.ok(granted.some((r) => everyone.test(r)), `the --list output was read: ${granted}`);
        assert.deepEqual(granted.filter((r) => !everyone.test(r)), [], granted.join(", "));
      }
    } finally {
      await uninstallChart(cluster, "hourglass-executor", ns);
    }
    // The performer namespace stays after uninstall: it holds the Performers.
    await kubectl(cluster, ["get", "namespace", performers]);
  },
);

Deno.test(
  "a restricted namespace admits the operator, executor and performer pods, not a privileged one",
  OPTS,
  async () => {
    const cluster = await testCluster();
    const ns = await restrictedNamespace(cluster);
    // First prove the namespace enforces (this also waits for the admission plugin to see the label).
    await expectPodRejected(cluster, ns, privilegedPod(ns));
    await installChart(cluster, "hourglass-operator", ns);
    await installChart(cluster, "hourglass-executor", ns);
    try {
      const deployment = await getWorkload(cluster, ns, "deployment/hourglass-operator");
      const statefulSet = await getWorkload(cluster, ns, "statefulset/hourglass-executor");
      const executorPod = podFrom(statefulSet, "hourglass-executor-0", ns);
      // The StatefulSet controller would add the claim of volumeClaimTemplates as a volume.
      executorPod.spec.volumes.push({
        name: "data",
        persistentVolumeClaim: { claimName: "data-hourglass-executor-0" },
      });
      // The performer namespace the executor chart creates enforces restricted too.
      const performers = `${ns}-performers`;
      await expectPodRejected(cluster, performers, privilegedPod(performers));
      const performer = buildPod({
        metadata: { name: "hello", namespace: performers, uid: crypto.randomUUID(), generation: 1 },
        spec: PerformerSpec.parse({ avsAddress: TEST_AVS, image: "ghcr.io/example/hello:v1" }),
      }).pod;
      for (const pod of [podFrom(deployment, "operator-pod", ns), executorPod, performer]) {
        const out = await kubectl(
          cluster,
          ["create", "--dry-run=server", "-f", "-"],
          JSON.stringify(pod),
        );
        assert.match(out, /created \(server dry run\)/);
      }
    } finally {
      await uninstallChart(cluster, "hourglass-operator", ns);
      await uninstallChart(cluster, "hourglass-executor", ns);
    }
  },
);

Deno.test(
  "the operator chart ships the CRD in crds/ and uninstalling keeps it and the Performers",
  OPTS,
  async () => {
    const cluster = await testCluster();
    const { objects } = await renderChart("hourglass-operator", { namespace: "x" });
    assert.ok(!objects.some((o) => o.kind === "CustomResourceDefinition"), "no CRD in templates/");
    const shipped = await helmOk(["show", "crds", chartPath("hourglass-operator")]);
    const generated = await Deno.readTextFile(
      `${ROOT}crds/hourglass.eigenlayer.io_performers.yaml`,
    );
    assert.deepEqual(YAML.parse(shipped), YAML.parse(generated));

    const ns = await freshNamespace(cluster, "uninstall");
    await installChart(cluster, "hourglass-operator", ns);
    await kubectl(
      cluster,
      ["apply", "-n", ns, "-f", "-"],
      JSON.stringify({
        apiVersion: "hourglass.eigenlayer.io/v1alpha1",
        kind: "Performer",
        metadata: { name: "kept" },
        spec: { avsAddress: TEST_AVS, image: "ghcr.io/example/hello:v1" },
      }),
    );
    await uninstallChart(cluster, "hourglass-operator", ns);
    assert.equal(await helmReleases(cluster, ns), 0);
    await kubectl(cluster, ["get", "crd", "performers.hourglass.eigenlayer.io"]);
    await kubectl(cluster, ["get", "-n", ns, "performer", "kept"]);
  },
);

async function setContext(cluster: TestCluster): Promise<SetContext> {
  const namespace = await freshNamespace(cluster, "chart");
  // The executor chart's default performer namespace: a dry run creates nothing, so the Role the
  // chart puts there needs it to exist already.
  await kubectl(cluster, ["create", "namespace", `${namespace}-performers`]);
  return {
    namespace,
    otherNamespace: await freshNamespace(cluster, "chart-other"),
    operatorAddress: OPERATOR_ADDRESS,
  };
}
