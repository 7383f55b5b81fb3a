import assert from "node:assert/strict";
import type { Abi } from "viem";
import { LOCAL_TASK_AVS_REGISTRAR } from "./artifacts.ts";
import { compileLocalContracts, constantName, staleArtifacts } from "./compile.ts";

/**
 * Ponos' `TaskAVSRegistrarBase` binding (ponos/pkg/middleware-bindings), every item of its ABI
 * but `event Initialized(uint8)`, which only an initializable contract emits.
 */
const PONOS_TASK_AVS_REGISTRAR_BASE = [
  "function allocationManager() view returns (address)",
  "function avsConfig() view returns (uint32)",
  "function deregisterOperator(address,address,uint32[]) nonpayable returns ()",
  "function getAVS() view returns (address)",
  "function getAvsConfig() view returns ((uint32,uint32[]))",
  "function getOperatorSocket(address) view returns (string)",
  "function keyRegistrar() view returns (address)",
  "function owner() view returns (address)",
  "function registerOperator(address,address,uint32[],bytes) nonpayable returns ()",
  "function renounceOwnership() nonpayable returns ()",
  "function setAvsConfig((uint32,uint32[])) nonpayable returns ()",
  "function supportsAVS(address) view returns (bool)",
  "function transferOwnership(address) nonpayable returns ()",
  "function updateSocket(address,string) nonpayable returns ()",
  "event AvsConfigSet(uint32,uint32[])",
  "event OperatorDeregistered(address indexed,uint32[])",
  "event OperatorRegistered(address indexed,uint32[])",
  "event OperatorSocketSet(address indexed,string)",
  "event OwnershipTransferred(address indexed,address indexed)",
  "error CallerNotOperator()",
  "error DataLengthMismatch()",
  "error DuplicateExecutorOperatorSetId()",
  "error ExecutorOperatorSetIdsEmpty()",
  "error InvalidAggregatorOperatorSetId()",
  "error KeyNotRegistered()",
  "error NotAllocationManager()",
];

interface Param {
  type: string;
  indexed?: boolean;
  components?: readonly Param[];
}

function paramType(p: Param): string {
  const base = p.type.startsWith("tuple")
    ? `(${p.components!.map(paramType).join(",")})${p.type.slice("tuple".length)}`
    : p.type;
  return p.indexed ? `${base} indexed` : base;
}

/** Each item as `kind name(types) mutability returns (types)`: names of parameters left out. */
function signatures(abi: Abi): string[] {
  return abi.filter((item) => item.type !== "constructor").map((item) => {
    if (item.type === "function") {
      return `function ${item.name}(${item.inputs.map(paramType).join(",")}) ` +
        `${item.stateMutability} returns (${item.outputs.map(paramType).join(",")})`;
    }
    if (item.type === "event" || item.type === "error") {
      return `${item.type} ${item.name}(${item.inputs.map(paramType).join(",")})`;
    }
    return item.type;
  });
}

Deno.test("the checked-in artifacts.ts matches a fresh solc-js compile of the .sol files", async () => {
  const output = await compileLocalContracts();
  assert.deepEqual(
    await staleArtifacts(output),
    [],
    "run `deno run -A dev/chain/solidity/compile.ts` and commit artifacts.ts",
  );
});

Deno.test("LocalTaskAVSRegistrar has the ABI Ponos' TaskAVSRegistrarBase binding calls", () => {
  const ours = signatures(LOCAL_TASK_AVS_REGISTRAR.abi as Abi);
  assert.deepEqual(ours.toSorted(), PONOS_TASK_AVS_REGISTRAR_BASE.toSorted());
});

Deno.test("constantName turns contract names into constant names", () => {
  assert.equal(constantName("LocalTaskAVSRegistrar"), "LOCAL_TASK_AVS_REGISTRAR");
  assert.equal(constantName("LocalProxy"), "LOCAL_PROXY");
});
