import assert from "node:assert/strict";
import { keccak256 as jsKeccak256 } from "js-sha3";
import { authDigest, taskSubmissionDigest } from "./digests.ts";
import type { TaskSubmissionFields } from "./digests.ts";

// Layouts are rebuilt here from hex strings and hashed with js-sha3, sharing no code with
// digests.ts.
const TASK: TaskSubmissionFields = {
  taskId: "0x8f2a5e3c9d1b4a6f7e0c2d4b6a8f1e3c5d7b9a0f2e4c6d8b1a3f5e7c9d0b2a4f",
  avsAddress: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
  executorAddress: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
  operatorSetId: 7,
  referenceTimestamp: 1_717_171_717,
  taskBlockNumber: "18446744073709551615", // uint64 max, as proto loaders hand it over
  payload: new TextEncoder().encode('{"numberToBeSquared":12}'),
};

const hex = (bytes: Uint8Array) => [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
const word = (n: bigint | number) => BigInt(n).toString(16).padStart(64, "0");
const addressWord = (a: string) => "0".repeat(24) + a.slice(2).toLowerCase();
const fromHex = (h: string) => Uint8Array.from(h.match(/../g) ?? [], (b) => parseInt(b, 16));
const keccakHex = (h: string) => jsKeccak256(fromHex(h));

Deno.test("taskSubmissionDigest hashes the 224-byte layout of protocols.md", () => {
  const layout = TASK.taskId.slice(2) +
    addressWord(TASK.avsAddress) +
    addressWord(TASK.executorAddress) +
    word(7) +
    word(1_717_171_717) +
    word(2n ** 64n - 1n) +
    jsKeccak256(TASK.payload);
  assert.equal(layout.length, 224 * 2);
  assert.equal(hex(taskSubmissionDigest(TASK)), keccakHex(layout));
});

Deno.test("taskSubmissionDigest: uint64 as string, bigint or number and any address case agree", () => {
  const small = { ...TASK, taskBlockNumber: 12345 };
  const expected = hex(taskSubmissionDigest(small));
  for (const taskBlockNumber of ["12345", 12345n]) {
    assert.equal(hex(taskSubmissionDigest({ ...small, taskBlockNumber })), expected);
  }
  const lower = { ...small, avsAddress: small.avsAddress.toLowerCase() };
  assert.equal(hex(taskSubmissionDigest(lower)), expected);
});

Deno.test("every TaskSubmission field is bound by the digest", () => {
  const base = hex(taskSubmissionDigest(TASK));
  const changes: Partial<TaskSubmissionFields>[] = [
    { taskId: TASK.taskId.replace(/f$/, "e") },
    { avsAddress: "0x5FbDB2315678afecb367f032d93F642f64180aa4" },
    { executorAddress: "0x70997970C51812dc3A010C7d01b50e0d17dc79C9" },
    { operatorSetId: 8 },
    { referenceTimestamp: 1_717_171_718 },
    { taskBlockNumber: "18446744073709551614" },
    { payload: new TextEncoder().encode('{"numberToBeSquared":13}') },
  ];
  for (const change of changes) {
    assert.notEqual(
      hex(taskSubmissionDigest({ ...TASK, ...change })),
      base,
      JSON.stringify(change),
    );
  }
});

Deno.test("malformed fields are RangeErrors naming the field", () => {
  const bad: [Partial<TaskSubmissionFields>, string][] = [
    [{ taskId: TASK.taskId.slice(2) }, "taskId"],
    [{ taskId: TASK.taskId.slice(0, -1) }, "taskId"],
    [{ taskId: TASK.taskId.replace(/f$/, "g") }, "taskId"],
    [{ avsAddress: "0x1234" }, "avsAddress"],
    [{ executorAddress: "70997970C51812dc3A010C7d01b50e0d17dc79C8" }, "executorAddress"],
    [{ operatorSetId: -1 }, "operatorSetId"],
    [{ operatorSetId: 2 ** 32 }, "operatorSetId"],
    [{ operatorSetId: 1.5 }, "operatorSetId"],
    [{ referenceTimestamp: "soon" }, "referenceTimestamp"],
    [{ taskBlockNumber: "18446744073709551616" }, "taskBlockNumber"],
    [{ taskBlockNumber: "-1" }, "taskBlockNumber"],
    [{ taskBlockNumber: 2n ** 64n }, "taskBlockNumber"],
    [{ payload: "text" as unknown as Uint8Array }, "payload"],
  ];
  for (const [change, field] of bad) {
    assert.throws(
      () => taskSubmissionDigest({ ...TASK, ...change }),
      (e: unknown) => e instanceof RangeError && e.message.startsWith(`${field} `),
      field,
    );
  }
});

Deno.test("authDigest hashes taskId ‖ pad32(avs) ‖ pad32(operator) ‖ pad32(set) ‖ keccak(sig)", () => {
  const resultSignature = new Uint8Array(65).map((_, i) => i);
  const fields = {
    taskId: TASK.taskId,
    avsAddress: TASK.avsAddress,
    operatorAddress: TASK.executorAddress,
    operatorSetId: 3,
    resultSignature,
  };
  const layout = TASK.taskId.slice(2) + addressWord(TASK.avsAddress) +
    addressWord(TASK.executorAddress) + word(3) + jsKeccak256(resultSignature);
  assert.equal(layout.length, 160 * 2);
  assert.equal(hex(authDigest(fields)), keccakHex(layout));
  assert.notEqual(hex(authDigest({ ...fields, operatorSetId: 4 })), hex(authDigest(fields)));
  assert.throws(() => authDigest({ ...fields, operatorAddress: "0x" }), /operatorAddress/);
});
