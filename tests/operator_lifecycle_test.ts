/**
 * The operator against the real API server, checked the way a user checks with kubectl:
 * what it creates, what it reports, how it cleans up, and that it leaves a settled Performer
 * alone. The operator runs as its own process with the chart's RBAC rules.
 */

import assert from "node:assert/strict";
import { LABEL } from "../shared/api/labels.ts";
import { describe, writesSince } from "./fixture/audit_log.ts";
import { freshNamespace, testCluster } from "./fixture/cluster.ts";
import { eventually } from "./fixture/eventually.ts";
import { startOperatorProcess, withOperator } from "./fixture/operator.ts";
import {
  clients,
  createPerformer,
  deletePerformer,
  eventsFor,
  getPerformer,
  performerPods,
  performerService,
  TEST_AVS,
} from "./fixture/performers.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

Deno.test(
  "a Performer gets a pod and a Service carrying its spec, and a status",
  opts,
  async () => {
    const cluster = await testCluster();
    const ns = await freshNamespace(cluster, "op");
    await withOperator(cluster, { namespace: ns }, async () => {
      await clients(cluster).scheduling.createPriorityClass({
        body: { metadata: { name: `avs-high-${ns}` }, value: 1000 },
      });
      await createPerformer(cluster, ns, "hello", {
        version: "v1.0.0",
        config: {
          grpcPort: 9444,
          environment: { LOG_LEVEL: "debug", A_FIRST: "1" },
          environmentFrom: [{
            name: "API_KEY",
            valueFrom: { secretKeyRef: { name: "avs", key: "api-key" } },
          }],
        },
        scheduling: { priorityClassName: `avs-high-${ns}`, nodeSelector: { pool: "performers" } },
        hardwareRequirements: { customLabels: { "example.com/zone": "a" } },
        resources: { requests: { cpu: "100m", memory: "64Mi" } },
      });
      const pod = await eventually(async () => {
        const [p] = await performerPods(cluster, ns, "hello");
        assert.ok(p, "a pod exists");
        return p;
      });
      const container = pod.spec!.containers[0];
      assert.match(pod.metadata!.name!, /^performer-hello-[0-9a-f]{10}$/);
      assert.equal(pod.metadata?.labels?.["app.kubernetes.io/managed-by"], "hourglass-operator");
      assert.equal(pod.metadata?.labels?.[LABEL.avs], TEST_AVS.toLowerCase());
      assert.equal(pod.metadata?.ownerReferences?.[0].kind, "Performer");
      assert.equal(container.image, "hourglass/hello-performer:v1");
      assert.deepEqual(container.env?.map((e) => e.name), [
        "AVS_ADDRESS",
        "GRPC_PORT",
        "A_FIRST",
        "LOG_LEVEL",
        "API_KEY",
      ]);
      assert.equal(container.env?.[4].valueFrom?.secretKeyRef?.name, "avs");
      assert.deepEqual(container.readinessProbe?.grpc?.port, 9444);
      assert.equal(container.resources?.requests?.cpu, "100m");
      assert.equal(pod.spec?.priorityClassName, `avs-high-${ns}`);
      assert.deepEqual(pod.spec?.nodeSelector, { pool: "performers", "example.com/zone": "a" });

      const service = await eventually(async () => {
        const s = await performerService(cluster, ns, "hello");
        assert.ok(s, "the Service exists");
        return s;
      });
      assert.equal(
        service.spec?.selector?.[LABEL.revision],
        pod.metadata?.labels?.[LABEL.revision],
      );
      assert.deepEqual(service.spec?.ports?.map((p) => [p.name, p.port, p.targetPort]), [[
        "grpc",
        9444,
        "grpc",
      ]]);

      const performer = await eventually(async () => {
        const p = await getPerformer(cluster, ns, "hello");
        assert.ok(p.status?.phase, "a phase is reported");
        return p;
      });
      assert.ok(["Pending", "Running"].includes(performer.status!.phase!), performer.status!.phase);
      assert.equal(performer.status?.grpcEndpoint, `performer-hello.${ns}.svc.cluster.local:9444`);
      assert.equal(performer.status?.serviceName, "performer-hello");
      assert.equal(performer.status?.observedGeneration, performer.metadata.generation);
      assert.deepEqual(performer.status?.conditions?.map((c) => c.type), [
        "Available",
        "Progressing",
        "Degraded",
      ]);
      // No finalizer: clean-up follows the Performer's deletion (below) without one, and adding
      // it cost a write per Performer.
      assert.equal(performer.metadata.finalizers, undefined);
      const events = await eventsFor(cluster, ns, "hello");
      assert.ok(events.some((e) => e.reason === "CreatingPod"), "an event tells about the pod");
    });
  },
);

Deno.test(
  "deleting a Performer removes its pod and Service, without a garbage collector",
  opts,
  async () => {
    const cluster = await testCluster();
    const ns = await freshNamespace(cluster, "op");
    await withOperator(cluster, { namespace: ns }, async () => {
      await createPerformer(cluster, ns, "doomed");
      await eventually(async () => {
        assert.equal((await performerPods(cluster, ns, "doomed")).length, 1);
        assert.ok(await performerService(cluster, ns, "doomed"));
      });
      await deletePerformer(cluster, ns, "doomed");
      await eventually(async () => {
        assert.equal((await performerPods(cluster, ns, "doomed")).length, 0, "pods gone");
        assert.equal(await performerService(cluster, ns, "doomed"), undefined, "service gone");
        await assert.rejects(getPerformer(cluster, ns, "doomed"), "the Performer itself is gone");
      });
    });
  },
);

Deno.test(
  "a Performer deleted while the operator is down loses its pod and Service when it is back",
  opts,
  async () => {
    const cluster = await testCluster();
    const ns = await freshNamespace(cluster, "op");
    const first = await startOperatorProcess(cluster, { namespace: ns });
    try {
      await createPerformer(cluster, ns, "orphaned");
      await eventually(async () => {
        assert.equal((await performerPods(cluster, ns, "orphaned")).length, 1);
        assert.ok(await performerService(cluster, ns, "orphaned"));
      });
    } finally {
      await first.stop();
    }
    await deletePerformer(cluster, ns, "orphaned");
    await eventually(() => assert.rejects(getPerformer(cluster, ns, "orphaned")));
    // Nobody removed them meanwhile: this control plane has no garbage collector.
    assert.equal((await performerPods(cluster, ns, "orphaned")).length, 1);
    const second = await startOperatorProcess(cluster, { namespace: ns }, first.identity);
    try {
      await eventually(async () => {
        assert.equal((await performerPods(cluster, ns, "orphaned")).length, 0, "pods gone");
        assert.equal(await performerService(cluster, ns, "orphaned"), undefined, "service gone");
      });
    } finally {
      await second.stop();
    }
  },
);

Deno.test(
  "a Performer deleted and created again under its name gets children of its own",
  opts,
  async () => {
    const cluster = await testCluster();
    const ns = await freshNamespace(cluster, "op");
    const first = await startOperatorProcess(cluster, { namespace: ns });
    let before;
    try {
      before = await createPerformer(cluster, ns, "again");
      await eventually(async () => {
        assert.equal((await performerPods(cluster, ns, "again")).length, 1);
        assert.ok(await performerService(cluster, ns, "again"));
      });
    } finally {
      await first.stop();
    }
    // Deleted and created again while no operator runs: the old pod (same name, same revision)
    // and Service are still there when the new Performer is first reconciled.
    await deletePerformer(cluster, ns, "again");
    await eventually(() => assert.rejects(getPerformer(cluster, ns, "again")));
    const after = await createPerformer(cluster, ns, "again");
    assert.notEqual(after.metadata.uid, before.metadata.uid);
    const ownedByNew = (o: { metadata?: { ownerReferences?: { uid?: string }[] } }) =>
      o.metadata?.ownerReferences?.[0]?.uid === after.metadata.uid;
    const second = await startOperatorProcess(cluster, { namespace: ns }, first.identity);
    try {
      await eventually(async () => {
        const pods = await performerPods(cluster, ns, "again");
        assert.equal(pods.length, 1, "one pod");
        assert.ok(ownedByNew(pods[0]), "the pod belongs to the new Performer");
        const service = await performerService(cluster, ns, "again");
        assert.ok(service && ownedByNew(service), "the Service belongs to the new Performer");
        assert.notEqual((await getPerformer(cluster, ns, "again")).status?.phase, undefined);
      });
    } finally {
      await second.stop();
    }
  },
);

Deno.test(
  "a Performer with the finalizer of earlier versions is cleaned up, then released",
  opts,
  async () => {
    const cluster = await testCluster();
    const ns = await freshNamespace(cluster, "op");
    await withOperator(cluster, { namespace: ns }, async () => {
      await clients(cluster).custom.createNamespacedCustomObject({
        group: "hourglass.eigenlayer.io",
        version: "v1alpha1",
        plural: "performers",
        namespace: ns,
        body: {
          apiVersion: "hourglass.eigenlayer.io/v1alpha1",
          kind: "Performer",
          metadata: {
            name: "legacy",
            finalizers: ["hourglass.eigenlayer.io/performer-finalizer"],
          },
          spec: { avsAddress: TEST_AVS, image: "hourglass/hello-performer:v1" },
        },
      });
      await eventually(async () => {
        assert.equal((await performerPods(cluster, ns, "legacy")).length, 1);
        assert.ok(await performerService(cluster, ns, "legacy"));
      });
      await deletePerformer(cluster, ns, "legacy");
      await eventually(async () => {
        assert.equal((await performerPods(cluster, ns, "legacy")).length, 0, "pods gone");
        assert.equal(await performerService(cluster, ns, "legacy"), undefined, "service gone");
        await assert.rejects(getPerformer(cluster, ns, "legacy"), "the finalizer was removed");
      });
    });
  },
);

Deno.test("a settled Performer costs no API writes", opts, async () => {
  const cluster = await testCluster();
  const ns = await freshNamespace(cluster, "op");
  await withOperator(cluster, { namespace: ns }, async (operator) => {
    const started = Date.now();
    await createPerformer(cluster, ns, "quiet");
    // Settled: the status no longer changes.
    let lastVersion = "";
    await eventually(async () => {
      const p = await getPerformer(cluster, ns, "quiet");
      const version = p.metadata.resourceVersion!;
      const settled = p.status?.phase !== undefined && version === lastVersion;
      lastVersion = version;
      assert.ok(settled, "status settled");
    }, { intervalMs: 1500 });
    const creationWrites = await writesSince(cluster.auditLogPath, started, {
      username: operator.username,
      namespace: ns,
    });
    const windowStart = Date.now();
    await new Promise((r) => setTimeout(r, 6_000));
    const writes = await writesSince(cluster.auditLogPath, windowStart, {
      username: operator.username,
      namespace: ns,
    });
    assert.deepEqual(describe(writes), [], "no writes while nothing changes");
    console.log(
      `writes for one Performer creation: ${creationWrites.length}: ${
        describe(creationWrites).join("; ")
      }`,
    );
  });
});

Deno.test("a deleted pod is replaced", opts, async () => {
  const cluster = await testCluster();
  const ns = await freshNamespace(cluster, "op");
  await withOperator(cluster, { namespace: ns }, async () => {
    await createPerformer(cluster, ns, "phoenix");
    const first = await eventually(async () => {
      const [p] = await performerPods(cluster, ns, "phoenix");
      assert.ok(p);
      return p;
    });
    const { core } = clients(cluster);
    await core.deleteNamespacedPod({
      namespace: ns,
      name: first.metadata!.name!,
      gracePeriodSeconds: 0,
    });
    await eventually(async () => {
      const pods = await performerPods(cluster, ns, "phoenix");
      assert.equal(pods.length, 1);
      assert.notEqual(pods[0].metadata?.uid, first.metadata?.uid, "a new pod");
    });
  });
});

Deno.test("an operator restarted mid-work converges without duplicate pods", opts, async () => {
  const cluster = await testCluster();
  const ns = await freshNamespace(cluster, "op");
  const first = await startOperatorProcess(cluster, { namespace: ns });
  const names = Array.from({ length: 6 }, (_, i) => `p${i}`);
  await Promise.all(names.map((n) => createPerformer(cluster, ns, n)));
  await new Promise((r) => setTimeout(r, 300));
  await first.kill();
  const second = await startOperatorProcess(cluster, { namespace: ns }, first.identity);
  try {
    await eventually(async () => {
      for (const name of names) {
        const pods = await performerPods(cluster, ns, name);
        assert.equal(pods.length, 1, `${name}: exactly one pod`);
        assert.ok(await performerService(cluster, ns, name), `${name}: service`);
        assert.ok((await getPerformer(cluster, ns, name)).status?.phase, `${name}: status`);
      }
    });
  } finally {
    await second.stop();
  }
});

Deno.test(
  "the operator exits at once on SIGTERM after removing deleted Performers' children",
  opts,
  async () => {
    const cluster = await testCluster();
    const ns = await freshNamespace(cluster, "op");
    const names = Array.from({ length: 20 }, (_, i) => `stop-${i}`);
    const operator = await startOperatorProcess(cluster, { namespace: ns });
    try {
      await Promise.all(names.map((name) => createPerformer(cluster, ns, name)));
      await eventually(async () => {
        for (const name of names) assert.ok(await performerService(cluster, ns, name), name);
      });
      await Promise.all(names.map((name) => deletePerformer(cluster, ns, name)));
      await eventually(async () => {
        for (const name of names) {
          assert.equal(await performerService(cluster, ns, name), undefined, name);
          assert.deepEqual(await performerPods(cluster, ns, name), [], name);
        }
      });
      // Its watches carry the deletions' events; stopping must end them (an operator on the REST
      // client once hung here until killed: aborting the fetch left the body's read pending).
      const started = Date.now();
      const code = await Promise.race([
        operator.stop(),
        new Promise<string>((r) => setTimeout(() => r("still running after 10 s"), 10_000)),
      ]);
      assert.equal(
        code,
        0,
        `exit code; log:\n${operator.logs().split("\n").slice(-20).join("\n")}`,
      );
      assert.ok(Date.now() - started < 5000, `exited after ${Date.now() - started} ms`);
    } finally {
      await operator.kill();
    }
  },
);
