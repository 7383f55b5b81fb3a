/**
 * The kubernetes runtime against the real API server, the operator (its own process) and the
 * node simulator, authenticated as a ServiceAccount bound only to the executor Role:
 * create → ready (watched) → a real task over the pod IP; restart; remove; fast failures with
 * the operator's reason; deletion and cancellation while waiting; start-up errors that say what
 * is wrong.
 */

import { LABEL } from "../../../shared/api/labels.ts";
import * as grpc from "@grpc/grpc-js";
import * as k8s from "@kubernetes/client-node";
import assert from "node:assert/strict";
import { freePort } from "../../../dev/process.ts";
import { silentLog } from "../../../dev/node_sim/log.ts";
import { GROUP, PLURAL, VERSION } from "../../../shared/api/performer.ts";
import { performerProto } from "../../../shared/proto/load.ts";
import { eventually } from "../../../tests/fixture/eventually.ts";
import {
  type KubeEnv,
  tokenKubeconfig,
  withKubeEnv,
} from "../../../tests/fixture/kube_executor.ts";
import { kubectl } from "../../../tests/fixture/cluster.ts";
import type { InstanceSpec, PerformerRuntime } from "../runtime.ts";
import { KubernetesRuntimeError } from "./errors.ts";
import { KubernetesRuntime, type KubernetesRuntimeOptions } from "./kubernetes_runtime.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const AVS = "0xAB12cd34000000000000000000000000000000Ef";
const EXECUTOR_ID = "0x1111111111111111111111111111111111111111";

let counter = 0;
function helloSpec(env: Record<string, string>, patch: Partial<InstanceSpec> = {}): InstanceSpec {
  const id = `ab12cd34-${(Date.now() % 0xffffff).toString(16)}${(counter++).toString(16)}`;
  return {
    performerId: id,
    avsAddress: AVS,
    image: { repository: "hourglass/hello-performer", tag: "v1" },
    env: Object.entries(env).map(([name, value]) => ({ name, value })),
    kubernetes: { connectVia: "podIP", imagePullPolicy: "IfNotPresent" },
    ...patch,
  };
}

function runtimeFor(env: KubeEnv, patch: Partial<KubernetesRuntimeOptions> = {}) {
  return KubernetesRuntime.connect({
    kubeConfig: env.identity.kubeConfig,
    namespace: env.ns,
    executorId: EXECUTOR_ID,
    connectionTimeoutMs: 10_000,
    readyTimeoutMs: 60_000,
    log: silentLog,
    ...patch,
  });
}

async function executeTask(
  endpoint: string,
  text: string,
): Promise<{ output: string; version: string }> {
  const Service = performerProto().eigenlayer.hourglass.v1.performer.PerformerService;
  const client = new Service(endpoint, grpc.credentials.createInsecure());
  try {
    const result = await new Promise<Uint8Array>((resolve, reject) =>
      client.ExecuteTask(
        {
          taskId: new TextEncoder().encode("0x" + "ab".repeat(32)),
          payload: new TextEncoder().encode(text),
        },
        { deadline: Date.now() + 10_000 },
        (err, res) => err ? reject(err) : resolve(new Uint8Array(res!.result)),
      )
    );
    return JSON.parse(new TextDecoder().decode(result));
  } finally {
    client.close();
  }
}

async function performerExists(env: KubeEnv, name: string): Promise<boolean> {
  const custom = env.cluster.kubeConfig.makeApiClient(k8s.CustomObjectsApi);
  return await custom.getNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    plural: PLURAL,
    namespace: env.ns,
    name,
  })
    .then(() => true, (err) => {
      if (err instanceof k8s.ApiException && err.code === 404) return false;
      throw err;
    });
}

async function rejection(promise: Promise<unknown>): Promise<KubernetesRuntimeError> {
  const err = await promise.then(() => undefined, (e) => e);
  assert.ok(err instanceof KubernetesRuntimeError, `a KubernetesRuntimeError, got ${err}`);
  return err;
}

async function withRuntime(
  prefix: string,
  body: (env: KubeEnv, runtime: PerformerRuntime) => Promise<void>,
): Promise<void> {
  await withKubeEnv(prefix, async (env) => {
    const runtime = await runtimeFor(env);
    try {
      await body(env, runtime);
    } finally {
      await runtime.close();
    }
  });
}

Deno.test(
  "kubernetes runtime: create, serve over the pod IP, restart, list, remove",
  opts,
  async () => {
    await withRuntime("krt", async (env, runtime) => {
      assert.equal(runtime.mode, "kubernetes");
      const spec = helloSpec({ HELLO_VERSION: "k1" });
      const t0 = performance.now();
      const instance = await runtime.create(spec);
      console.error(
        `[measure] runtime.create → ready with endpoint: ${Math.round(performance.now() - t0)} ms`,
      );
      assert.equal(instance.resourceId, spec.performerId);
      assert.match(instance.endpoint, /^127\.0\.\d+\.\d+:9090$/, "the pod IP and grpc port");
      const answer = await executeTask(instance.endpoint, "hi");
      assert.equal(answer.output, "HI");
      assert.equal(answer.version, "k1");
      assert.deepEqual(await runtime.inspect(instance), { running: true });
      const owned = await runtime.listOwned();
      assert.deepEqual(owned.map((i) => [i.performerId, i.endpoint, i.image.tag]), [[
        spec.performerId,
        instance.endpoint,
        "v1",
      ]]);

      const restarted = await runtime.restart(instance);
      assert.notEqual(restarted.endpoint, instance.endpoint, "a new pod, a new pod IP");
      assert.equal((await executeTask(restarted.endpoint, "again")).output, "AGAIN");
      assert.deepEqual(await runtime.inspect(restarted), { running: true });

      await runtime.remove(restarted);
      await runtime.remove(restarted); // already being deleted, or gone: fine
      await eventually(
        async () => assert.equal(await performerExists(env, spec.performerId), false),
        {
          timeoutMs: 20_000,
        },
      );
      const gone = await runtime.inspect(restarted);
      assert.equal(gone.running, false);
      assert.equal(gone.failed, true);
      assert.deepEqual(await runtime.listOwned(), []);
    });
  },
);

Deno.test("kubernetes runtime: failures the operator reports fail create fast", opts, async () => {
  await withRuntime("kfail", async (env, runtime) => {
    const cases: [string, InstanceSpec, string][] = [
      [
        "image pull",
        helloSpec({}, { image: { repository: "registry.invalid/nope", tag: "v2" } }),
        "ImagePullFailed",
      ],
      ["crash loop", helloSpec({ HELLO_CRASH_ON_START: "1" }), "CrashLooping"],
      [
        "unschedulable",
        helloSpec({}, {
          kubernetes: {
            connectVia: "podIP",
            imagePullPolicy: "IfNotPresent",
            hardwareRequirements: { gpuCount: 1 },
          },
        }),
        "Unschedulable",
      ],
    ];
    for (const [what, spec, reason] of cases) {
      const started = performance.now();
      const err = await rejection(runtime.create(spec));
      const ms = Math.round(performance.now() - started);
      console.error(
        `[measure] ${what}: create failed with ${err.reason} after ${ms} ms (ready timeout 60 s)`,
      );
      assert.equal(err.reason, reason, err.message);
      assert.match(
        err.message,
        new RegExp(`Performer "${env.ns}/${spec.performerId}" cannot become ready`),
      );
      assert.ok(ms < 15_000, `${what} failed fast (${ms} ms)`);
      await eventually(
        async () => assert.equal(await performerExists(env, spec.performerId), false),
        {
          timeoutMs: 20_000,
        },
      );
    }
  });
});

Deno.test(
  "kubernetes runtime: deletion, cancellation and the ready timeout end a wait",
  opts,
  async () => {
    await withRuntime("kwait", async (env, runtime) => {
      // NOT_SERVING: the pod runs but never becomes Ready, and nothing is failing.
      const deleted = helloSpec({ HELLO_HEALTH: "NOT_SERVING" });
      const pending = rejection(runtime.create(deleted));
      await eventually(async () =>
        assert.equal(await performerExists(env, deleted.performerId), true)
      );
      await kubectl(env.cluster, [
        "-n",
        env.ns,
        "delete",
        "performer",
        deleted.performerId,
        "--wait=false",
      ]);
      assert.equal((await pending).reason, "Deleted");

      const cancelled = helloSpec({ HELLO_HEALTH: "NOT_SERVING" });
      const abort = new AbortController();
      const waiting = rejection(runtime.create(cancelled, abort.signal));
      await eventually(async () =>
        assert.equal(await performerExists(env, cancelled.performerId), true)
      );
      abort.abort();
      assert.equal((await waiting).reason, "Cancelled");
      await eventually(
        async () => assert.equal(await performerExists(env, cancelled.performerId), false),
        {
          timeoutMs: 20_000,
        },
      );

      const impatient = await runtimeFor(env, { readyTimeoutMs: 3_000 });
      try {
        const started = Date.now();
        const err = await rejection(impatient.create(helloSpec({ HELLO_HEALTH: "NOT_SERVING" })));
        assert.equal(err.reason, "NotReady");
        assert.match(err.message, /was not ready within 3 s \(.+\)/);
        assert.ok(Date.now() - started < 10_000);
      } finally {
        await impatient.close();
      }
    });
  },
);

Deno.test(
  "kubernetes runtime: start-up errors name the cluster and what is missing",
  opts,
  async () => {
    await withKubeEnv("kstart", async (env) => {
      const crd = await rejection(runtimeFor(env, { crdGroup: "missing.example.com" }));
      assert.equal(crd.reason, "CrdMissing");
      assert.match(
        crd.message,
        /the Performer CRD \(performers\.missing\.example\.com\) is not installed in the cluster: install the operator chart/,
      );

      const server = `https://127.0.0.1:${freePort()}`;
      const nowhere = new k8s.KubeConfig();
      const nowherePath = await tokenKubeconfig(env.cluster, server, "x");
      nowhere.loadFromFile(nowherePath);
      await Deno.remove(nowherePath);
      const started = Date.now();
      const down = await rejection(
        runtimeFor(env, { kubeConfig: nowhere, connectionTimeoutMs: 2_000 }),
      );
      assert.equal(down.reason, "ClusterUnreachable");
      assert.match(
        down.message,
        new RegExp(`Cannot reach the Kubernetes API server at ${server} within 2 s`),
      );
      assert.ok(Date.now() - started < 5_000, "within the connection timeout");

      // Another namespace: the Role is bound in env.ns only.
      const other = await rejection(runtimeFor(env, { namespace: "default" }));
      assert.equal(other.reason, "Forbidden");
      assert.match(
        other.message,
        /may not list performers\.hourglass\.eigenlayer\.io in namespace "default"/,
      );
    });
  },
);

Deno.test(
  "kubernetes runtime: Performers carry the executor labels; listOwned sees only its own",
  opts,
  async () => {
    await withRuntime("klabels", async (env, runtime) => {
      const mine = await runtime.create(helloSpec({ HELLO_VERSION: "mine" }));
      const other = await runtimeFor(env, {
        executorId: "0x2222222222222222222222222222222222222222",
      });
      try {
        const theirs = await other.create(helloSpec({ HELLO_VERSION: "theirs" }));
        assert.deepEqual((await runtime.listOwned()).map((i) => i.performerId), [mine.performerId]);
        assert.deepEqual((await other.listOwned()).map((i) => i.performerId), [theirs.performerId]);
        const custom = env.cluster.kubeConfig.makeApiClient(k8s.CustomObjectsApi);
        const p = await custom.getNamespacedCustomObject({
          group: GROUP,
          version: VERSION,
          plural: PLURAL,
          namespace: env.ns,
          name: mine.resourceId,
        }) as { metadata: k8s.V1ObjectMeta; spec: Record<string, unknown> };
        assert.equal(p.metadata.labels?.[LABEL.executor], EXECUTOR_ID);
        assert.equal(p.metadata.labels?.[LABEL.avs], AVS.toLowerCase());
        assert.equal(p.metadata.labels?.["app.kubernetes.io/managed-by"], "hourglass-executor");
        assert.equal(p.spec.image, "hourglass/hello-performer:v1");
        assert.equal(p.spec.version, "v1");
        await other.remove(theirs);
      } finally {
        await other.close();
      }
      await runtime.remove(mine);
    });
  },
);
