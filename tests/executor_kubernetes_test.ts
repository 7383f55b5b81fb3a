/**
 * The executor in kubernetes mode, end to end with real parts: the executor process (outside
 * the cluster, dialling pod IPs) authenticated as a ServiceAccount bound only to the executor
 * Role, the real API server, the operator process, and the node simulator running the hello
 * performer's pods; an "aggregator" signs tasks and calls SubmitTask over gRPC.
 */

import * as grpc from "@grpc/grpc-js";
import * as k8s from "@kubernetes/client-node";
import assert from "node:assert/strict";
import { executorClient } from "../dev/aggregator_client.ts";
import { managementClient } from "../dev/management_client.ts";
import { freePort } from "../dev/process.ts";
import { GROUP } from "../shared/api/performer.ts";
import { freshNamespace, type TestCluster, testCluster } from "./fixture/cluster.ts";
import { eventually } from "./fixture/eventually.ts";
import {
  EXECUTOR_AVS,
  type ExecutorProcess,
  OPERATOR_KEY,
  podmanSocket,
  startExecutorProcess,
} from "./fixture/executor.ts";
import {
  executorIdentity,
  type KubeConfigOptions,
  type KubeEnv,
  kubeExecutorConfig,
  tokenKubeconfig,
  withKubeEnv,
} from "./fixture/kube_executor.ts";
import {
  allowed,
  listPerformers,
  runExecutorUntilExit,
  withKubeExecutor,
} from "./fixture/kube_executor_run.ts";
import { printDeploySplit, watchTimeline } from "./fixture/kube_timeline.ts";
import {
  ecdsaResultSigner,
  helloResult,
  helloTask,
  startTaskFlow,
  statusOf,
} from "./fixture/task_flow.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

Deno.test(
  "kubernetes mode: the executor creates a Performer, and a task comes back signed from its pod",
  opts,
  async () => {
    await withKubeEnv("kexec", async (env) => {
      const core = env.cluster.kubeConfig.makeApiClient(k8s.CoreV1Api);
      await core.createNamespacedSecret({
        namespace: env.ns,
        body: { metadata: { name: "hello" }, stringData: { version: "v1-from-secret" } },
      });
      await core.createNamespacedConfigMap({
        namespace: env.ns,
        body: { metadata: { name: "hello" }, data: { greeting: "hi" } },
      });
      await core.createNamespacedServiceAccount({
        namespace: env.ns,
        body: { metadata: { name: "performer-sa" } },
      });
      const patch: KubeConfigOptions["patch"] = (_config, performer) => {
        performer.envs = [
          {
            name: "HELLO_VERSION",
            kubernetesEnv: { valueFrom: { secretKeyRef: { name: "hello", key: "version" } } },
          },
          {
            name: "GREETING",
            kubernetesEnv: { valueFrom: { configMapKeyRef: { name: "hello", key: "greeting" } } },
          },
          { name: "HELLO_DELAY_MS", valueFromEnv: "TEST_HELLO_DELAY" },
        ];
        performer.kubernetes = {
          connectVia: "podIP",
          imagePullPolicy: "Always",
          serviceAccountName: "performer-sa",
        };
      };
      await withKubeExecutor(env, { patch }, async (executor) => {
        const [p] = await listPerformers(env);
        assert.equal((await listPerformers(env)).length, 1);
        const labels = p.metadata.labels ?? {};
        assert.equal(labels["hourglass.eigenlayer.io/avs"], EXECUTOR_AVS.toLowerCase());
        assert.equal(
          labels["hourglass.eigenlayer.io/executor"],
          OPERATOR_KEY.address.toLowerCase(),
        );
        assert.equal(labels["app.kubernetes.io/managed-by"], "hourglass-executor");
        assert.ok(p.metadata.name!.length <= 53);
        assert.equal(p.spec.image, "hourglass/hello-performer:v1");
        assert.equal(p.spec.imagePullPolicy, "Always", "from the config");
        assert.equal(p.spec.version, "v1");
        assert.deepEqual(
          p.spec.config.environment,
          { HELLO_DELAY_MS: "5" },
          "valueFromEnv resolved",
        );
        assert.deepEqual(p.spec.config.environmentFrom?.map((e) => e.name), [
          "HELLO_VERSION",
          "GREETING",
        ]);
        assert.equal(p.spec.config.serviceAccountName, "performer-sa");
        assert.equal(p.status?.ready, true);
        const pod = await core.readNamespacedPod({ namespace: env.ns, name: p.status!.podName! });
        assert.equal(pod.spec?.serviceAccountName, "performer-sa");
        assert.equal(pod.spec?.containers[0].imagePullPolicy, "Always");

        const client = executorClient(executor.grpcAddress);
        try {
          const t = helloTask({ text: "hello kubernetes" });
          const result = await client.submit(t);
          const body = helloResult(result);
          assert.equal(body.output, "HELLO KUBERNETES");
          assert.equal(body.version, "v1-from-secret", "HELLO_VERSION came from the Secret");
          assert.equal(body.taskId, t.taskId);
          assert.equal(
            ecdsaResultSigner(t, result),
            OPERATOR_KEY.address,
          );
          assert.equal(await statusOf(client.submit(t)), "ALREADY_EXISTS");
        } finally {
          client.close();
        }
        const mgmt = managementClient(executor.managementAddress, OPERATOR_KEY);
        const [listed] = (await mgmt.listPerformers()).performers;
        mgmt.close();
        assert.equal(listed.performerId, p.metadata.name);
        assert.equal(listed.status, "InService");
        assert.equal(listed.resourceHealthy, true);
        assert.equal(listed.applicationHealthy, true);

        // The identity it ran as holds the executor Role and nothing more.
        assert.equal(await allowed(env, env.ns, "watch", "performers", GROUP), true);
        assert.equal(await allowed(env, env.ns, "get", "secrets"), false);
        assert.equal(await allowed(env, env.ns, "delete", "pods"), false);
        assert.equal(await allowed(env, "default", "list", "performers", GROUP), false);
      }, { TEST_HELLO_DELAY: "5" });
      // shutdown.removePerformers: true
      await eventually(async () => assert.deepEqual(await listPerformers(env), []), {
        timeoutMs: 20_000,
      });
    });
  },
);

Deno.test(
  "kubernetes mode: DeployArtifact while tasks flow fails none and deletes the old Performer",
  opts,
  async () => {
    await withKubeEnv("kdeploy", async (env) => {
      await withKubeExecutor(env, {}, async (executor) => {
        const mgmt = managementClient(executor.managementAddress, OPERATOR_KEY);
        const timeline = await watchTimeline(env.cluster, env.ns);
        try {
          const [before] = (await mgmt.listPerformers()).performers;
          const flow = startTaskFlow(executor.grpcAddress, {
            workers: 3,
            taskSleepMs: 300,
            fast: true,
          });
          await new Promise((r) => setTimeout(r, 1_000));
          const deployStart = Date.now();
          const deployed = await mgmt.deployArtifact({
            avsAddress: EXECUTOR_AVS,
            registryUrl: "hourglass/hello-performer:v2",
            digest: "",
            env: [{ name: "HELLO_VERSION", value: "v2" }],
          });
          const deployReturned = Date.now();
          assert.equal(deployed.success, true);
          await new Promise((r) => setTimeout(r, 1_500));
          const outcome = await flow.stop();

          assert.deepEqual(outcome.errors.map((e) => e.message), [], "no task failed");
          assert.equal(outcome.answers.length, outcome.sent, "every task answered");
          const versions = outcome.answers.map((a) => a.version);
          assert.ok(
            versions.includes("v1") && versions.at(-1) === "v2",
            `versions ${versions.join(",")}`,
          );
          // The old Performer is deleted once drained; only the new one is left.
          await eventually(async () => {
            const names = (await listPerformers(env)).map((p) => p.metadata.name);
            assert.deepEqual(names, [deployed.deploymentId]);
          }, { timeoutMs: 20_000 });
          assert.notEqual(before.performerId, deployed.deploymentId);
          const [now] = await listPerformers(env);
          assert.equal(now.spec.image, "hourglass/hello-performer:v2");
          assert.equal(now.spec.version, "v2");

          printDeploySplit(deployed.deploymentId, {
            deployStart,
            firstTask: flow.firstAnswer("v2"),
            deployReturned,
            timeline,
          });

          // By digest: the Performer pins the image; the tag-less version shows the digest.
          const digest = "sha256:" + "5e".repeat(32);
          const pinned = await mgmt.deployArtifact({
            avsAddress: EXECUTOR_AVS,
            registryUrl: "hourglass/hello-performer",
            digest,
            env: [{ name: "HELLO_VERSION", value: "v3" }],
          });
          const p = (await listPerformers(env)).find((x) =>
            x.metadata.name === pinned.deploymentId
          )!;
          assert.equal(p.spec.image, `hourglass/hello-performer@${digest}`);
          assert.equal(p.spec.version, digest.slice(0, 19));
          const client = executorClient(executor.grpcAddress);
          assert.equal(helloResult(await client.submit(helloTask({ text: "x" }))).version, "v3");
          client.close();
        } finally {
          await timeline.stop();
          mgmt.close();
        }
      });
    });
  },
);

Deno.test(
  "kubernetes mode: a broken new version fails the deploy fast and the old one keeps serving",
  opts,
  async () => {
    await withKubeEnv("kbroken", async (env) => {
      await withKubeExecutor(env, {}, async (executor) => {
        const mgmt = managementClient(executor.managementAddress, OPERATOR_KEY);
        try {
          const [before] = (await mgmt.listPerformers()).performers;
          const flow = startTaskFlow(executor.grpcAddress, { workers: 2, taskSleepMs: 100 });
          const broken: [string, Record<string, unknown>, RegExp][] = [
            ["image pull", { registryUrl: "registry.invalid/nope:v2", env: [] }, /ImagePullFailed/],
            [
              "crash loop",
              {
                registryUrl: "hourglass/hello-performer:v2",
                env: [{ name: "HELLO_CRASH_ON_START", value: "1" }],
              },
              /CrashLooping/,
            ],
          ];
          for (const [what, request, reason] of broken) {
            const started = Date.now();
            const err = await mgmt.deployArtifact({
              avsAddress: EXECUTOR_AVS,
              digest: "",
              ...request,
            })
              .then(() => undefined, (e) => e);
            const ms = Date.now() - started;
            console.error(
              `[measure] broken deploy (${what}) failed after ${ms} ms (ready timeout 60 s)`,
            );
            assert.ok(err, `${what}: the deploy fails`);
            assert.match(err.details, reason);
            assert.equal(grpc.status[err.code], "FAILED_PRECONDITION", `${what}: status`);
            assert.ok(ms < 10_000, `${what}: fails fast, not after the ready timeout (${ms} ms)`);
          }
          await new Promise((r) => setTimeout(r, 1_000));
          const outcome = await flow.stop();
          assert.deepEqual(outcome.errors.map((e) => e.message), [], "no task failed");
          assert.deepEqual([...new Set(outcome.answers.map((a) => a.version))], ["v1"]);
          await eventually(async () => {
            const names = (await listPerformers(env)).map((p) => p.metadata.name);
            assert.deepEqual(names, [before.performerId], "the broken Performers are deleted");
          }, { timeoutMs: 20_000 });
          const after = (await mgmt.listPerformers()).performers;
          assert.deepEqual(after.map((p) => [p.performerId, p.status]), [[
            before.performerId,
            "InService",
          ]]);
        } finally {
          mgmt.close();
        }
      });
    });
  },
);

const AVS_B = "0x" + "b0".repeat(20);

Deno.test(
  "kubernetes mode: two executors for two AVSs in two namespaces stay isolated",
  opts,
  async () => {
    await withKubeEnv("kiso-a", async (a) => {
      await withKubeEnv("kiso-b", async (b) => {
        await withKubeExecutor(a, { version: "a1" }, async (execA) => {
          await withKubeExecutor(b, { avsAddress: AVS_B, version: "b1" }, async (execB) => {
            const clientA = executorClient(execA.grpcAddress);
            const clientB = executorClient(execB.grpcAddress);
            const mgmtA = managementClient(execA.managementAddress, OPERATOR_KEY);
            const mgmtB = managementClient(execB.managementAddress, OPERATOR_KEY);
            try {
              assert.equal(
                helloResult(await clientA.submit(helloTask({ text: "a" }))).version,
                "a1",
              );
              assert.equal(
                helloResult(await clientB.submit(helloTask({ text: "b" }, {}, AVS_B))).version,
                "b1",
              );
              assert.equal(
                await statusOf(clientA.submit(helloTask({ text: "x" }, {}, AVS_B))),
                "NOT_FOUND",
              );
              assert.equal(await statusOf(clientB.submit(helloTask({ text: "x" }))), "NOT_FOUND");

              const avsOf = async (env: KubeEnv) =>
                (await listPerformers(env)).map((p) =>
                  p.metadata.labels?.["hourglass.eigenlayer.io/avs"]
                );
              assert.deepEqual(await avsOf(a), [EXECUTOR_AVS.toLowerCase()]);
              assert.deepEqual(await avsOf(b), [AVS_B]);
              assert.deepEqual((await mgmtA.listPerformers()).performers.map((p) => p.avsAddress), [
                EXECUTOR_AVS,
              ]);
              assert.deepEqual((await mgmtB.listPerformers()).performers.map((p) => p.avsAddress), [
                AVS_B,
              ]);
              assert.equal(await allowed(a, b.ns, "list", "performers", GROUP), false);

              // A deploy on one side leaves the other alone.
              const bBefore = (await listPerformers(b)).map((p) => p.metadata.uid);
              const deployed = await mgmtA.deployArtifact({
                avsAddress: EXECUTOR_AVS,
                registryUrl: "hourglass/hello-performer:v2",
                digest: "",
                env: [{ name: "HELLO_VERSION", value: "a2" }],
              });
              assert.equal(deployed.success, true);
              assert.equal(
                helloResult(await clientA.submit(helloTask({ text: "a" }))).version,
                "a2",
              );
              assert.equal(
                helloResult(await clientB.submit(helloTask({ text: "b" }, {}, AVS_B))).version,
                "b1",
              );
              assert.deepEqual((await listPerformers(b)).map((p) => p.metadata.uid), bBefore);
            } finally {
              for (const c of [clientA, clientB, mgmtA, mgmtB]) c.close();
            }
          });
        });
      });
    });
  },
);

Deno.test(
  "kubernetes mode: a missing CRD or an unreachable cluster fails start-up clearly",
  opts,
  async () => {
    const cluster = await testCluster();
    const ns = await freshNamespace(cluster, "kstart");
    const identity = await executorIdentity(cluster, ns);
    const temp = [identity.kubeconfigPath];
    try {
      await startUpErrors(cluster, ns, identity.kubeconfigPath, temp);
    } finally {
      for (const path of temp) await Deno.remove(path, { recursive: true }).catch(() => {});
    }
  },
);

async function startUpErrors(
  cluster: TestCluster,
  ns: string,
  kubeconfigPath: string,
  temp: string[],
): Promise<void> {
  const noCrd = await kubeExecutorConfig({
    namespace: ns,
    kubeconfigPath,
    patch: (
      config,
    ) => ((config.kubernetes as Record<string, unknown>).crdGroup = "missing.example.com"),
  });
  temp.push(noCrd.dir);
  const crd = await runExecutorUntilExit(noCrd.configPath);
  assert.equal(crd.code, 1, crd.output);
  assert.match(
    crd.output,
    /the Performer CRD \(performers\.missing\.example\.com\) is not installed in the cluster: install the operator chart/,
  );

  const server = `https://127.0.0.1:${freePort()}`;
  const nowhere = await tokenKubeconfig(cluster, server, "x");
  temp.push(nowhere);
  const down = await kubeExecutorConfig({
    namespace: ns,
    kubeconfigPath: nowhere,
    patch: (config) => ((config.kubernetes as Record<string, unknown>).connectionTimeout = "2s"),
  });
  temp.push(down.dir);
  const unreachable = await runExecutorUntilExit(down.configPath);
  assert.equal(unreachable.code, 1, unreachable.output);
  assert.match(
    unreachable.output,
    new RegExp(`Cannot reach the Kubernetes API server at ${server} within 2 s`),
  );
  assert.ok(
    unreachable.ms < 15_000,
    `exits soon after the connection timeout (${unreachable.ms} ms)`,
  );
}

Deno.test(
  "the same config with deploymentMode docker still runs its performer in docker",
  opts,
  async () => {
    const socket = await podmanSocket();
    const { configPath, dir } = await kubeExecutorConfig({
      namespace: "unused",
      kubeconfigPath: "/nonexistent",
      version: "v1-docker",
      patch: (config, performer) => {
        performer.deploymentMode = "docker";
        delete performer.kubernetes; // kubernetes-only: the config loader rejects it in docker mode
        config.docker = { host: `unix://${socket}` };
      },
    });
    const executor = await startExecutorProcess(configPath);
    try {
      const client = executorClient(executor.grpcAddress);
      const result = helloResult(await client.submit(helloTask({ text: "docker" })));
      client.close();
      assert.deepEqual([result.output, result.version], ["DOCKER", "v1-docker"]);
      const mgmt = managementClient(executor.managementAddress, OPERATOR_KEY);
      const [p] = (await mgmt.listPerformers()).performers;
      mgmt.close();
      assert.match(String(p.containerId), /^[0-9a-f]{64}$/, "a container, not a Performer");
    } finally {
      const code = await executor.stop();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
      assert.equal(code, 0);
    }
  },
);

Deno.test(
  "kubernetes mode: a performer killed mid-task gives a clear error, and the executor recovers",
  opts,
  async () => {
    await withKubeEnv("kcrash", async (env) => {
      await withKubeExecutor(env, {}, async (executor) => {
        const client = executorClient(executor.grpcAddress);
        try {
          const err = await client.submit(helloTask({ text: "boom", crash: true })).then(
            () => undefined,
            (e) => e,
          );
          assert.ok(err, "the task fails");
          assert.equal(await statusOf(Promise.reject(err)), "UNAVAILABLE");
          const recovered = await eventually(
            async () => await client.submit(helloTask({ text: "again" }), 5_000),
            { timeoutMs: 60_000, intervalMs: 1_000 },
          );
          assert.equal(helloResult(recovered).output, "AGAIN");
        } finally {
          client.close();
        }
      });
    });
  },
);

Deno.test(
  "kubernetes mode: a restarted executor adopts its running Performer instead of creating another",
  opts,
  async () => {
    await withKubeEnv("kadopt", async (env) => {
      const { configPath, dir } = await kubeExecutorConfig({
        namespace: env.ns,
        kubeconfigPath: env.identity.kubeconfigPath,
        patch: (config) => (config.shutdown = { removePerformers: false, drainTimeout: "5s" }),
      });
      const first = await startExecutorProcess(configPath);
      let second: ExecutorProcess | undefined;
      try {
        const [before] = await listPerformers(env);
        await first.kill();
        second = await startExecutorProcess(configPath);
        const mgmt = managementClient(second.managementAddress, OPERATOR_KEY);
        const listed = (await mgmt.listPerformers()).performers;
        mgmt.close();
        assert.deepEqual(listed.map((p) => p.performerId), [before.metadata.name]);
        assert.deepEqual((await listPerformers(env)).map((p) => p.metadata.uid), [
          before.metadata.uid,
        ]);
        const client = executorClient(second.grpcAddress);
        assert.equal(
          helloResult(await client.submit(helloTask({ text: "still here" }))).output,
          "STILL HERE",
        );
        client.close();
      } finally {
        await first.stop();
        await second?.stop();
        await Deno.remove(dir, { recursive: true }).catch(() => {});
      }
    });
  },
);
