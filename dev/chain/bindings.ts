/**
 * The genuine EigenLayer contracts, as the Go module `github.com/Layr-Labs/eigenlayer-contracts`
 * ships them: each `pkg/bindings/<Name>/binding.go` (abigen output) holds a `<Name>MetaData` with
 * the ABI (`ABI: "…"`) and the creation bytecode (`Bin: "0x…"`) as Go string literals.
 *
 * The module comes from `go mod download` (the Go module cache, or the proxy on a fresh machine),
 * at the version Ponos pins, so no Solidity compiler is involved.
 * @module
 */

import type { Abi, Hex } from "viem";
import { type BuildOptions, cacheDir, goOutput } from "../cluster/binaries.ts";
import { EIGENLAYER_CONTRACTS_MODULE, EIGENLAYER_CONTRACTS_VERSION } from "./versions.ts";

/** One contract's ABI and creation bytecode. */
export interface ContractArtifact {
  /** The binding's name, e.g. `TaskMailbox`. */
  name: string;
  abi: Abi;
  /** Creation (init) code, without constructor arguments. */
  bytecode: Hex;
}

/** Extracts the ABI and creation bytecode from the source of an abigen `binding.go`. */
export function parseBinding(name: string, source: string): ContractArtifact {
  const block = source.match(/MetaData = &bind\.MetaData\{([\s\S]*?)\n\}/)?.[1];
  if (block === undefined) throw new Error(`Binding "${name}" has no bind.MetaData block`);
  const abiText = goStringField(block, "ABI");
  const bin = goStringField(block, "Bin");
  if (abiText === undefined) throw new Error(`Binding "${name}" has no ABI`);
  if (bin === undefined || bin === "0x") {
    throw new Error(`Binding "${name}" has no bytecode (an interface or abstract contract?)`);
  }
  if (/__\$[0-9a-f]{34}\$__/.test(bin)) {
    throw new Error(`Binding "${name}" needs external libraries linked into its bytecode`);
  }
  if (!/^0x(?:[0-9a-f]{2})+$/.test(bin)) {
    throw new Error(`Binding "${name}" has bytecode that is not hex: "${bin.slice(0, 40)}…"`);
  }
  const abi = JSON.parse(abiText) as Abi;
  if (!Array.isArray(abi)) throw new Error(`Binding "${name}" has an ABI that is not a JSON array`);
  return { name, abi, bytecode: bin as Hex };
}

/** The value of `Field: "…",` in a Go composite literal, decoded. */
function goStringField(block: string, field: string): string | undefined {
  const literal = block.match(
    new RegExp(`^\\s*${field}:\\s*"((?:[^"\\\\\\n]|\\\\.)*)",?\\s*$`, "m"),
  )
    ?.[1];
  if (literal === undefined) return undefined;
  // abigen escapes only quotes (and backslashes), which Go and JSON spell alike.
  try {
    return JSON.parse(`"${literal}"`) as string;
  } catch (err) {
    throw new Error(`Cannot decode the Go string literal of ${field}`, { cause: err });
  }
}

let moduleDir: Promise<string> | undefined;

/** Downloads (once per machine; once per process it asks Go) the pinned module; returns its folder. */
export function eigenLayerContractsDir(options: BuildOptions = {}): Promise<string> {
  moduleDir ??= downloadModule(options).catch((err) => {
    moduleDir = undefined;
    throw err;
  });
  return moduleDir;
}

async function downloadModule(options: BuildOptions): Promise<string> {
  const dir = cacheDir();
  await Deno.mkdir(dir, { recursive: true });
  const started = Date.now();
  const ref = `${EIGENLAYER_CONTRACTS_MODULE}@${EIGENLAYER_CONTRACTS_VERSION}`;
  const info = JSON.parse(await goOutput(dir, ["mod", "download", "-json", ref], options)) as {
    Dir?: string;
    Error?: string;
  };
  if (!info.Dir) throw new Error(`"go mod download ${ref}" gave no folder: ${info.Error ?? "?"}`);
  const ms = Date.now() - started;
  if (ms > 1000) options.log?.(`downloaded ${ref} in ${(ms / 1000).toFixed(1)} s`);
  return info.Dir;
}

/** Reads one contract's artifact from the pinned module, e.g. `loadArtifact("TaskMailbox")`. */
export async function loadArtifact(
  name: string,
  options: BuildOptions = {},
): Promise<ContractArtifact> {
  if (!/^\w+$/.test(name)) throw new TypeError(`Not a binding name: "${name}"`);
  const path = `${await eigenLayerContractsDir(options)}/pkg/bindings/${name}/binding.go`;
  let source: string;
  try {
    source = await Deno.readTextFile(path);
  } catch (err) {
    throw new Error(`Cannot read the binding of "${name}" at ${path}`, { cause: err });
  }
  return parseBinding(name, source);
}
