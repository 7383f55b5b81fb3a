/**
 * Which ECDSA certificate verifier this executor's ECDSA result signatures are bound to (the
 * EIP-712 domain of `ECDSACertificateVerifier`: its address and major version).
 *
 * The address comes from the config (`overrideContracts`, else the known deployment of
 * `l1Chain.chainId`); the version from `overrideContracts.ecdsaCertificateVerifier.version`,
 * else — once, at start-up — from the contract's `version()` over `l1Chain.rpcUrl`. Tasks then
 * compute digests locally: no RPC call per task (the Go executor makes two).
 * @module
 */

import { createPublicClient, http, parseAbi } from "viem";
import type { ExecutorConfig } from "../../shared/config/executor_config.ts";
import { resolveCertificateVerifiers } from "../../shared/config/contracts.ts";
import type { Logger } from "../../shared/runtime/log.ts";
import { type CertificateVerifierRef, majorVersion } from "../signing/certificate.ts";

const VERSION_ABI = parseAbi(["function version() view returns (string)"]);

/** Reads a contract's `version()`; replaceable in tests. */
export type VersionReader = (rpcUrl: string, address: string) => Promise<string>;

/** `version()` through viem over HTTP(S), bounded by `timeoutMs`. */
export function viemVersionReader(timeoutMs = 10_000): VersionReader {
  return async (rpcUrl, address) => {
    const client = createPublicClient({ transport: http(rpcUrl, { timeout: timeoutMs }) });
    return await client.readContract({
      address: address as `0x${string}`,
      abi: VERSION_ABI,
      functionName: "version",
    });
  };
}

/**
 * The ECDSA verifier to bind ECDSA results to, or undefined when none is configured (the config
 * module already refused configs that sign ECDSA results without one). Throws an Error naming
 * the setting when the version cannot be read.
 */
export async function ecdsaVerifierForSigning(
  config: ExecutorConfig,
  options: { log: Logger; readVersion?: VersionReader },
): Promise<CertificateVerifierRef | undefined> {
  const resolved = resolveCertificateVerifiers(config).ecdsa;
  if (resolved === undefined) return undefined;
  if (resolved.version !== undefined) {
    return { address: resolved.address, version: resolved.version };
  }
  const rpcUrl = config.l1Chain?.rpcUrl;
  if (rpcUrl === undefined) {
    throw new Error(
      `overrideContracts.ecdsaCertificateVerifier.version: required to sign ECDSA results ` +
        `when l1Chain.rpcUrl is not set (the verifier's version() enters the EIP-712 domain)`,
    );
  }
  let version: string;
  try {
    version = await (options.readVersion ?? viemVersionReader())(rpcUrl, resolved.address);
    majorVersion(version);
  } catch (cause) {
    throw new Error(
      `Cannot read version() of the ECDSA certificate verifier ${resolved.address} ` +
        `(${resolved.source}) through l1Chain.rpcUrl: ${shortReason(cause)}; set ` +
        `overrideContracts.ecdsaCertificateVerifier.version to start without it`,
      { cause },
    );
  }
  options.log("info", "read the ECDSA certificate verifier's version from the chain", {
    address: resolved.address,
    version,
  });
  return { address: resolved.address, version };
}

// viem's messages repeat the request (URL included, which may carry an API key): keep the first
// line of the short message only.
function shortReason(cause: unknown): string {
  const err = cause as { shortMessage?: string; message?: string };
  return String(err.shortMessage ?? err.message ?? cause).split("\n")[0].slice(0, 200);
}
