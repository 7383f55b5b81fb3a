/**
 * The executor in chain mode, end to end: the executor process (docker mode, Podman running the
 * sample performer) on the local EigenLayer chain, reading it through a JSON-RPC proxy that
 * counts every call and can be cut. The aggregator, the operator sets and the keys are the
 * Hourglass scenario's, registered through EigenLayer's real functions; result signatures are
 * checked over the digests the genuine certificate verifiers compute (eth_call).
 */

import * as grpc from "@grpc/grpc-js";
import assert from "node:assert/strict";
import { type Abi, bytesToHex, type Hex, hexToBytes } from "viem";
import { executorClient } from "../dev/aggregator_client.ts";
import { type ChainScenario, deployHourglassScenario } from "../dev/chain/scenario.ts";
import { testAccount, testEcdsaKey } from "../dev/chain/test_keys.ts";
import { verifyBn254 } from "../executor/signing/bn254.ts";
import { encryptEip2335Keystore } from "../executor/signing/eip2335_keystore.ts";
import { recoverAddress } from "../executor/signing/ecdsa.ts";
import type { TaskResultMessage } from "../executor/task/pipeline.ts";
import type { TaskSubmissionMessage } from "../executor/task/validate.ts";
import { type TestChain, testChain } from "./fixture/chain.ts";
import { chainTask, executorKeys } from "./fixture/chain_tasks.ts";
import { executorConfig, type ExecutorProcess, startExecutorProcess } from "./fixture/executor.ts";
import { type RpcProxy, startRpcProxy } from "./fixture/rpc_proxy.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

/** "OK", or the status name and details of a failed call. */
async function outcome(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return "OK";
  } catch (err) {
    const e = err as grpc.ServiceError;
    return `${grpc.status[e.code]}: ${e.details}`;
  }
}

async function latestBlock(chain: TestChain): Promise<bigint> {
  // Not getBlockNumber(): viem caches it for a polling interval.
  return (await chain.client.getBlock({ blockTag: "latest" })).number;
}

/** The digest the deployed verifier computes for a result (TaskMailbox + verifier, eth_call). */
async function verifierDigest(
  chain: TestChain,
  curve: "ecdsa" | "bn254",
  task: TaskSubmissionMessage,
  result: TaskResultMessage,
): Promise<Uint8Array> {
  const call = (name: keyof TestChain["contracts"], functionName: string, args: unknown[]) =>
    chain.client.readContract({
      address: chain.contracts[name],
      abi: chain.abis[name] as Abi,
      functionName,
      args,
    }) as Promise<Hex>;
  const messageHash = await call("taskMailbox", "getMessageHash", [
    task.taskId,
    bytesToHex(result.output),
  ]);
  const verifier = curve === "ecdsa" ? "ecdsaCertificateVerifier" : "bn254CertificateVerifier";
  return hexToBytes(
    await call(verifier, "calculateCertificateDigest", [task.referenceTimestamp, messageHash]),
  );
}

/** A docker-mode executor in chain mode for the scenario's executor operator, via `proxy`. */
async function chainExecutor(
  chain: TestChain,
  scenario: ChainScenario,
  proxy: RpcProxy,
): Promise<ExecutorProcess> {
  const keys = scenario.executor.keys;
  const blsKeystore = await encryptEip2335Keystore(hexToBytes(keys[2].privateKey), "test", {
    scrypt: { n: 1024, r: 8, p: 1 },
    curveType: "bn254",
  });
  const { configPath } = await executorConfig((config) => {
    config.operator = {
      address: scenario.executor.account.address,
      signingKeys: {
        ecdsa: { privateKey: keys[1].privateKey },
        bls: { keystore: JSON.stringify(blsKeystore), password: "test" },
      },
    };
    const [performer] = config.avsPerformers as Record<string, unknown>[];
    performer.avsAddress = scenario.avs.address;
    delete performer.aggregators;
    delete performer.signingCurve;
    // The poller stays out of the counts: only tasks (and the catch-ups they cause) read.
    config.l1Chain = { chainId: chain.chainId, rpcUrl: proxy.url, pollInterval: "1h" };
    config.overrideContracts = {
      allocationManager: { address: chain.contracts.allocationManager },
      keyRegistrar: { address: chain.contracts.keyRegistrar },
      taskMailbox: { address: chain.contracts.taskMailbox },
      ecdsaCertificateVerifier: { address: chain.contracts.ecdsaCertificateVerifier },
      bn254CertificateVerifier: { address: chain.contracts.bn254CertificateVerifier },
    };
  });
  return await startExecutorProcess(configPath);
}

Deno.test(
  "chain mode: registered aggregators, both curves, rotation at its block, operator sets, RPC outage; 0 RPC calls per task",
  opts,
  async (t) => {
    const chain = await testChain();
    const scenario = await deployHourglassScenario(chain, { name: "executor-chain" });
    const proxy = startRpcProxy(chain.rpcUrl);
    const executor = await chainExecutor(chain, scenario, proxy);
    const client = executorClient(executor.grpcAddress);
    const keys = executorKeys(scenario);
    const figures: string[] = [];
    try {
      assert.match(executor.logs(), /"trust":"chain"/);
      figures.push(`start-up: ${proxy.total()} calls ${JSON.stringify(proxy.calls)}`);

      await t.step("a task from the registered aggregator runs; ECDSA and BN254 sets", async () => {
        const block = await latestBlock(chain);
        proxy.reset();
        const ecdsaTask = chainTask(scenario, { block, operatorSetId: 1 });
        const ecdsaResult = await client.submit(ecdsaTask);
        figures.push(
          `first task (ECDSA set): ${proxy.total()} calls ${JSON.stringify(proxy.calls)}`,
        );
        assert.equal(ecdsaResult.resultSignature.length, 65);
        assert.equal(
          recoverAddress(
            await verifierDigest(chain, "ecdsa", ecdsaTask, ecdsaResult),
            ecdsaResult.resultSignature,
          ),
          keys.ecdsa.address,
          "the result verifies over the ECDSACertificateVerifier's digest",
        );
        proxy.reset();
        const blsTask = chainTask(scenario, { block, operatorSetId: 2 });
        const blsResult = await client.submit(blsTask);
        figures.push(
          `first task (BN254 set): ${proxy.total()} calls ${JSON.stringify(proxy.calls)}`,
        );
        assert.equal(blsResult.resultSignature.length, 64, "signed on the set's curve");
        assert.ok(
          verifyBn254(
            await verifierDigest(chain, "bn254", blsTask, blsResult),
            blsResult.resultSignature,
            keys.bn254.publicKey,
          ),
          "the result verifies over the BN254CertificateVerifier's digest",
        );
      });

      await t.step("steady state: 0 RPC calls per task", async () => {
        // Tasks at the last three blocks, all after the first tasks' block (the values' start).
        await chain.client.request({ method: "anvil_mine", params: ["0x2"] } as never);
        const block = await latestBlock(chain);
        await client.submit(chainTask(scenario, { block })); // catch up to this block
        proxy.reset();
        const started = performance.now();
        const tasks = Array.from(
          { length: 100 },
          (_, i) =>
            chainTask(scenario, { block: block - BigInt(i % 3), operatorSetId: 1 + (i % 2) }),
        );
        for (const task of tasks) await client.submit(task);
        const ms = (performance.now() - started) / tasks.length;
        figures.push(
          `steady state: ${proxy.total()} calls for ${tasks.length} tasks (${
            ms.toFixed(1)
          } ms per task, round trip)`,
        );
        assert.equal(proxy.total(), 0, JSON.stringify(proxy.calls));
      });

      await t.step("an unregistered aggregator, or another key → PERMISSION_DENIED", async () => {
        const block = await latestBlock(chain);
        const stranger = testAccount("executor-chain/stranger");
        assert.match(
          await outcome(client.submit(chainTask(scenario, {
            block,
            aggregatorAddress: stranger.address,
            key: testEcdsaKey("executor-chain/stranger"),
          }))),
          new RegExp(
            `^PERMISSION_DENIED: Aggregator ${stranger.address} has no key in KeyRegistrar for ` +
              `AVS ${scenario.avs.address} operator set 0 \\(its aggregator set\\) at block ${block}$`,
          ),
        );
        assert.match(
          await outcome(client.submit(chainTask(scenario, { block, key: keys.ecdsa }))),
          /^PERMISSION_DENIED: Task signature is from 0x[0-9a-fA-F]{40}, not from 0x/,
        );
      });

      await t.step("a rotated aggregator key counts from its block, not before", async () => {
        const newKey = testEcdsaKey("executor-chain/aggregator/2");
        const rotation = await scenario.rotateKey(scenario.aggregator.account, {
          operatorSetId: 0,
          key: newKey,
        });
        const [before, from] = [rotation.blockNumber - 1n, rotation.blockNumber];
        proxy.reset();
        assert.equal(await outcome(client.submit(chainTask(scenario, { block: before }))), "OK");
        assert.match(
          await outcome(client.submit(chainTask(scenario, { block: from }))),
          /^PERMISSION_DENIED: Task signature is from .* at block \d+$/,
          "the old key was rotated away before the task's block",
        );
        assert.equal(
          await outcome(client.submit(chainTask(scenario, { block: from, key: newKey }))),
          "OK",
        );
        assert.match(
          await outcome(client.submit(chainTask(scenario, { block: before, key: newKey }))),
          /^PERMISSION_DENIED/,
        );
        // One catch-up over the rotation's blocks; the new key comes from its KeyRegistered event.
        figures.push(
          `4 tasks around a rotation: ${proxy.total()} calls ${JSON.stringify(proxy.calls)}`,
        );
        assert.equal(proxy.calls.eth_call ?? 0, 0, "no key read: events carry it");
      });

      await t.step(
        "an operator not in the task's operator set refuses → FAILED_PRECONDITION",
        async () => {
          const block = await latestBlock(chain);
          const newKey = testEcdsaKey("executor-chain/aggregator/2");
          assert.match(
            await outcome(
              client.submit(chainTask(scenario, { block, operatorSetId: 0, key: newKey })),
            ),
            new RegExp(
              `^FAILED_PRECONDITION: Operator ${scenario.executor.account.address} \\(this ` +
                `executor\\) has no key in KeyRegistrar for AVS ${scenario.avs.address} operator ` +
                `set 0 at block ${block}: it is not in that operator set$`,
            ),
          );
          const removal = await scenario.removeOperator(scenario.executor.account, {
            operatorSetId: 1,
          });
          assert.match(
            await outcome(
              client.submit(chainTask(scenario, { block: removal.blockNumber, key: newKey })),
            ),
            /^FAILED_PRECONDITION: Operator .* has no key in KeyRegistrar .* operator set 1/,
          );
          assert.equal(
            await outcome(
              client.submit(chainTask(scenario, { block: removal.blockNumber - 1n, key: newKey })),
            ),
            "OK",
            "still in the set at the block before",
          );
          // The BN254 set is untouched.
          assert.equal(
            await outcome(
              client.submit(
                chainTask(scenario, { block: removal.blockNumber, key: newKey, operatorSetId: 2 }),
              ),
            ),
            "OK",
          );
        },
      );

      await t.step("RPC down → UNAVAILABLE, then recovery without restart", async () => {
        const newKey = testEcdsaKey("executor-chain/aggregator/2");
        const known = await latestBlock(chain);
        await proxy.cut();
        await chain.client.request({ method: "evm_mine", params: [] } as never);
        const fresh = await latestBlock(chain);
        const refused = await outcome(
          client.submit(chainTask(scenario, { block: fresh, key: newKey, operatorSetId: 2 })),
        );
        assert.match(
          refused,
          new RegExp(
            `^UNAVAILABLE: Cannot verify task 0x[0-9a-f]{64} of AVS ${scenario.avs.address} at ` +
              `block ${fresh} on the L1: Cannot read the header of block latest through ` +
              `l1Chain.rpcUrl: HTTP request failed\\.$`,
          ),
        );
        // A block already read is still answered from the events read before the outage (until
        // the cache is stale: 10 × pollInterval, see cached_reader_test.ts).
        assert.equal(
          await outcome(
            client.submit(chainTask(scenario, { block: known, key: newKey, operatorSetId: 2 })),
          ),
          "OK",
        );
        proxy.restore();
        await new Promise((r) => setTimeout(r, 1100)); // past the one-second fail-fast
        assert.equal(
          await outcome(
            client.submit(chainTask(scenario, { block: fresh, key: newKey, operatorSetId: 2 })),
          ),
          "OK",
        );
        assert.ok(!executor.exited(), "the same executor process");
      });
      console.log(`RPC calls through the proxy:\n  ${figures.join("\n  ")}`);
    } catch (err) {
      console.error(
        `--- executor log (last 40 lines) ---\n${
          executor.logs().split("\n").slice(-40).join("\n")
        }`,
      );
      throw err;
    } finally {
      client.close();
      await executor.stop();
      await proxy.stop();
    }
  },
);
