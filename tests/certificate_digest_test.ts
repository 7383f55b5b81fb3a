/**
 * The genuine contracts decide: our certificate digests (executor/signing/certificate.ts) equal
 * what the EigenLayer contracts deployed on the local chain return through `eth_call`, for random
 * and edge-case inputs — empty, large and non-UTF-8 outputs, reference timestamps 0 and 2^32−1.
 *
 * Inputs come from a seeded generator; a failure names the seed (`DIGEST_SEED=<n>` replays it)
 * and the case.
 */

import { seededRandom } from "./fixture/seeded_random.ts";
import assert from "node:assert/strict";
import { type Abi, bytesToHex, type Hex, hexToBytes } from "viem";
import {
  bn254CertificateDigest,
  ecdsaCertificateDigest,
  ecdsaCertificateDigestBytes,
  taskMessageHash,
} from "../executor/signing/certificate.ts";
import { type TestChain, testChain } from "./fixture/chain.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const SEED = Number(Deno.env.get("DIGEST_SEED") ?? Date.now() % 2 ** 31);
const UINT32_MAX = 2 ** 32 - 1;

const random = seededRandom(SEED);
const randomBytes = (n: number) => Uint8Array.from({ length: n }, () => Math.floor(random() * 256));
const randomUint32 = () => Math.floor(random() * 2 ** 32);

/** Outputs worth checking: empty, word boundaries, not UTF-8, large, random. */
function outputs(): [string, Uint8Array][] {
  const cases: [string, Uint8Array][] = [
    ["empty", new Uint8Array()],
    ["one zero byte", new Uint8Array(1)],
    ["31 bytes", randomBytes(31)],
    ["32 bytes", randomBytes(32)],
    ["33 bytes", randomBytes(33)],
    ["not UTF-8 (ff fe, lone continuation, overlong)", Uint8Array.of(0xff, 0xfe, 0x80, 0xc0, 0xaf)],
    ["100 KiB", randomBytes(100 * 1024)],
    ["128 KiB + 1", randomBytes(128 * 1024 + 1)],
  ];
  for (let i = 0; i < 24; i++) {
    const n = Math.floor(random() * 600);
    cases.push([`random ${n} bytes`, randomBytes(n)]);
  }
  return cases;
}

/** Reference timestamps in every input type the functions take. */
function timestamps(): (number | bigint | string)[] {
  const values: (number | bigint | string)[] = [0, 1, UINT32_MAX, BigInt(UINT32_MAX), "0"];
  values.push(String(UINT32_MAX), 2 ** 31, 2 ** 31 - 1);
  for (let i = 0; i < 16; i++) {
    const t = randomUint32();
    values.push([t, BigInt(t), String(t)][i % 3]);
  }
  return values;
}

function call(chain: TestChain, name: keyof TestChain["contracts"], fn: string, args: unknown[]) {
  return chain.client.readContract({
    address: chain.contracts[name],
    abi: chain.abis[name] as Abi,
    functionName: fn,
    args,
  }) as Promise<Hex>;
}

/** Describes an input briefly but exactly enough to rebuild it (large outputs by length + hash). */
function describe(label: string, output: Uint8Array, taskId: string): string {
  const shown = output.length <= 64 ? bytesToHex(output) : `${output.length} bytes`;
  return `seed ${SEED}, ${label}: taskId ${taskId}, output ${shown}`;
}

Deno.test("TaskMailbox.getMessageHash equals taskMessageHash", opts, async () => {
  const chain = await testChain();
  const fixedIds = ["0x" + "00".repeat(32), "0x" + "ff".repeat(32), "0x" + "AB".repeat(32)];
  let i = 0;
  for (const [label, output] of outputs()) {
    const taskId = fixedIds[i++] ?? bytesToHex(randomBytes(32));
    const onChain = await call(chain, "taskMailbox", "getMessageHash", [
      taskId,
      bytesToHex(output),
    ]);
    const ours = bytesToHex(taskMessageHash(taskId, output));
    assert.equal(ours, onChain, describe(label, output, taskId));
  }
});

Deno.test(
  "ECDSACertificateVerifier digests equal ecdsaCertificateDigest(Bytes)",
  opts,
  async () => {
    const chain = await testChain();
    const address = chain.contracts.ecdsaCertificateVerifier;
    const version = chain.versions.ecdsaCertificateVerifier;
    assert.equal(version, "1.8.0");
    // The domain takes only the major version's first character: "1" and "1.8.0" must agree.
    const verifiers = [{ address, version }, {
      address: `0x${address.slice(2).toUpperCase()}`,
      version: "1",
    }];
    for (const referenceTimestamp of timestamps()) {
      const messageHash = randomBytes(32);
      const args = [Number(referenceTimestamp), bytesToHex(messageHash)];
      const bytes = await call(
        chain,
        "ecdsaCertificateVerifier",
        "calculateCertificateDigestBytes",
        args,
      );
      const digest = await call(
        chain,
        "ecdsaCertificateVerifier",
        "calculateCertificateDigest",
        args,
      );
      for (const verifier of verifiers) {
        const what =
          `seed ${SEED}: referenceTimestamp ${referenceTimestamp} (${typeof referenceTimestamp}), ` +
          `messageHash ${args[1]}, verifier ${JSON.stringify(verifier)}`;
        assert.equal(
          bytesToHex(ecdsaCertificateDigestBytes(referenceTimestamp, messageHash, verifier)),
          bytes,
          what,
        );
        assert.equal(
          bytesToHex(ecdsaCertificateDigest(referenceTimestamp, messageHash, verifier)),
          digest,
          what,
        );
      }
    }
  },
);

Deno.test("the ECDSA comparison can fail: another verifier or major version", opts, async () => {
  const chain = await testChain();
  const address = chain.contracts.ecdsaCertificateVerifier;
  const messageHash = randomBytes(32);
  const args = [UINT32_MAX, bytesToHex(messageHash)];
  const digest = await call(chain, "ecdsaCertificateVerifier", "calculateCertificateDigest", args);
  const ours = (verifier: { address: string; version: string }) =>
    bytesToHex(ecdsaCertificateDigest(UINT32_MAX, messageHash, verifier));
  assert.equal(ours({ address, version: "1.8.0" }), digest);
  assert.notEqual(ours({ address, version: "2.0.0" }), digest);
  assert.notEqual(ours({ address: chain.contracts.taskMailbox, version: "1.8.0" }), digest);
});

Deno.test(
  "BN254CertificateVerifier.calculateCertificateDigest equals bn254CertificateDigest",
  opts,
  async () => {
    const chain = await testChain();
    for (const referenceTimestamp of timestamps()) {
      const messageHash = randomBytes(32);
      const args = [Number(referenceTimestamp), bytesToHex(messageHash)];
      const onChain = await call(
        chain,
        "bn254CertificateVerifier",
        "calculateCertificateDigest",
        args,
      );
      assert.equal(
        bytesToHex(bn254CertificateDigest(referenceTimestamp, messageHash)),
        onChain,
        `seed ${SEED}: referenceTimestamp ${referenceTimestamp}, messageHash ${args[1]}`,
      );
    }
  },
);

Deno.test(
  "the whole path: task output → message hash → both certificate digests",
  opts,
  async () => {
    const chain = await testChain();
    const verifier = {
      address: chain.contracts.ecdsaCertificateVerifier,
      version: chain.versions.ecdsaCertificateVerifier!,
    };
    for (const [label, output] of outputs().slice(0, 8)) {
      const taskId = bytesToHex(randomBytes(32));
      const referenceTimestamp = [0, UINT32_MAX, randomUint32()][Math.floor(random() * 3)];
      const messageHash = await call(chain, "taskMailbox", "getMessageHash", [
        taskId,
        bytesToHex(output),
      ]);
      const args = [referenceTimestamp, messageHash];
      const what = `${describe(label, output, taskId)}, referenceTimestamp ${referenceTimestamp}`;
      const ours = taskMessageHash(taskId, output);
      assert.equal(bytesToHex(ours), messageHash, what);
      assert.equal(
        bytesToHex(ecdsaCertificateDigest(referenceTimestamp, ours, verifier)),
        await call(chain, "ecdsaCertificateVerifier", "calculateCertificateDigest", args),
        what,
      );
      assert.equal(
        bytesToHex(bn254CertificateDigest(referenceTimestamp, hexToBytes(messageHash))),
        await call(chain, "bn254CertificateVerifier", "calculateCertificateDigest", args),
        what,
      );
    }
  },
);
