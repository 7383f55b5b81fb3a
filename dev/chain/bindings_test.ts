import assert from "node:assert/strict";
import { loadArtifact, parseBinding } from "./bindings.ts";
import { EIGENLAYER_CONTRACTS } from "./contracts.ts";

/** A trimmed abigen binding.go, as the module ships them (quotes escaped, one field a line). */
function binding(fields: string): string {
  return `package Thing

var ThingMetaData = &bind.MetaData{
${fields}
}

// ThingABI is the input ABI used to generate the binding from.
var ThingABI = ThingMetaData.ABI
`;
}

const ABI_FIELD = String
  .raw`	ABI: "[{\"type\":\"function\",\"name\":\"version\",\"inputs\":[],\"outputs\":[{\"name\":\"\",\"type\":\"string\",\"internalType\":\"string\"}],\"stateMutability\":\"view\"}]",`;

Deno.test("parseBinding decodes the ABI and keeps the creation bytecode", () => {
  const artifact = parseBinding("Thing", binding(`${ABI_FIELD}\n\tBin: "0x6080604052",`));
  assert.equal(artifact.bytecode, "0x6080604052");
  assert.deepEqual(artifact.abi, [{
    type: "function",
    name: "version",
    inputs: [],
    outputs: [{ name: "", type: "string", internalType: "string" }],
    stateMutability: "view",
  }]);
});

Deno.test("parseBinding rejects interfaces, unlinked libraries and non-hex bytecode", () => {
  assert.throws(() => parseBinding("IThing", binding(ABI_FIELD)), /has no bytecode/);
  assert.throws(
    () => parseBinding("Thing", binding(`${ABI_FIELD}\n\tBin: "0x60__$${"ab".repeat(17)}$__00",`)),
    /external libraries/,
  );
  assert.throws(() => parseBinding("Thing", binding(`${ABI_FIELD}\n\tBin: "0x6g",`)), /not hex/);
  assert.throws(() => parseBinding("Thing", "package Thing\n"), /no bind.MetaData/);
});

Deno.test("every contract of the chain has a deployable artifact in the pinned module", async () => {
  for (const spec of Object.values(EIGENLAYER_CONTRACTS)) {
    const artifact = await loadArtifact(spec.binding);
    const ctor = artifact.abi.find((item) => item.type === "constructor");
    assert.ok(ctor, `${spec.binding} has a constructor in its ABI`);
    assert.ok(artifact.bytecode.length > 2_000, `${spec.binding} has its creation code`);
    // Every EigenLayer contract is versioned (SemVerMixin) but the PauserRegistry.
    assert.equal(
      artifact.abi.some((item) => item.type === "function" && item.name === "version"),
      spec.binding !== "PauserRegistry",
      `${spec.binding} has version()`,
    );
  }
});
