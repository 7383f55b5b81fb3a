import type * as k8s from "@kubernetes/client-node";
import assert from "node:assert/strict";
import {
  type ConfigSource,
  ContainerConfigError,
  containerEnv,
  expand,
  processEnv,
} from "./env.ts";

const source: ConfigSource = {
  secret: (_ns, name) => Promise.resolve(name === "creds" ? { token: "s3cret" } : undefined),
  configMap: (_ns, name) => Promise.resolve(name === "settings" ? { mode: "fast" } : undefined),
};
const facts = { podIP: "127.0.4.5", hostIP: "127.0.0.1" };

function pod(container: Partial<k8s.V1Container>): [k8s.V1Pod, k8s.V1Container] {
  const c = { name: "performer", ...container };
  return [{
    metadata: { name: "p", namespace: "ns", labels: { app: "a" } },
    spec: { containers: [c] },
  }, c];
}

Deno.test("env in order: envFrom, then env with values, refs and expansion", async () => {
  const [p, c] = pod({
    envFrom: [{ configMapRef: { name: "settings" }, prefix: "CFG_" }],
    env: [
      { name: "A", value: "1" },
      { name: "TOKEN", valueFrom: { secretKeyRef: { name: "creds", key: "token" } } },
      { name: "MODE", valueFrom: { configMapKeyRef: { name: "settings", key: "mode" } } },
      { name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
      { name: "APP", valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
      { name: "B", value: "$(A)-$(MISSING)-$$(A)" },
    ],
  });
  assert.deepEqual(await containerEnv(p, c, source, facts), [
    ["CFG_mode", "fast"],
    ["A", "1"],
    ["TOKEN", "s3cret"],
    ["MODE", "fast"],
    ["POD_IP", "127.0.4.5"],
    ["APP", "a"],
    ["B", "1-$(MISSING)-$(A)"],
  ]);
});

Deno.test("a missing secret or key is a CreateContainerConfigError with kubelet's message", async () => {
  const [p1, c1] = pod({
    env: [{ name: "X", valueFrom: { secretKeyRef: { name: "nope", key: "k" } } }],
  });
  await assert.rejects(containerEnv(p1, c1, source, facts), (err: unknown) => {
    assert.ok(err instanceof ContainerConfigError);
    assert.equal(err.reason, "CreateContainerConfigError");
    assert.equal(err.message, 'secret "nope" not found');
    return true;
  });
  const [p2, c2] = pod({
    env: [{ name: "X", valueFrom: { configMapKeyRef: { name: "settings", key: "k" } } }],
  });
  await assert.rejects(
    containerEnv(p2, c2, source, facts),
    /couldn't find key k in ConfigMap ns\/settings/,
  );
});

Deno.test("optional references that are missing leave the variable out", async () => {
  const [p, c] = pod({
    envFrom: [{ secretRef: { name: "nope", optional: true } }],
    env: [{
      name: "X",
      valueFrom: { secretKeyRef: { name: "creds", key: "other", optional: true } },
    }],
  });
  assert.deepEqual(await containerEnv(p, c, source, facts), []);
});

Deno.test("expand leaves unknown references alone", () => {
  assert.equal(expand("$(A)$(B)", new Map([["A", "x"]])), "x$(B)");
  assert.equal(expand("cost: $$5", new Map()), "cost: $5");
});

Deno.test("processEnv: GRPC_PORT from the grpc port, container env wins, bind host is the pod IP", () => {
  const container = {
    name: "performer",
    ports: [{ name: "metrics", containerPort: 8080 }, { name: "grpc", containerPort: 9090 }],
  };
  const pod = { podName: "p", podIP: "127.0.4.5" };
  assert.deepEqual(processEnv(container, [["A", "1"]], pod), {
    HOSTNAME: "p",
    GRPC_PORT: "9090",
    A: "1",
    HOURGLASS_BIND_HOST: "127.0.4.5",
  });
  const env = processEnv(
    container,
    [["GRPC_PORT", "7000"], ["HOURGLASS_BIND_HOST", "0.0.0.0"]],
    pod,
  );
  assert.equal(env.GRPC_PORT, "7000");
  assert.equal(env.HOURGLASS_BIND_HOST, "127.0.4.5");
  assert.equal(
    processEnv({ name: "c", ports: [{ containerPort: 50051 }] }, [], pod).GRPC_PORT,
    "50051",
  );
});
