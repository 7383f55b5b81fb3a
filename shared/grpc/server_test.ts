import * as grpc from "@grpc/grpc-js";
import assert from "node:assert/strict";
import type { PerformerServiceClient } from "../proto/gen/eigenlayer/hourglass/v1/performer/PerformerService.ts";
import { performerProto } from "../proto/load.ts";
import { startGrpcServer, stopGrpcServer } from "./server.ts";

const PerformerService = performerProto().eigenlayer.hourglass.v1.performer.PerformerService;

/** A PerformerService whose ExecuteTask answers only when the test releases it. */
function gatedService() {
  const entered = Promise.withResolvers<void>();
  const release = Promise.withResolvers<void>();
  let calls = 0;
  return {
    entered: entered.promise,
    release: () => release.resolve(),
    get calls() {
      return calls;
    },
    service: {
      definition: PerformerService.service,
      implementation: {
        ExecuteTask: (
          call: grpc.ServerUnaryCall<{ taskId: Buffer }, unknown>,
          cb: grpc.sendUnaryData<unknown>,
        ) => {
          calls++;
          entered.resolve();
          release.promise.then(() =>
            cb(null, { taskId: call.request.taskId, result: Buffer.from("done") })
          );
        },
      },
    },
  };
}

function execute(client: PerformerServiceClient, timeoutMs = 5_000): Promise<string> {
  return new Promise((resolve, reject) =>
    client.ExecuteTask(
      { taskId: Buffer.from("t"), payload: Buffer.alloc(0) },
      { deadline: Date.now() + timeoutMs },
      (err, res) => err ? reject(err) : resolve(Buffer.from(res!.result).toString()),
    )
  );
}

function client(address: string): PerformerServiceClient {
  return new PerformerService(address, grpc.credentials.createInsecure());
}

const hasCode = (code: grpc.status) => (err: grpc.ServiceError) => {
  assert.equal(grpc.status[err.code], grpc.status[code], err.message);
  return true;
};

Deno.test("port 0 binds a free port, on IPv4 and IPv6 loopback, and calls go through", async () => {
  for (const host of ["127.0.0.1", "::1"]) {
    const gate = gatedService();
    gate.release();
    const started = await startGrpcServer({ host, port: 0, services: [gate.service] });
    const c = client(started.address);
    try {
      assert.ok(started.port > 0, `bound port of ${host}`);
      assert.equal(
        started.address,
        host === "::1" ? `[::1]:${started.port}` : `${host}:${started.port}`,
      );
      assert.equal(await execute(c), "done");
    } finally {
      c.close();
      await stopGrpcServer(started.server, 1_000);
    }
  }
});

Deno.test("a port already in use is an error naming the address", async () => {
  const taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const port = (taken.addr as Deno.NetAddr).port;
    await assert.rejects(
      startGrpcServer({ host: "127.0.0.1", port, services: [] }),
      new RegExp(`Cannot bind the gRPC server to 127\\.0\\.0\\.1:${port}`),
    );
  } finally {
    taken.close();
  }
});

Deno.test("stopGrpcServer lets an in-flight call finish and refuses new calls", async () => {
  const gate = gatedService();
  const started = await startGrpcServer({ host: "127.0.0.1", port: 0, services: [gate.service] });
  const existing = client(started.address);
  const fresh = client(started.address);
  try {
    const inFlight = execute(existing);
    await gate.entered;
    const stopped = stopGrpcServer(started.server, 10_000);

    // Same connection (GOAWAY) and a new one (listener closed): both refused.
    await assert.rejects(execute(existing, 2_000), hasCode(grpc.status.UNAVAILABLE));
    await assert.rejects(execute(fresh, 2_000), hasCode(grpc.status.UNAVAILABLE));
    assert.equal(gate.calls, 1, "no new call reached the handler");

    gate.release();
    assert.equal(await inFlight, "done", "the in-flight call completed");
    assert.equal(await stopped, "graceful");
  } finally {
    existing.close();
    fresh.close();
  }
});

Deno.test("stopGrpcServer cancels calls still running after the grace period", async () => {
  const gate = gatedService();
  const started = await startGrpcServer({ host: "127.0.0.1", port: 0, services: [gate.service] });
  const c = client(started.address);
  try {
    const stuck = execute(c, 10_000);
    await gate.entered;
    const t0 = Date.now();
    assert.equal(await stopGrpcServer(started.server, 300), "forced");
    assert.ok(Date.now() - t0 < 2_000, "did not wait past the grace period");
    await assert.rejects(stuck, (err: grpc.ServiceError) => {
      assert.ok(
        [grpc.status.CANCELLED, grpc.status.UNAVAILABLE, grpc.status.INTERNAL].includes(err.code),
        `unexpected ${grpc.status[err.code]}: ${err.message}`,
      );
      return true;
    });
  } finally {
    gate.release();
    c.close();
  }
});
