/**
 * The chain keys of the executor config: `l1Chain` (which EigenLayer deployment the executor
 * belongs to, and an RPC endpoint to read it) and `overrideContracts` (addresses that win over
 * the known deployments in `contracts.ts`).
 *
 * An RPC URL often carries an API key in its user info, path or query, so no message here
 * echoes one; log it through {@linkcode redactUrl}.
 * @module
 */

import { z } from "zod";
import { address, chainId, requiredOr } from "./_fields.ts";
import { durationMs } from "./duration.ts";

const RPC_PROTOCOLS = new Set(["http:", "https:", "ws:", "wss:"]);

/** Whether text is an absolute http(s) or ws(s) URL with a host. */
export function isRpcUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return RPC_PROTOCOLS.has(url.protocol) && url.hostname !== "";
  } catch {
    return false;
  }
}

/**
 * A URL reduced to what is safe to log: scheme, host and port. User info, path, query and
 * fragment, where API keys live, become "…".
 */
export function redactUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return "(not a URL)";
  }
  const hidden = url.username !== "" || url.password !== "" || url.search !== "" ||
    url.hash !== "" || (url.pathname !== "/" && url.pathname !== "");
  return `${url.protocol}//${url.host}${hidden ? "/…" : ""}`;
}

/** The L1 chain: the EigenLayer deployment this executor's operator sets live on. */
export const L1ChainConfig = z.strictObject({
  chainId: chainId.meta({
    description: "Chain id of the L1, e.g. 1 (Ethereum), 11155111 (Sepolia). For 1, 8453, " +
      "11155111 and 84532 the EigenLayer contract addresses are known; for any other chain " +
      "(a local one) set them in overrideContracts.",
  }),
  rpcUrl: z.string({ error: requiredOr("an http(s) or ws(s) URL") }).refine(
    isRpcUrl,
    "must be an http(s) or ws(s) URL, e.g. https://rpc.example.com",
  ).optional().meta({
    description: "JSON-RPC endpoint of the L1 (http, https, ws or wss). Set, with the " +
      "AllocationManager and KeyRegistrar known (a known deployment of chainId, or " +
      "overrideContracts), the executor runs in chain mode: every task is checked against " +
      "EigenLayer at its task_block_number, as Ponos does (the aggregator's key in KeyRegistrar " +
      "for the AVS's aggregator operator set, this operator's key in the task's operator set, " +
      "the set's curve), from a cache that follows the chain's events; avsPerformers[]." +
      "aggregators and signingCurve are then not used. Unset: offline mode, aggregators trusted " +
      "from the config. Also reads the ECDSA certificate verifier's version() when " +
      "overrideContracts does not give it. Never echoed in errors; logged as scheme://host " +
      "only, since URLs often hold API keys.",
  }),
  pollInterval: durationMs("2s", { min: "100ms", max: "1h" }).meta({
    description: "Chain mode: how often the executor asks the L1 for new blocks and applies the " +
      "registration events in them (1 request when nothing changed, 2–3 per batch of new blocks, " +
      "however many tasks arrive). A task whose block is newer than the last one read makes " +
      "it read at once. Tasks are refused (UNAVAILABLE) once nothing could be read for " +
      "10 × pollInterval, and at least 30s.",
  }),
}, { error: requiredOr("an object with chainId and rpcUrl") }).meta({
  description: "The L1 chain (Ponos key, now used): which EigenLayer deployment the result " +
    "signatures are verified by, and, with rpcUrl, where tasks are checked (chain mode).",
});
/** The validated `l1Chain`. */
export type L1ChainConfig = z.output<typeof L1ChainConfig>;

/** `contract` of a Ponos TaskMailbox override: JSON `{name, address, chainId, abiVersions}`. */
function contractJsonAddress(text: string): string | undefined {
  try {
    const parsed = JSON.parse(text) as unknown;
    const found = typeof parsed === "object" && parsed !== null
      ? (parsed as { address?: unknown }).address
      : undefined;
    return address.safeParse(found).success ? found as string : undefined;
  } catch {
    return undefined;
  }
}

const TaskMailboxOverride = z.strictObject({
  address: address.optional().meta({
    description: "The TaskMailbox address. Exactly one of address and contract.",
  }),
  contract: z.string().optional().meta({
    description: "Ponos form: JSON of the contract, {name, address, chainId, abiVersions}; " +
      "only its address is used.",
  }),
  chainIds: z.array(chainId).optional().meta({
    description: "Chains the override applies to (Ponos); unset: every chain. An override " +
      "that does not list l1Chain.chainId leaves the known address in place.",
  }),
}).superRefine((v, ctx) => {
  const contract = v.contract === undefined || v.contract === "" ? undefined : v.contract;
  if ((v.address === undefined) === (contract === undefined)) {
    ctx.addIssue({ code: "custom", message: "exactly one of address or contract must be set" });
  } else if (contract !== undefined && contractJsonAddress(contract) === undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["contract"],
      message: 'must be JSON of a contract with a 0x "address" (Ponos form)',
    });
  }
}).transform((v) => ({
  address: v.address ?? contractJsonAddress(v.contract ?? "") ?? "",
  ...(v.chainIds === undefined ? {} : { chainIds: v.chainIds }),
}));

const verifierVersion = z.union([
  z.string().regex(/^[0-9]/, 'must start with the major version digit, e.g. "1.0.0"'),
  z.int().min(1).transform(String),
], { error: 'must be the version() string of the verifier, e.g. "1.0.0"' });

/** Contract addresses that win over the known deployment of `l1Chain.chainId`. */
export const OverrideContracts = z.strictObject({
  allocationManager: z.strictObject({
    address: address.meta({ description: "The AllocationManager (proxy) address." }),
  }).optional().meta({
    description: "EigenLayer's AllocationManager: chain mode reads each AVS's registrar from " +
      "it (getAVSRegistrar, AVSRegistrarSet events). Needed for chain mode on a chain without " +
      "a known deployment.",
  }),
  keyRegistrar: z.strictObject({
    address: address.meta({ description: "The KeyRegistrar (proxy) address." }),
  }).optional().meta({
    description: "EigenLayer's KeyRegistrar: chain mode reads operator sets' curve types and " +
      "operators' keys from it (and its OperatorSetConfigured, KeyRegistered and " +
      "KeyDeregistered events). Needed for chain mode on a chain without a known deployment.",
  }),
  taskMailbox: TaskMailboxOverride.optional().meta({
    description: "The TaskMailbox (Ponos key).",
  }),
  ecdsaCertificateVerifier: z.strictObject({
    address: address.meta({ description: "The ECDSACertificateVerifier address." }),
    version: verifierVersion.optional().meta({
      description: 'Its version() string, e.g. "1.0.0"; the first character is the EIP-712 ' +
        "domain version of ECDSA result signatures. Unset: read from l1Chain.rpcUrl.",
    }),
  }).optional().meta({
    description: "The ECDSACertificateVerifier that checks ECDSA result signatures. Needed, " +
      "with a version or an l1Chain.rpcUrl, when an AVS signs with ECDSA on a chain without a " +
      "known deployment.",
  }),
  bn254CertificateVerifier: z.strictObject({
    address: address.meta({ description: "The BN254CertificateVerifier address." }),
  }).optional().meta({
    description: "The BN254CertificateVerifier that checks BN254 result signatures.",
  }),
}, { error: requiredOr("an object") }).meta({
  description: "Contract addresses that win over the known deployment of l1Chain.chainId " +
    "(required on chains without one, e.g. a local anvil).",
});
/** The validated `overrideContracts`. */
export type OverrideContracts = z.output<typeof OverrideContracts>;
