/**
 * The operator with performer pods that really run (on the node simulator): Ready status,
 * zero-downtime upgrades checked by traffic through the Service, broken upgrades that keep the
 * old pod serving, and unschedulable pods reported without churn.
 */

import assert from "node:assert/strict";
import { LABEL } from "../shared/api/labels.ts";
import { describe, writesSince } from "./fixture/audit_log.ts";
import { freshNamespace, type TestCluster, testCluster } from "./fixture/cluster.ts";
import { eventually } from "./fixture/eventually.ts";
import { withNodeSimulator } from "./fixture/node_simulator.ts";
import { type OperatorProcess, withOperator } from "./fixture/operator.ts";
import {
  createPerformer,
  eventsFor,
  getPerformer,
  patchSpec,
  performerPods,
  performerService,
} from "./fixture/performers.ts";
import { callThroughService, type HelloResult } from "./fixture/service_client.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

/** A namespace with a node simulator and an operator, for one test. */
async function withPerformerEnv(
  prefix: string,
  body: (ctx: { cluster: TestCluster; ns: string; operator: OperatorProcess }) => Promise<void>,
): Promise<void> {
  const cluster = await testCluster();
  const ns = await freshNamespace(cluster, prefix);
  await withNodeSimulator(
    cluster,
    ns,
    () => withOperator(cluster, { namespace: ns }, (operator) => body({ cluster, ns, operator })),
  );
}

async function waitRunning(cluster: TestCluster, ns: string, name: string, version?: string) {
  return await eventually(async () => {
    const p = await getPerformer(cluster, ns, name);
    assert.equal(p.status?.phase, "Running", `phase (${JSON.stringify(p.status?.conditions)})`);
    assert.equal(p.status?.ready, true);
    const pods = await performerPods(cluster, ns, name);
    assert.equal(pods.length, 1, "one pod");
    if (version) {
      const result = await callThroughService(cluster, ns, `performer-${name}`, "ping");
      assert.equal(result.version, version);
    }
    return p;
  }, { timeoutMs: 45_000, intervalMs: 250 });
}

function condition(
  p: { status?: { conditions?: { type: string; status: string; reason: string }[] } },
  type: string,
) {
  return p.status?.conditions?.find((c) => c.type === type);
}

Deno.test(
  "a Performer becomes Running and Ready, answers through its Service, then costs no writes",
  opts,
  async () => {
    await withPerformerEnv("run", async ({ cluster, ns, operator }) => {
      await createPerformer(cluster, ns, "hello", {
        config: { environment: { HELLO_VERSION: "v1" } },
      });
      const p = await waitRunning(cluster, ns, "hello", "v1");
      assert.ok(p.status?.readyTime, "readyTime is set");
      assert.equal(condition(p, "Available")?.status, "True");
      assert.equal(condition(p, "Degraded")?.status, "False");
      const [pod] = await performerPods(cluster, ns, "hello");
      assert.equal(p.status?.podName, pod.metadata?.name);
      const result = await callThroughService(cluster, ns, "performer-hello", "hello world");
      assert.equal(result.output, "HELLO WORLD");

      const windowStart = Date.now();
      const before = (await getPerformer(cluster, ns, "hello")).metadata.resourceVersion;
      await new Promise((r) => setTimeout(r, 6_000));
      const writes = await writesSince(cluster.auditLogPath, windowStart, {
        username: operator.username,
        namespace: ns,
      });
      assert.deepEqual(describe(writes), [], "no writes by the operator while the performer runs");
      assert.equal((await getPerformer(cluster, ns, "hello")).metadata.resourceVersion, before);
    });
  },
);

for (const change of ["image", "env", "port"] as const) {
  Deno.test(
    `a ${change} change upgrades without downtime: the Service always has a Ready pod`,
    opts,
    async () => {
      await withPerformerEnv("upgrade", async ({ cluster, ns, operator }) => {
        await createPerformer(cluster, ns, "up", {
          config: { environment: { HELLO_VERSION: "v1" } },
        });
        const before = await waitRunning(cluster, ns, "up", "v1");
        const oldPod = before.status!.podName!;

        const results: (HelloResult | Error)[] = [];
        let stop = false;
        const traffic = (async () => {
          while (!stop) {
            results.push(
              await callThroughService(cluster, ns, "performer-up", "x").catch((e) => e as Error),
            );
            await new Promise((r) => setTimeout(r, 50));
          }
        })();
        const upgradeStarted = Date.now();
        const spec = {
          image: change === "image"
            ? "hourglass/hello-performer:v2"
            : "hourglass/hello-performer:v1",
          config: {
            grpcPort: change === "port" ? 9191 : 9090,
            environment: { HELLO_VERSION: "v2" },
          },
        };
        await patchSpec(cluster, ns, "up", spec);
        const after = await eventually(async () => {
          const p = await waitRunning(cluster, ns, "up", "v2");
          assert.notEqual(p.status?.podName, oldPod);
          return p;
        }, { timeoutMs: 60_000 });
        const upgradeMs = Date.now() - upgradeStarted;
        await new Promise((r) => setTimeout(r, 500));
        stop = true;
        await traffic;

        const failures = results.filter((r) => r instanceof Error) as Error[];
        assert.deepEqual(failures.map((e) => e.message), [], "no call failed during the upgrade");
        const versions = (results as HelloResult[]).map((r) => r.version);
        assert.equal(versions[0], "v1");
        assert.equal(versions.at(-1), "v2");
        assert.ok(!versions.slice(versions.indexOf("v2")).includes("v1"), "no v1 after the switch");
        assert.ok(after.status?.lastUpgrade, "lastUpgrade is recorded");
        if (change === "port") assert.match(after.status!.grpcEndpoint!, /:9191$/);
        const events = await eventsFor(cluster, ns, "up");
        assert.ok(events.some((e) => e.reason === "Upgraded"), "an Upgraded event");
        const writes = await writesSince(cluster.auditLogPath, upgradeStarted, {
          username: operator.username,
          namespace: ns,
        });
        console.log(
          `${change} upgrade: ${upgradeMs} ms, ${results.length} calls, 0 failed, ${writes.length} writes: ${
            describe(writes).join("; ")
          }`,
        );
      });
    },
  );
}

for (
  const [what, spec, reason] of [
    ["an image that cannot be pulled", { image: "registry.invalid/missing:v2" }, "ImagePullFailed"],
    ["a crash loop", {
      config: { environment: { HELLO_VERSION: "v2", HELLO_CRASH_ON_START: "1" } },
    }, "CrashLooping"],
    ["an unschedulable pod", { hardwareRequirements: { gpuCount: 1 } }, "Unschedulable"],
  ] as const
) {
  Deno.test(
    `a broken upgrade (${what}) keeps the old pod serving and reports Degraded`,
    opts,
    async () => {
      await withPerformerEnv("broken", async ({ cluster, ns }) => {
        await createPerformer(cluster, ns, "steady", {
          config: { environment: { HELLO_VERSION: "v1" } },
        });
        const before = await waitRunning(cluster, ns, "steady", "v1");
        await patchSpec(cluster, ns, "steady", spec);
        const p = await eventually(async () => {
          const p = await getPerformer(cluster, ns, "steady");
          assert.equal(condition(p, "Degraded")?.status, "True");
          assert.equal(condition(p, "Degraded")?.reason, reason);
          return p;
        }, { timeoutMs: 45_000 });
        assert.equal(p.status?.ready, true, "still ready");
        assert.equal(p.status?.phase, "Running");
        assert.equal(p.status?.podName, before.status?.podName, "the old pod still serves");
        const service = await performerService(cluster, ns, "steady");
        const pods = await performerPods(cluster, ns, "steady");
        const old = pods.find((pod) => pod.metadata?.name === before.status?.podName);
        assert.ok(old && !old.metadata?.deletionTimestamp, "the old pod is not deleted");
        assert.equal(
          service?.spec?.selector?.[LABEL.revision],
          old.metadata?.labels?.[LABEL.revision],
        );
        assert.equal(
          (await callThroughService(cluster, ns, "performer-steady", "x")).version,
          "v1",
        );
        const events = await eventsFor(cluster, ns, "steady");
        assert.ok(
          events.some((e) => e.type === "Warning" && e.reason === reason),
          `a ${reason} warning event`,
        );
      });
    },
  );
}

Deno.test(
  "an unschedulable Performer is reported once, not recreated in a loop",
  opts,
  async () => {
    await withPerformerEnv("unsched", async ({ cluster, ns, operator }) => {
      await createPerformer(cluster, ns, "gpu", {
        hardwareRequirements: { gpuType: "nvidia-a100", gpuCount: 2 },
      });
      const p = await eventually(async () => {
        const p = await getPerformer(cluster, ns, "gpu");
        assert.equal(condition(p, "Degraded")?.reason, "Unschedulable");
        return p;
      }, { timeoutMs: 30_000 });
      assert.equal(p.status?.phase, "Pending");
      assert.equal(p.status?.ready, false);
      const [pod] = await performerPods(cluster, ns, "gpu");
      const windowStart = Date.now();
      await new Promise((r) => setTimeout(r, 6_000));
      const pods = await performerPods(cluster, ns, "gpu");
      assert.deepEqual(
        pods.map((x) => x.metadata?.uid),
        [pod.metadata?.uid],
        "the same pod, not a new one",
      );
      const writes = await writesSince(cluster.auditLogPath, windowStart, {
        username: operator.username,
        namespace: ns,
      });
      assert.deepEqual(describe(writes), [], "no churn: the operator writes nothing");
    });
  },
);
