import assert from "node:assert/strict";
import { LABEL } from "../../../shared/api/labels.ts";
import type { InstanceSpec } from "../runtime.ts";
import {
  containerEnv,
  type ContainerInspect,
  containerName,
  createBody,
  endpointOf,
  IMAGE_LABEL,
  instanceOf,
  runtimeStateOf,
  validateSpec,
} from "./_container.ts";
import { DockerRuntimeError } from "./errors.ts";

const AVS = "0xAbCdEf0123456789abcdef0123456789ABCDEF01";
const DIGEST = "sha256:" + "0a".repeat(32);

function spec(overrides: Partial<InstanceSpec> = {}): InstanceSpec {
  return {
    performerId: "abcdef01-1a2b3c4d",
    avsAddress: AVS,
    image: { repository: "ghcr.io/layr-labs/hello", tag: "v1.2.0" },
    env: [{ name: "HELLO_VERSION", value: "v1" }],
    ...overrides,
  };
}

function inspected(overrides: {
  State?: Partial<ContainerInspect["State"]>;
  HostConfig?: ContainerInspect["HostConfig"];
  NetworkSettings?: ContainerInspect["NetworkSettings"];
  Labels?: Record<string, string>;
} = {}): ContainerInspect {
  return {
    Id: "0123456789abcdef".repeat(4),
    Name: "/hourglass-abcdef01-p1",
    Created: "2026-01-02T03:04:05.123456789Z",
    Config: {
      Image: "ghcr.io/layr-labs/hello:v1.2.0",
      Labels: overrides.Labels ?? {
        [LABEL.avs]: AVS.toLowerCase(),
        [LABEL.performerId]: "p1",
        [LABEL.executor]: "ex",
        [IMAGE_LABEL]: `ghcr.io/layr-labs/hello:v1.2.0@${DIGEST}`,
      },
    },
    State: { Status: "running", Running: true, ExitCode: 0, ...overrides.State },
    HostConfig: overrides.HostConfig ?? {},
    NetworkSettings: overrides.NetworkSettings ?? {},
  };
}

const invalidSpec = (err: unknown) =>
  err instanceof DockerRuntimeError && err.reason === "InvalidSpec";

Deno.test("containerName: hourglass-<first 8 hex of the AVS, lower-case>-<performer id>", () => {
  assert.equal(containerName(spec()), "hourglass-abcdef01-abcdef01-1a2b3c4d");
});

Deno.test("validateSpec accepts real references and refuses ones that would misroute a path", () => {
  validateSpec(spec());
  validateSpec(spec({ image: { repository: "localhost:5000/a/b_c", tag: "x", digest: DIGEST } }));
  validateSpec(spec({ image: { repository: "hourglass/hello-performer", tag: "test" } }));
  // Pinned by digest only, as DeployArtifact with a digest asks for it.
  validateSpec(spec({ image: { repository: "ghcr.io/acme/perf", tag: "", digest: DIGEST } }));
  const bad: Partial<InstanceSpec>[] = [
    { performerId: "Upper" },
    { performerId: "x".repeat(64) },
    { avsAddress: "0x1234" },
    { image: { repository: "a/../../containers/x", tag: "v1" } },
    { image: { repository: "Hello", tag: "v1" } },
    { image: { repository: "a", tag: "v1?x=1" } },
    { image: { repository: "a", tag: "v1", digest: "sha256:short" } },
    { image: { repository: "a", tag: "" } },
  ];
  for (const overrides of bad) {
    assert.throws(() => validateSpec(spec(overrides)), invalidSpec, JSON.stringify(overrides));
  }
});

Deno.test("containerEnv: spec values, then GRPC_PORT=8080 and AVS_ADDRESS; reserved names replaced", () => {
  const { env, replaced } = containerEnv(spec({
    env: [{ name: "A", value: "1" }, { name: "GRPC_PORT", value: "9999" }, {
      name: "B",
      value: "",
    }],
  }));
  assert.deepEqual(env, ["A=1", "B=", "GRPC_PORT=8080", `AVS_ADDRESS=${AVS}`]);
  assert.deepEqual(replaced, ["GRPC_PORT"]);
});

Deno.test("containerEnv refuses Kubernetes-only valueFrom entries, without quoting any value", () => {
  const withSecret = spec({
    env: [{ name: "TOKEN", value: "s3cret" }, {
      name: "KEY",
      valueFrom: { secretKeyRef: { name: "keys", key: "k" } },
    }],
  });
  assert.throws(
    () => containerEnv(withSecret),
    (err: Error) =>
      invalidSpec(err) && /env "KEY"/.test(err.message) && !/s3cret/.test(err.message),
  );
});

Deno.test("createBody: labels, loopback-only random port, no auto-remove, no restart policy", () => {
  const body = createBody(spec({ image: { repository: "r/x", tag: "t", digest: DIGEST } }), {
    executorId: "exec-1",
    env: ["A=1"],
  });
  assert.deepEqual(body, {
    Image: `r/x@${DIGEST}`,
    Env: ["A=1"],
    Labels: {
      [LABEL.avs]: AVS.toLowerCase(),
      [LABEL.performerId]: "abcdef01-1a2b3c4d",
      [LABEL.executor]: "exec-1",
      [IMAGE_LABEL]: `r/x:t@${DIGEST}`,
    },
    ExposedPorts: { "8080/tcp": {} },
    HostConfig: {
      AutoRemove: false,
      RestartPolicy: { Name: "no" },
      SecurityOpt: ["no-new-privileges"],
      CapDrop: ["ALL"],
      PortBindings: { "8080/tcp": [{ HostIp: "127.0.0.1", HostPort: "" }] },
    },
  });
});

Deno.test("createBody with a network: attached to it, nothing published", () => {
  const body = createBody(spec(), { executorId: "e", env: [], network: "hourglass" });
  assert.deepEqual(body.HostConfig, {
    AutoRemove: false,
    RestartPolicy: { Name: "no" },
    SecurityOpt: ["no-new-privileges"],
    CapDrop: ["ALL"],
    NetworkMode: "hourglass",
  });
  assert.deepEqual(body.NetworkingConfig, { EndpointsConfig: { hourglass: {} } });
});

Deno.test("createBody: memory (no swap beyond it) and pids limits; 0 leaves them out", () => {
  const limited = createBody(spec(), {
    executorId: "e",
    env: [],
    limits: { memoryBytes: 512 * 2 ** 20, pids: 256 },
  }).HostConfig as Record<string, unknown>;
  assert.equal(limited.Memory, 536_870_912);
  assert.equal(limited.MemorySwap, 536_870_912);
  assert.equal(limited.PidsLimit, 256);
  const unlimited = createBody(spec(), {
    executorId: "e",
    env: [],
    limits: { memoryBytes: 0, pids: 0 },
  }).HostConfig as Record<string, unknown>;
  for (const key of ["Memory", "MemorySwap", "PidsLimit"]) assert.ok(!(key in unlimited), key);
});

Deno.test("endpointOf: the published port, Podman's kept binding, the network name, or empty", () => {
  const binding = (HostPort: string) => ({ "8080/tcp": [{ HostIp: "127.0.0.1", HostPort }] });
  assert.equal(
    endpointOf(inspected({ NetworkSettings: { Ports: binding("41234") } })),
    "127.0.0.1:41234",
  );
  // Docker: stopped, the random port is forgotten and PortBindings holds the request ("").
  assert.equal(
    endpointOf(inspected({ HostConfig: { PortBindings: binding("") }, NetworkSettings: {} })),
    "",
  );
  // Podman: the chosen port is written back into PortBindings.
  assert.equal(
    endpointOf(inspected({ HostConfig: { PortBindings: binding("40000") }, NetworkSettings: {} })),
    "127.0.0.1:40000",
  );
  const onNetwork = inspected({ NetworkSettings: { Networks: { hourglass: {} } } });
  assert.equal(endpointOf(onNetwork, "hourglass"), "hourglass-abcdef01-p1:8080");
  assert.equal(endpointOf(onNetwork, "other"), "");
});

Deno.test("instanceOf reads labels back, keeping the tag of a pinned image", () => {
  const instance = instanceOf(
    inspected({
      NetworkSettings: { Ports: { "8080/tcp": [{ HostIp: "127.0.0.1", HostPort: "1" }] } },
    }),
  );
  assert.deepEqual(instance, {
    performerId: "p1",
    avsAddress: AVS.toLowerCase(),
    image: { repository: "ghcr.io/layr-labs/hello", tag: "v1.2.0", digest: DIGEST },
    endpoint: "127.0.0.1:1",
    resourceId: "0123456789abcdef".repeat(4),
    createdAt: new Date("2026-01-02T03:04:05.123Z"),
  });
  assert.equal(instanceOf(inspected({ Labels: { [LABEL.executor]: "ex" } })), undefined);
});

Deno.test("an image pinned by digest only is labelled repo@digest and read back without a tag", () => {
  const image = { repository: "localhost:5000/a/b", tag: "", digest: DIGEST };
  const { Labels } = createBody(spec({ image }), { executorId: "ex", env: [] }) as {
    Labels: Record<string, string>;
  };
  assert.equal(Labels[IMAGE_LABEL], `localhost:5000/a/b@${DIGEST}`);
  assert.deepEqual(instanceOf(inspected({ Labels }))?.image, image);
  // Without the label, from the engine's Config.Image: no "latest" invented for a digest.
  const { [IMAGE_LABEL]: _, ...unlabelled } = Labels;
  const found = inspected({ Labels: unlabelled });
  found.Config.Image = `localhost:5000/a/b@${DIGEST}`;
  assert.deepEqual(instanceOf(found)?.image, image);
});

Deno.test("runtimeStateOf: running, stopped states failed with their reason, transient ones not", () => {
  const state = (s: Partial<ContainerInspect["State"]>) => runtimeStateOf(inspected({ State: s }));
  assert.deepEqual(state({}), { running: true });
  assert.deepEqual(state({ Status: "running", Paused: true }), {
    running: false,
    detail: "paused",
  });
  assert.deepEqual(state({ Status: "exited", Running: false, ExitCode: 3 }), {
    running: false,
    failed: true,
    detail: "exited with code 3",
  });
  assert.equal(
    state({ Status: "exited", Running: false, ExitCode: 137 }).detail,
    "exited with code 137 (killed by signal SIGKILL)",
  );
  assert.equal(
    state({ Status: "exited", Running: false, ExitCode: 137, OOMKilled: true }).detail,
    "exited with code 137 (out of memory)",
  );
  assert.deepEqual(
    state({ Status: "created", Running: false, ExitCode: 127, Error: "exec: not found" }),
    { running: false, failed: true, detail: "could not start: exec: not found" },
  );
  assert.deepEqual(state({ Status: "created", Running: false }), {
    running: false,
    detail: "created, not started",
  });
  assert.equal(state({ Status: "dead", Running: false }).failed, true);
  assert.deepEqual(state({ Status: "restarting", Running: false }), {
    running: false,
    detail: "restarting",
  });
});

Deno.test("the spec fingerprint is a container label, read back into the instance; none without", () => {
  const fingerprint = "0123456789abcdef".repeat(2);
  const { Labels } = createBody(spec({ specFingerprint: fingerprint }), {
    executorId: "ex",
    env: [],
  }) as { Labels: Record<string, string> };
  assert.equal(Labels[LABEL.specFingerprint], fingerprint);
  assert.equal(instanceOf(inspected({ Labels }))?.specFingerprint, fingerprint);
  // A container of an older executor: no label, no fingerprint (adopted by its image alone).
  const { Labels: old } = createBody(spec(), { executorId: "ex", env: [] }) as {
    Labels: Record<string, string>;
  };
  assert.equal(LABEL.specFingerprint in old, false);
  const legacy = instanceOf(inspected({ Labels: old }));
  assert.ok(legacy);
  assert.equal("specFingerprint" in legacy, false);
});
