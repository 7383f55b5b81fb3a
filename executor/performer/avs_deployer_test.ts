import assert from "node:assert/strict";
import {
  AvsPerformerConfig,
  type DeploymentMode,
  type PerformerImage,
} from "../../shared/config/executor_config.ts";
import { eventually } from "../../tests/fixture/eventually.ts";
import {
  AvsDeployer,
  type DeployerLifecycle,
  type DeploySource,
  specFingerprint,
} from "./avs_deployer.ts";
import type { InstanceInfo } from "./lifecycle.ts";
import type { InstanceSpec, PerformerInstance } from "./runtime.ts";

const AVS = "0xAb12Cd3400000000000000000000000000000001";
const V1: PerformerImage = { repository: "ghcr.io/acme/performer", tag: "v1" };
const V2: PerformerImage = { repository: "ghcr.io/acme/performer", tag: "v2" };

type Deployed = Omit<InstanceSpec, "performerId">;

/**
 * The lifecycle as the deployer sees it: owned instances found at start-up, which of them serve
 * (adopt succeeds), and every deploy, adoption and removal recorded.
 */
class FakeLifecycle implements DeployerLifecycle {
  readonly deployed: Deployed[] = [];
  readonly removed: string[] = [];
  readonly adopted: string[] = [];
  readonly #current = new Map<string, PerformerInstance>();
  #nextId = 0;

  constructor(
    readonly owned: PerformerInstance[] = [],
    readonly serving = new Set(owned.map((i) => i.performerId)),
    /** Deploys that fail before one succeeds. */
    public failures = 0,
  ) {}

  deploy(spec: Deployed): Promise<InstanceInfo> {
    if (this.failures > 0) {
      this.failures--;
      return Promise.reject(new Error("image pull failed"));
    }
    this.deployed.push(spec);
    const instance = instanceOf(spec, `new-${this.#nextId++}`);
    this.#current.set(spec.avsAddress.toLowerCase(), instance);
    return Promise.resolve({
      performerId: instance.performerId,
      avsAddress: spec.avsAddress,
      status: "InService",
      instance,
      resourceHealthy: true,
      applicationHealthy: true,
    });
  }

  adopt(instance: PerformerInstance): Promise<boolean> {
    if (!this.serving.has(instance.performerId)) return Promise.resolve(false);
    this.adopted.push(instance.performerId);
    this.#current.set(instance.avsAddress.toLowerCase(), instance);
    return Promise.resolve(true);
  }

  hasCurrent(avs: string): boolean {
    return this.#current.has(avs.toLowerCase());
  }

  listOwnedInstances(): Promise<PerformerInstance[]> {
    return Promise.resolve(this.owned);
  }

  removeInstance(instance: PerformerInstance): Promise<void> {
    this.removed.push(instance.performerId);
    return Promise.resolve();
  }
}

/** The instance a runtime reads back of what `spec` created (image and fingerprint labels). */
function instanceOf(
  spec: Deployed,
  performerId: string,
  createdAt = new Date(),
): PerformerInstance {
  return {
    performerId,
    avsAddress: spec.avsAddress.toLowerCase(),
    image: spec.image,
    endpoint: "127.0.0.1:1",
    resourceId: `c-${performerId}`,
    createdAt,
    ...(spec.specFingerprint ? { specFingerprint: spec.specFingerprint } : {}),
  };
}

function avsConfig(patch: Record<string, unknown> = {}): AvsPerformerConfig {
  return AvsPerformerConfig.parse({
    avsAddress: AVS,
    image: V1,
    envs: [{ name: "HELLO_VERSION", value: "v1" }, { name: "API_KEY", valueFromEnv: "AVS_KEY" }],
    ...patch,
  });
}

/** A deployer on `kv` over `lifecycle`, logging into `logs`. */
function deployer(
  kv: Deno.Kv,
  lifecycle: FakeLifecycle,
  options: { mode?: DeploymentMode; processEnv?: Record<string, string> } = {},
) {
  const logs: { level: string; msg: string; fields?: Record<string, unknown> }[] = [];
  const d = new AvsDeployer({
    lifecycle,
    mode: options.mode ?? "docker",
    processEnv: options.processEnv ?? { AVS_KEY: "secret-1" },
    kv,
    log: (level, msg, fields) =>
      logs.push({ level, msg, fields: fields as Record<string, unknown> | undefined }),
  });
  return { deployer: d, logs };
}

/** What executor run `first` left running, as the next start finds it. */
async function leftBy(kv: Deno.Kv, avs: AvsPerformerConfig, createdAt?: Date) {
  const first = new FakeLifecycle();
  await deployer(kv, first).deployer.recover([avs], AbortSignal.abort());
  assert.equal(first.deployed.length, 1);
  return instanceOf(first.deployed[0], "old-1", createdAt);
}

const BASE: DeploySource = {
  image: V1,
  env: [{ name: "A", value: "1" }, { name: "B", valueFromEnv: "SECRET_B" }],
  kubernetes: {
    connectVia: "service",
    imagePullPolicy: "IfNotPresent",
    serviceAccountName: "sa-1",
  },
};

Deno.test("specFingerprint: 32 hex digits, the same for the same spec written in another key order", () => {
  const fp = specFingerprint(BASE);
  assert.match(fp, /^[0-9a-f]{32}$/);
  const reordered: DeploySource = {
    kubernetes: {
      serviceAccountName: "sa-1",
      imagePullPolicy: "IfNotPresent",
      connectVia: "service",
    },
    env: [{ valueFromEnv: "SECRET_B", name: "B" }, { value: "1", name: "A" }],
    image: { tag: "v1", repository: "ghcr.io/acme/performer" },
  };
  assert.equal(specFingerprint(reordered), fp);
  // A gRPC request's unset fields (empty strings, nulls) mean the same as absent ones.
  const fromRequest: DeploySource = {
    ...BASE,
    env: [
      { name: "A", value: "1", valueFromEnv: "", kubernetesEnv: null },
      { name: "B", value: "", valueFromEnv: "SECRET_B" },
    ],
  };
  assert.equal(specFingerprint(fromRequest), fp);
  // A later entry of a name replaces an earlier one, as when the env is resolved.
  const overridden: DeploySource = { ...BASE, env: [{ name: "A", value: "0" }, ...BASE.env] };
  assert.equal(specFingerprint(overridden), fp);
});

Deno.test("specFingerprint changes with the image, any env entry and the service account", () => {
  const fp = specFingerprint(BASE);
  const changed: Record<string, DeploySource> = {
    "another tag": { ...BASE, image: V2 },
    "a digest": { ...BASE, image: { ...V1, digest: "sha256:" + "ab".repeat(32) } },
    "a literal value": { ...BASE, env: [{ name: "A", value: "2" }, BASE.env[1]] },
    "a name": { ...BASE, env: [{ name: "A2", value: "1" }, BASE.env[1]] },
    "another valueFromEnv": { ...BASE, env: [BASE.env[0], { name: "B", valueFromEnv: "OTHER" }] },
    "a Secret instead": {
      ...BASE,
      env: [BASE.env[0], {
        name: "B",
        kubernetesEnv: { valueFrom: { secretKeyRef: { name: "s", key: "SECRET_B" } } },
      }],
    },
    "one more entry": { ...BASE, env: [...BASE.env, { name: "C", value: "" }] },
    "the service account": {
      ...BASE,
      kubernetes: { ...BASE.kubernetes!, serviceAccountName: "x" },
    },
    "no kubernetes settings": { ...BASE, kubernetes: undefined },
  };
  const seen = new Set([fp]);
  for (const [what, source] of Object.entries(changed)) {
    const other = specFingerprint(source);
    assert.ok(!seen.has(other), `${what}: fingerprint ${other} not changed`);
    seen.add(other);
  }
});

Deno.test("the fingerprint a deploy labels with never depends on resolved secret values", async () => {
  using kv = await Deno.openKv(":memory:");
  const avs = avsConfig();
  const a = new FakeLifecycle();
  const b = new FakeLifecycle();
  await deployer(kv, a, { processEnv: { AVS_KEY: "secret-1" } }).deployer.deploy(avs, V1);
  await deployer(kv, b, { processEnv: { AVS_KEY: "secret-2" } }).deployer.deploy(avs, V1);
  const [sa, sb] = [a.deployed[0], b.deployed[0]];
  assert.deepEqual(sa.env.find((e) => e.name === "API_KEY"), {
    name: "API_KEY",
    value: "secret-1",
  });
  assert.deepEqual(sb.env.find((e) => e.name === "API_KEY"), {
    name: "API_KEY",
    value: "secret-2",
  });
  assert.ok(sa.specFingerprint);
  assert.equal(sa.specFingerprint, sb.specFingerprint);
});

Deno.test("recover adopts a serving performer of the wanted spec and deploys nothing", async () => {
  using kv = await Deno.openKv(":memory:");
  const avs = avsConfig();
  const old = await leftBy(kv, avs);
  const next = new FakeLifecycle([old]);
  const { deployer: d, logs } = deployer(kv, next);
  await d.recover([avs], AbortSignal.abort());
  assert.deepEqual(next.adopted, ["old-1"]);
  assert.deepEqual(next.deployed, []);
  assert.deepEqual(next.removed, []);
  assert.ok(logs.some((l) => l.msg === "adopted a running performer"));
});

Deno.test("recover replaces a performer whose configured env changed, saying why", async () => {
  using kv = await Deno.openKv(":memory:");
  const old = await leftBy(kv, avsConfig());
  const changed = avsConfig({ envs: [{ name: "HELLO_VERSION", value: "v1-docker" }] });
  const next = new FakeLifecycle([old]);
  const { deployer: d, logs } = deployer(kv, next);
  await d.recover([changed], AbortSignal.abort());
  assert.deepEqual(next.adopted, [], "the old performer is not adopted");
  assert.deepEqual(next.removed, ["old-1"]);
  assert.equal(next.deployed.length, 1);
  assert.deepEqual(next.deployed[0].env, [{ name: "HELLO_VERSION", value: "v1-docker" }]);
  assert.notEqual(next.deployed[0].specFingerprint, old.specFingerprint);
  const removal = logs.find((l) => l.msg === "removing a leftover performer");
  assert.match(String(removal?.fields?.reason), /spec changed/);
});

Deno.test("recover in kubernetes mode replaces on a kubernetes change; docker mode ignores it", async () => {
  for (const mode of ["kubernetes", "docker"] as const) {
    using kv = await Deno.openKv(":memory:");
    const avs = avsConfig({ kubernetes: { serviceAccountName: "a" } });
    const first = new FakeLifecycle();
    await deployer(kv, first, { mode }).deployer.recover([avs], AbortSignal.abort());
    const old = instanceOf(first.deployed[0], "old-1");
    const next = new FakeLifecycle([old]);
    const edited = avsConfig({ kubernetes: { serviceAccountName: "b" } });
    await deployer(kv, next, { mode }).deployer.recover([edited], AbortSignal.abort());
    if (mode === "kubernetes") {
      assert.deepEqual([next.adopted, next.removed], [[], ["old-1"]], mode);
      assert.equal(next.deployed[0].kubernetes?.serviceAccountName, "b");
    } else {
      assert.deepEqual([next.adopted, next.removed], [["old-1"], []], mode);
    }
  }
});

Deno.test("recover adopts a performer of an older executor (no fingerprint) by its image", async () => {
  using kv = await Deno.openKv(":memory:");
  const avs = avsConfig();
  const { specFingerprint: _, ...legacy } = await leftBy(kv, avs);
  const otherImage = { ...legacy, performerId: "old-2", image: V2 };
  const next = new FakeLifecycle([legacy, otherImage]);
  const { deployer: d, logs } = deployer(kv, next);
  await d.recover([avs], AbortSignal.abort());
  assert.deepEqual(next.adopted, ["old-1"]);
  assert.deepEqual(next.deployed, []);
  assert.deepEqual(next.removed, ["old-2"], "another image is still a leftover");
  assert.ok(logs.some((l) => /older executor/.test(l.msg)), JSON.stringify(logs));
});

Deno.test("recover prefers the newest of the wanted spec; one that does not serve is removed", async () => {
  using kv = await Deno.openKv(":memory:");
  const avs = avsConfig();
  const base = await leftBy(kv, avs, new Date(1_000));
  const newer = { ...base, performerId: "old-2", createdAt: new Date(2_000) };
  const { specFingerprint: _, ...newestLegacy } = {
    ...base,
    performerId: "old-3",
    createdAt: new Date(3_000),
  };
  const next = new FakeLifecycle([base, newer, newestLegacy], new Set(["old-1", "old-3"]));
  await deployer(kv, next).deployer.recover([avs], AbortSignal.abort());
  // old-2 (fingerprinted, newest) does not serve; old-1 (fingerprinted) wins over the legacy one.
  assert.deepEqual(next.adopted, ["old-1"]);
  assert.deepEqual(next.removed.sort(), ["old-2", "old-3"]);
});

Deno.test("DeployArtifact's env and service account are redeployed after a restart", async () => {
  using kv = await Deno.openKv(":memory:");
  const avs = avsConfig();
  const extras = {
    env: [{ name: "HELLO_VERSION", value: "from-artifact", valueFromEnv: "" }],
    serviceAccountName: "artifact-sa",
  };
  const first = new FakeLifecycle();
  await deployer(kv, first, { mode: "kubernetes" }).deployer.deploy(avs, V2, extras);
  const made = first.deployed[0];
  // The performer died meanwhile: nothing to adopt at the next start.
  const next = new FakeLifecycle([instanceOf(made, "dead")], new Set());
  await deployer(kv, next, { mode: "kubernetes" }).deployer.recover([avs], AbortSignal.abort());
  assert.equal(next.deployed.length, 1);
  const again = next.deployed[0];
  assert.deepEqual(again.image, V2);
  assert.deepEqual(again.env.find((e) => e.name === "HELLO_VERSION"), {
    name: "HELLO_VERSION",
    value: "from-artifact",
  });
  assert.equal(again.kubernetes?.serviceAccountName, "artifact-sa");
  assert.equal(again.specFingerprint, made.specFingerprint, "the same spec as DeployArtifact's");
  assert.deepEqual(next.removed, ["dead"]);
});

Deno.test("the background retry redeploys with DeployArtifact's extras", async () => {
  using kv = await Deno.openKv(":memory:");
  const avs = avsConfig();
  const extras = { env: [{ name: "HELLO_VERSION", value: "from-artifact" }] };
  await deployer(kv, new FakeLifecycle()).deployer.deploy(avs, V2, extras);
  const next = new FakeLifecycle([], new Set(), 1);
  const stop = new AbortController();
  try {
    const { deployer: d, logs } = deployer(kv, next);
    await d.recover([avs], stop.signal);
    assert.ok(logs.some((l) => /initial deploy failed/.test(l.msg)));
    // The first retry comes after 5 s (±20 %).
    await eventually(() => assert.equal(next.deployed.length, 1), { timeoutMs: 15_000 });
    assert.deepEqual(next.deployed[0].image, V2);
    assert.ok(next.deployed[0].env.some((e) => "value" in e && e.value === "from-artifact"));
  } finally {
    stop.abort();
  }
});

Deno.test("a record of an older version (image only) still loads: that image, no extras", async () => {
  using kv = await Deno.openKv(":memory:");
  await kv.set(["deployments", AVS.toLowerCase()], { image: V2 });
  const lifecycle = new FakeLifecycle();
  const { deployer: d } = deployer(kv, lifecycle);
  assert.deepEqual(await d.wanted(avsConfig()), { image: V2, extras: {} });
  await d.recover([avsConfig()], AbortSignal.abort());
  assert.deepEqual(lifecycle.deployed[0].image, V2);
  assert.deepEqual(lifecycle.deployed[0].env.map((e) => e.name), ["HELLO_VERSION", "API_KEY"]);
});

Deno.test("a deployment too large to remember is refused before anything is deployed", async () => {
  using kv = await Deno.openKv(":memory:");
  const lifecycle = new FakeLifecycle();
  const { deployer: d } = deployer(kv, lifecycle);
  const env = [{ name: "BIG", value: "x".repeat(70_000) }];
  await assert.rejects(d.deploy(avsConfig(), V2, { env }), /too large to remember/);
  assert.deepEqual(lifecycle.deployed, []);
  assert.equal((await kv.get(["deployments", AVS.toLowerCase()])).value, null);
});

Deno.test("start-up deploys are not remembered: an edited config image is deployed next time", async () => {
  using kv = await Deno.openKv(":memory:");
  const old = await leftBy(kv, avsConfig());
  assert.equal((await kv.get(["deployments", AVS.toLowerCase()])).value, null);
  const next = new FakeLifecycle([old]);
  const { deployer: d, logs } = deployer(kv, next);
  await d.recover([avsConfig({ image: V2 })], AbortSignal.abort());
  assert.deepEqual(next.adopted, []);
  assert.deepEqual(next.deployed.map((s) => s.image), [V2]);
  assert.deepEqual(next.removed, ["old-1"]);
  const removal = logs.find((l) => l.msg === "removing a leftover performer");
  assert.match(String(removal?.fields?.reason), /not the wanted image/);
  // A DeployArtifact's image, though, stays wanted over the configured one.
  await d.deploy(avsConfig({ image: V2 }), V1);
  const third = new FakeLifecycle();
  await deployer(kv, third).deployer.recover([avsConfig({ image: V2 })], AbortSignal.abort());
  assert.deepEqual(third.deployed.map((s) => s.image), [V1]);
});
