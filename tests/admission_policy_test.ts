/**
 * The operator chart's ValidatingAdmissionPolicy on Performers, on the real API server: creating
 * a Performer runs a pod, so the policy limits the service accounts, Secrets and images a
 * Performer may name, per namespace. Performers are created as an ordinary user (a service
 * account with a Role on Performers, impersonated), the way an executor or a person would.
 * @module
 */

import assert from "node:assert/strict";
import YAML from "yaml";
import { TEST_AVS } from "./fixture/chart_value_sets.ts";
import {
  freshNamespace,
  kubectl,
  KubectlError,
  type TestCluster,
  testCluster,
} from "./fixture/cluster.ts";
import { eventually } from "./fixture/eventually.ts";
import {
  chartPath,
  helmOk,
  installChart,
  only,
  renderChart,
  uninstallChart,
  valuesFile,
} from "./fixture/helm.ts";

const OPTS = { sanitizeOps: false, sanitizeResources: false };
const ROOT = new URL("../", import.meta.url).pathname;
const CHART = "hourglass-operator";
/** The executor chart's key Secret name with its defaults: what a performer must never mount. */
const EXECUTOR_KEY_SECRET = "hourglass-executor";
/** Who creates the Performers: a service account whose Role allows only Performers. */
const USER = "avs-deployer";
/** How long the API server's policy informer may take to see a created or changed policy. */
const POLICY_SYNC = { timeoutMs: 30_000, intervalMs: 200 };

type Spec = Record<string, unknown>;

function performer(name: string, spec: Spec = {}): Record<string, unknown> {
  return {
    apiVersion: "hourglass.eigenlayer.io/v1alpha1",
    kind: "Performer",
    metadata: { name },
    spec: { avsAddress: TEST_AVS, image: "ghcr.io/example/hello:v1", ...spec },
  };
}

/** A Performer the chart's default limits refuse: it names a service account. */
function forbiddenProbe(): Record<string, unknown> {
  return performer("probe", { config: { serviceAccountName: "executor-admin" } });
}

function envSecret(secret: string): Spec {
  return {
    config: {
      environmentFrom: [{
        name: "API_KEY",
        valueFrom: { secretKeyRef: { name: secret, key: "k" } },
      }],
    },
  };
}

/** Gives USER in `ns` the rights to write Performers there, and nothing else. */
async function grantPerformers(cluster: TestCluster, ns: string): Promise<void> {
  const rbac = [
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "Role",
      metadata: { name: USER, namespace: ns },
      rules: [{
        apiGroups: ["hourglass.eigenlayer.io"],
        resources: ["performers"],
        verbs: ["create", "update", "patch", "get"],
      }],
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: { name: USER, namespace: ns },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: USER },
      subjects: [{ kind: "ServiceAccount", name: USER, namespace: ns }],
    },
  ];
  await kubectl(cluster, ["apply", "-f", "-"], rbac.map((o) => YAML.stringify(o)).join("---\n"));
}

/**
 * Runs kubectl in `ns` as USER of `ns` (or as `user`); returns the API server's refusal, or
 * undefined when accepted.
 */
async function asUser(
  ns: string,
  args: string[],
  stdin?: string,
  user = `system:serviceaccount:${ns}:${USER}`,
): Promise<string | undefined> {
  try {
    await kubectl(await testCluster(), [
      `--as=${user}`,
      "--namespace",
      ns,
      ...args,
    ], stdin);
    return undefined;
  } catch (err) {
    if (err instanceof KubectlError) return err.stderr;
    throw err;
  }
}

/** Creates a Performer as USER; the refusal, or undefined. */
function create(ns: string, object: Record<string, unknown>): Promise<string | undefined> {
  return asUser(ns, ["create", "-f", "-"], JSON.stringify(object));
}

async function expectDenied(ns: string, object: Record<string, unknown>, message: RegExp) {
  const refusal = await create(ns, object);
  assert.ok(refusal !== undefined, `${JSON.stringify(object)} was admitted in ${ns}`);
  assert.match(refusal, /ValidatingAdmissionPolicy '[^']+' with binding '[^']+' denied request/);
  assert.match(refusal, message);
}

async function expectAdmitted(ns: string, object: Record<string, unknown>) {
  const refusal = await create(ns, object);
  assert.equal(refusal, undefined, `refused in ${ns}: ${refusal}`);
}

/**
 * Waits until the API server enforces what the chart now says: the policy informer sees a new
 * or changed policy a moment after it is written. Polls a server-side dry run of a probe
 * Performer (nothing is created) until it is refused (or admitted) as expected.
 */
async function untilProbe(
  ns: string,
  probe: Record<string, unknown>,
  refused: boolean,
  user?: string,
) {
  const started = Date.now();
  await eventually(async () => {
    const args = ["create", "--dry-run=server", "-f", "-"];
    const refusal = await asUser(ns, args, JSON.stringify(probe), user);
    assert.equal(refusal !== undefined, refused, `probe in ${ns}: ${refusal ?? "admitted"}`);
  }, POLICY_SYNC);
  console.error(
    `policy ${refused ? "enforced" : "lifted"} in ${ns} after ${Date.now() - started} ms`,
  );
}

/** `helm install` or `helm upgrade` of the operator chart; returns helm's output (the notes). */
async function release(
  verb: "install" | "upgrade",
  ns: string,
  values: Record<string, unknown>,
): Promise<string> {
  return await helmOk([
    verb,
    CHART,
    chartPath(CHART),
    "--namespace",
    ns,
    "--values",
    await valuesFile(values),
  ], await testCluster());
}

Deno.test(
  "the operator chart's admission policy limits service accounts, Secrets and images of Performers",
  OPTS,
  async (t) => {
    const cluster = await testCluster();
    const operatorNs = await freshNamespace(cluster, "policy-operator");
    // `listed` has its own limits in the values; `plain` gets the chart's defaults.
    const listed = await freshNamespace(cluster, "policy-listed");
    const plain = await freshNamespace(cluster, "policy-plain");
    for (const ns of [listed, plain]) await grantPerformers(cluster, ns);
    // Admitted before the policy exists: its finalizer and labels must stay writable later.
    assert.equal(
      await create(plain, performer("legacy", envSecret(EXECUTOR_KEY_SECRET))),
      undefined,
    );
    const policy = {
      namespaces: {
        [listed]: {
          serviceAccountNames: ["avs-performer"],
          secretNames: ["avs-api-key", "regcred"],
          imagePrefixes: ["ghcr.io/example/"],
        },
      },
    };
    const forbiddenSa = forbiddenProbe();
    const notes = await release("install", operatorNs, { admissionPolicy: policy });
    try {
      assert.match(notes, /Creating a Performer is running a pod/);
      await untilProbe(plain, forbiddenSa, true);

      await t.step("defaults: only the default service account, no Secrets", async () => {
        await expectDenied(
          plain,
          performer("sa", { config: { serviceAccountName: "executor-admin" } }),
          new RegExp(
            `spec\\.config\\.serviceAccountName "executor-admin" is not allowed in namespace ` +
              `${plain} \\(hourglass-operator value admissionPolicy\\.default\\); allowed: default`,
          ),
        );
        await expectDenied(
          plain,
          performer("key", envSecret(EXECUTOR_KEY_SECRET)),
          /secretKeyRef names Secret\(s\) hourglass-executor not allowed .*; allowed: none/,
        );
        await expectDenied(
          plain,
          performer("pull", { imagePullSecrets: [{ name: "regcred" }] }),
          /spec\.imagePullSecrets\[\]\.name names Secret\(s\) regcred not allowed/,
        );
        await expectAdmitted(plain, performer("bare"));
        await expectAdmitted(
          plain,
          performer("default-sa", { config: { serviceAccountName: "default" } }),
        );
        // Any image: the defaults set no prefix.
        await expectAdmitted(
          plain,
          performer("anywhere", { image: "docker.io/library/busybox:1" }),
        );
      });

      await t.step(
        "a Performer admitted before the policy: metadata writable, spec not",
        async () => {
          const label = await asUser(plain, ["label", "performer", "legacy", "team=avs"]);
          assert.equal(label, undefined, `a label change was refused: ${label}`);
          const patch = await asUser(plain, [
            "patch",
            "performer",
            "legacy",
            "--type=merge",
            "-p",
            JSON.stringify({ spec: { image: "ghcr.io/example/hello:v2" } }),
          ]);
          assert.match(patch ?? "admitted", /secretKeyRef names Secret\(s\) hourglass-executor/);
        },
      );

      await t.step("a namespace's own limits", async () => {
        const allowed = {
          image: "ghcr.io/example/hello:v1",
          imagePullSecrets: [{ name: "regcred" }],
          config: {
            ...envSecret("avs-api-key").config as Spec,
            serviceAccountName: "avs-performer",
          },
        };
        await expectAdmitted(listed, performer("allowed", allowed));
        await expectDenied(
          listed,
          performer("key", envSecret(EXECUTOR_KEY_SECRET)),
          new RegExp(
            `hourglass-executor not allowed in namespace ${listed} \\(hourglass-operator value ` +
              `admissionPolicy\\.namespaces\\.${listed}\\); allowed: avs-api-key, regcred`,
          ),
        );
        await expectDenied(
          listed,
          performer("image", { image: "docker.io/library/busybox:1" }),
          /spec\.image "docker\.io\/library\/busybox:1" is not allowed .*must start with one of: ghcr\.io\/example\//,
        );
        // `default` is the chart default, not this namespace's list.
        await expectDenied(
          listed,
          performer("sa", { config: { serviceAccountName: "default" } }),
          /allowed: avs-performer/,
        );
        // Updates are checked too.
        const patch = await asUser(listed, [
          "patch",
          "performer",
          "allowed",
          "--type=merge",
          "-p",
          JSON.stringify({ spec: { config: { serviceAccountName: "executor-admin" } } }),
        ]);
        assert.match(patch ?? "admitted", /serviceAccountName "executor-admin" is not allowed/);
      });

      await t.step("with watchNamespace, only that namespace is checked", async () => {
        await release("upgrade", operatorNs, { admissionPolicy: policy, watchNamespace: listed });
        await untilProbe(plain, forbiddenSa, false);
        await expectAdmitted(plain, performer("unwatched", envSecret(EXECUTOR_KEY_SECRET)));
        await expectDenied(listed, forbiddenSa, /serviceAccountName "executor-admin"/);
      });

      await t.step("admissionPolicy.enabled false: no policy", async () => {
        const notes = await release("upgrade", operatorNs, {
          admissionPolicy: { ...policy, enabled: false },
        });
        assert.match(notes, /WARNING: admissionPolicy.enabled is false/);
        await untilProbe(listed, forbiddenSa, false);
        await expectAdmitted(listed, forbiddenSa);
        const left = await kubectl(cluster, ["get", "validatingadmissionpolicies", "-o", "name"]);
        assert.doesNotMatch(left, new RegExp(`${CHART}-${operatorNs}`), left);
      });
    } finally {
      await uninstallChart(cluster, CHART, operatorNs);
    }
  },
);

Deno.test("the policy reads every field of the Performer schema that names a Secret or service account", async () => {
  const crd = YAML.parse(
    await Deno.readTextFile(`${ROOT}crds/hourglass.eigenlayer.io_performers.yaml`),
  );
  const found: string[] = [];
  const walk = (schema: Record<string, unknown>, path: string) => {
    const properties = (schema.properties ?? {}) as Record<string, Record<string, unknown>>;
    for (const [key, child] of Object.entries(properties)) {
      const here = path ? `${path}.${key}` : key;
      if (/secret|serviceaccount/i.test(key)) found.push(here);
      walk(child, here);
    }
    if (schema.items) walk(schema.items as Record<string, unknown>, `${path}[]`);
  };
  for (const version of crd.spec.versions) walk(version.schema.openAPIV3Schema, "");
  // A new field here (a volume, a whole-Secret envFrom) must be added to the policy first.
  assert.deepEqual([...new Set(found)].sort(), [
    "spec.config.environmentFrom[].valueFrom.secretKeyRef",
    "spec.config.serviceAccountName",
    "spec.imagePullSecrets",
  ]);
  const { objects } = await renderChart(CHART, { namespace: "x" });
  const text = JSON.stringify(only(objects, "ValidatingAdmissionPolicy"));
  for (
    const read of [
      "object.spec.config.environmentFrom",
      "e.valueFrom.secretKeyRef.name",
      "object.spec.config.serviceAccountName",
      "object.spec.imagePullSecrets.map(s, s.name)",
      "object.spec.image.startsWith",
    ]
  ) assert.ok(text.includes(read), `the policy does not read ${read}`);
});

Deno.test(
  "with both charts' defaults, the executor cannot get a performer to mount its key Secret",
  OPTS,
  async () => {
    const cluster = await testCluster();
    const operatorNs = await freshNamespace(cluster, "keys-operator");
    const ns = await freshNamespace(cluster, "keys-executor");
    const performers = `${ns}-performers`;
    await release("install", operatorNs, {});
    await installChart(cluster, "hourglass-executor", ns);
    try {
      const executor = `system:serviceaccount:${ns}:hourglass-executor`;
      const asExecutor = (where: string, object: Record<string, unknown>) =>
        asUser(where, ["create", "-f", "-"], JSON.stringify(object), executor);
      await untilProbe(performers, forbiddenProbe(), true, executor);
      // Not in the release namespace, where the key Secret is: no rights there at all.
      const here = await asExecutor(ns, performer("key", envSecret(EXECUTOR_KEY_SECRET)));
      assert.match(here ?? "admitted", /forbidden: User .* cannot create resource "performers"/);
      // In the performer namespace: a Performer naming a Secret is refused by the policy.
      const there = await asExecutor(performers, performer("key", envSecret(EXECUTOR_KEY_SECRET)));
      assert.match(there ?? "admitted", /secretKeyRef names Secret\(s\) hourglass-executor/);
      assert.equal(await asExecutor(performers, performer("hello")), undefined);
    } finally {
      await uninstallChart(cluster, "hourglass-executor", ns);
      await uninstallChart(cluster, CHART, operatorNs);
    }
  },
);
