/**
 * The kubelet part against the real API server: hello-performer pods run as local processes on
 * loopback pod IPs, with env from Secrets, probes, crash loops and deletion as on a real node.
 */

import assert from "node:assert/strict";
import {
  alive,
  condition,
  containerPid,
  executeTask,
  healthCheck,
  helloPod,
  opts,
  readPod,
  simTest,
  waitForPod,
} from "./_test_util.ts";
import { eventually } from "../../tests/fixture/eventually.ts";

const isReady = (pod: Parameters<typeof condition>[0]) =>
  condition(pod, "Ready")?.status === "True";

Deno.test(
  "hello pods become Running and Ready on their own loopback IPs, env from a Secret",
  opts,
  async () => {
    const t = await simTest("sim-ready");
    try {
      await t.core.createNamespacedSecret({
        namespace: t.namespace,
        body: { metadata: { name: "hello" }, stringData: { version: "v-from-secret" } },
      });
      const env = [{
        name: "HELLO_VERSION",
        valueFrom: { secretKeyRef: { name: "hello", key: "version" } },
      }];
      await t.core.createNamespacedPod({ namespace: t.namespace, body: helloPod("a", { env }) });
      await t.core.createNamespacedPod({ namespace: t.namespace, body: helloPod("b") });
      const [a, b] = await Promise.all([
        waitForPod(t, "a", "Ready", isReady),
        waitForPod(t, "b", "Ready", isReady),
      ]);
      for (const pod of [a, b]) {
        assert.equal(pod.spec?.nodeName, t.sim.nodeName);
        assert.equal(pod.status?.phase, "Running");
        assert.match(pod.status?.podIP ?? "", /^127\.0\.\d+\.\d+$/);
        assert.deepEqual(pod.status?.podIPs?.map((p) => p.ip), [pod.status?.podIP]);
        assert.equal(pod.status?.hostIP, "127.0.0.1");
        assert.ok(pod.status?.startTime);
        for (const type of ["PodScheduled", "Initialized", "ContainersReady", "Ready"]) {
          assert.equal(condition(pod, type)?.status, "True", type);
          assert.equal(condition(pod, type)?.reason, undefined, `no stale reason on ${type}`);
          assert.equal(condition(pod, type)?.message, undefined, `no stale message on ${type}`);
        }
        const cs = pod.status?.containerStatuses?.[0];
        assert.equal(cs?.name, "performer");
        assert.equal(cs?.ready, true);
        assert.equal(cs?.started, true);
        assert.equal(cs?.restartCount, 0);
        assert.ok(cs?.state?.running?.startedAt);
        assert.equal(cs?.state?.waiting, undefined);
        assert.match(cs?.imageID ?? "", /^sim:\/\/hourglass\/hello-performer@sha256:/);
        assert.ok(alive(containerPid(pod)));
        assert.equal(await healthCheck(`${pod.status?.podIP}:9090`), "SERVING");
      }
      assert.notEqual(
        a.status?.podIP,
        b.status?.podIP,
        "each pod has its own IP, both on port 9090",
      );
      const result = await executeTask(`${a.status?.podIP}:9090`, "hi");
      assert.equal(result.version, "v-from-secret");

      // Probes keep passing every second, but nothing changes: no status writes.
      await new Promise((r) => setTimeout(r, 3000));
      const later = await readPod(t, "a");
      assert.equal(later?.metadata?.resourceVersion, a.metadata?.resourceVersion);
    } finally {
      await t.cleanup();
    }
  },
);

Deno.test("a missing Secret is CreateContainerConfigError until it exists", opts, async () => {
  const t = await simTest("sim-config");
  try {
    const env = [{
      name: "HELLO_VERSION",
      valueFrom: { secretKeyRef: { name: "later", key: "v" } },
    }];
    await t.core.createNamespacedPod({ namespace: t.namespace, body: helloPod("p", { env }) });
    const waiting = await waitForPod(
      t,
      "p",
      "CreateContainerConfigError",
      (p) =>
        p.status?.containerStatuses?.[0]?.state?.waiting?.reason === "CreateContainerConfigError",
    );
    assert.equal(
      waiting.status?.containerStatuses?.[0]?.state?.waiting?.message,
      'secret "later" not found',
    );
    assert.equal(waiting.status?.phase, "Pending");
    assert.equal(condition(waiting, "Ready")?.status, "False");
    await t.core.createNamespacedSecret({
      namespace: t.namespace,
      body: { metadata: { name: "later" }, stringData: { v: "v2" } },
    });
    const ready = await waitForPod(t, "p", "Ready", isReady);
    assert.equal((await executeTask(`${ready.status?.podIP}:9090`, "x")).version, "v2");
  } finally {
    await t.cleanup();
  }
});

Deno.test("HELLO_CRASH_ON_START=1 crash-loops with a growing restartCount", opts, async () => {
  const t = await simTest("sim-crash");
  try {
    const env = [{ name: "HELLO_CRASH_ON_START", value: "1" }];
    await t.core.createNamespacedPod({ namespace: t.namespace, body: helloPod("p", { env }) });
    const looping = await waitForPod(
      t,
      "p",
      "in CrashLoopBackOff",
      (p) => p.status?.containerStatuses?.[0]?.state?.waiting?.reason === "CrashLoopBackOff",
    );
    const cs = looping.status!.containerStatuses![0];
    assert.equal(cs.lastState?.terminated?.exitCode, 1);
    assert.equal(cs.lastState?.terminated?.reason, "Error");
    assert.match(
      cs.state?.waiting?.message ?? "",
      /^back-off \S+ restarting failed container=performer pod=p_/,
    );
    assert.equal(
      looping.status?.phase,
      "Running",
      "restartPolicy Always: a restarting pod is Running",
    );
    assert.equal(condition(looping, "Ready")?.status, "False");
    const first = cs.restartCount;
    const again = await waitForPod(
      t,
      "p",
      "restarted twice more",
      (p) => (p.status?.containerStatuses?.[0]?.restartCount ?? 0) >= first + 2,
    );
    assert.equal(condition(again, "Ready")?.status, "False");
  } finally {
    await t.cleanup();
  }
});

Deno.test(
  "a failing liveness probe restarts the container; readiness keeps it unready",
  opts,
  async () => {
    const t = await simTest("sim-liveness");
    try {
      const env = [{ name: "HELLO_HEALTH", value: "NOT_SERVING" }];
      await t.core.createNamespacedPod({ namespace: t.namespace, body: helloPod("p", { env }) });
      const restarted = await waitForPod(
        t,
        "p",
        "restarted by its liveness probe",
        (p) => (p.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1,
      );
      const last = restarted.status?.containerStatuses?.[0]?.lastState?.terminated;
      assert.ok(last, "the killed process is recorded in lastState");
      assert.equal(condition(restarted, "Ready")?.status, "False");
      assert.equal(condition(restarted, "ContainersReady")?.reason, "ContainersNotReady");
    } finally {
      await t.cleanup();
    }
  },
);

Deno.test("deleting a pod stops its process and the pod disappears", opts, async () => {
  const t = await simTest("sim-delete");
  try {
    await t.core.createNamespacedPod({ namespace: t.namespace, body: helloPod("graceful") });
    await t.core.createNamespacedPod({ namespace: t.namespace, body: helloPod("forced") });
    const graceful = await waitForPod(t, "graceful", "Ready", isReady);
    const forced = await waitForPod(t, "forced", "Ready", isReady);
    const [gracefulPid, forcedPid] = [containerPid(graceful), containerPid(forced)];

    await t.core.deleteNamespacedPod({ name: "graceful", namespace: t.namespace });
    await eventually(async () => {
      assert.equal(await readPod(t, "graceful"), undefined, "the deleted pod is still there");
    }, { timeoutMs: 15_000 });
    assert.equal(alive(gracefulPid), false);

    await t.core.deleteNamespacedPod({
      name: "forced",
      namespace: t.namespace,
      gracePeriodSeconds: 0,
    });
    await eventually(() => {
      assert.equal(alive(forcedPid), false, "the force-deleted pod's process still runs");
    }, { timeoutMs: 15_000 });
  } finally {
    await t.cleanup();
  }
});

Deno.test(
  "a pod created before the simulator starts runs; stop() leaves no process behind",
  opts,
  async () => {
    const t = await simTest("sim-stop", {}, async ({ core, namespace }) => {
      await core.createNamespacedPod({ namespace, body: helloPod("early") });
    });
    let pids: number[] = [];
    try {
      await t.core.createNamespacedPod({ namespace: t.namespace, body: helloPod("late") });
      const pods = await Promise.all(
        ["early", "late"].map((n) => waitForPod(t, n, "Ready", isReady)),
      );
      pids = pods.map(containerPid);
      assert.ok(pids.every(alive));
    } finally {
      await t.cleanup();
    }
    for (const pid of pids) assert.equal(alive(pid), false, `process ${pid} is gone`);
  },
);
