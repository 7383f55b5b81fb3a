/**
 * The docker runtime's ownership and naming under real Podman: listOwned finds this executor's
 * containers in every state and nobody else's; instances of one AVS never collide; a reused
 * performer id is a clear conflict; a user-defined network replaces port publishing.
 */

import assert from "node:assert/strict";
import { waitForServing } from "../../../shared/grpc/health_client.ts";
import { randomTaskId } from "../../../sdk/testing.ts";
import { eventually } from "../../../tests/fixture/eventually.ts";
import type { PerformerInstance } from "../runtime.ts";
import {
  CONTAINER_TEST,
  executeTask,
  HELLO,
  helloSpec,
  podmanFixture,
  randomId,
} from "./_test_util.ts";
import { DockerRuntimeError } from "./errors.ts";

const SERVING = { waitMs: 30_000, intervalMs: 20 };
const byId = (a: PerformerInstance, b: PerformerInstance) => a.resourceId < b.resourceId ? -1 : 1;

Deno.test(
  "docker runtime: ownership, names and networks under Podman",
  CONTAINER_TEST,
  async (t) => {
    await using f = await podmanFixture();

    await t.step("listOwned finds this executor's containers, running or not, only", async () => {
      const mine = f.runtime();
      const theirs = f.runtime();
      const running = await mine.create(helloSpec());
      const stopped = await mine.create(helloSpec());
      const other = await theirs.create(helloSpec());
      await f.observer.request("POST", `/containers/${stopped.resourceId}/kill`);
      await eventually(async () => {
        assert.equal((await mine.inspect(stopped)).running, false, "the kill does not show yet");
      }, { timeoutMs: 20_000 });

      const owned = (await mine.listOwned()).sort(byId);
      assert.deepEqual(
        owned.map(({ createdAt: _, ...rest }) => rest),
        [running, stopped].sort(byId).map(({ createdAt: _, ...rest }) => rest),
        "same performer id, AVS (lower-case), image, endpoint and container id",
      );
      for (const instance of owned) assert.ok(instance.createdAt.getTime() > Date.now() - 60_000);
      assert.deepEqual((await theirs.listOwned()).map((i) => i.resourceId), [other.resourceId]);
      assert.deepEqual(owned[0].image, HELLO);

      // A restarted executor adopts what it finds: the adopted instance is usable as it is.
      const adopted = owned.find((i) => i.resourceId === running.resourceId)!;
      await waitForServing(adopted.endpoint, SERVING);
      for (const instance of [running, stopped]) await mine.remove(instance);
      await theirs.remove(other);
      assert.deepEqual(await mine.listOwned(), []);
    });

    await t.step("two instances of one AVS get different names and ports, both serve", async () => {
      const runtime = f.runtime();
      const specs = [helloSpec({ HELLO_VERSION: "a" }), helloSpec({ HELLO_VERSION: "b" })];
      const [a, b] = await Promise.all(specs.map((s) => runtime.create(s)));
      const names = await Promise.all(
        [a, b].map(async (i) => (await f.inspect(i.resourceId)).Name),
      );
      assert.notEqual(names[0], names[1]);
      assert.notEqual(a.endpoint, b.endpoint);
      await Promise.all([a, b].map((i) => waitForServing(i.endpoint, SERVING)));
      const versions = await Promise.all(
        [a, b].map(async (i) =>
          ((await executeTask(i.endpoint, randomTaskId(), "x")) as { version: string }).version
        ),
      );
      assert.deepEqual(versions, ["a", "b"]);
      await Promise.all([a, b].map((i) => runtime.remove(i)));
    });

    await t.step(
      "a reused performer id is a NameConflict that leaves the first one alone",
      async () => {
        const runtime = f.runtime();
        const spec = helloSpec();
        const first = await runtime.create(spec);
        const err = await runtime.create(spec).catch((e) => e);
        assert.ok(err instanceof DockerRuntimeError, String(err));
        assert.equal(err.reason, "NameConflict");
        assert.match(
          err.message,
          new RegExp(`Cannot create container "hourglass-ab12cd34-${spec.performerId}"`),
        );
        assert.deepEqual((await runtime.listOwned()).map((i) => i.resourceId), [first.resourceId]);
        await runtime.remove(first);
      },
    );

    await t.step(
      "with a network: attached to it, nothing published, <name>:8080 as endpoint",
      async () => {
        const network = randomId("hourglass-test-net");
        await f.observer.request("POST", "/networks/create", { body: { Name: network } });
        try {
          const runtime = f.runtime({ network });
          const spec = helloSpec({ HELLO_VERSION: "on-network" });
          const instance = await runtime.create(spec);
          assert.equal(instance.endpoint, `hourglass-ab12cd34-${spec.performerId}:8080`);
          const c = await f.inspect(instance.resourceId);
          const published = Object.values(c.NetworkSettings.Ports ?? {}).flatMap((b) => b ?? []);
          assert.deepEqual(published, [], "no host port");
          const ip = c.NetworkSettings.Networks?.[network]?.IPAddress;
          assert.ok(ip, `attached to ${network}`);
          // The host reaches the network's bridge directly; other containers use the name.
          await waitForServing(`${ip}:8080`, SERVING);
          assert.deepEqual((await runtime.listOwned()).map((i) => i.endpoint), [instance.endpoint]);
          await runtime.remove(instance);

          const missing = f.runtime({ network: randomId("hourglass-no-such-net") });
          await assert.rejects(
            missing.create(helloSpec()),
            (e) =>
              e instanceof DockerRuntimeError && e.reason === "CreateFailed" &&
              /network/.test(e.message),
          );
          assert.deepEqual(await missing.listOwned(), []);
        } finally {
          await f.observer.request("DELETE", `/networks/${network}`).catch(() => {});
        }
      },
    );
  },
);
