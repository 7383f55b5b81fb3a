/**
 * Rules of the executor config that span several keys. They read their input defensively, so the
 * loader can also run them on a document that failed other checks and report every problem in
 * one pass.
 * @module
 */

import { ADDRESS_PATTERN } from "../api/performer.ts";
import { KNOWN_CHAIN_IDS, knownDeployment } from "./contracts.ts";

/** The fields the cross-field rules read, as loose as a document that failed validation. */
export interface CrossFieldView {
  avsPerformers?: unknown;
  avsDefaults?: unknown;
  kubernetes?: unknown;
  operator?: unknown;
  l1Chain?: unknown;
  overrideContracts?: unknown;
}

/** A problem found by a cross-field rule. */
export interface CrossFieldIssue {
  path: PropertyKey[];
  message: string;
}

type Add = (path: PropertyKey[], message: string) => void;
type Doc = Record<string, unknown>;

/** A performer or the AVS defaults, read loosely. */
interface PerformerView {
  avsAddress?: unknown;
  deploymentMode?: unknown;
  envs?: unknown;
  kubernetes?: unknown;
  signingCurve?: unknown;
}

/**
 * One deployment mode (performers and avsDefaults), unique AVS addresses, a kubernetes section
 * when needed, kubernetes-only keys only in kubernetes mode, and an ECDSA certificate verifier
 * (address and version) when an AVS signs with ECDSA.
 */
export function crossFieldIssues(config: CrossFieldView): CrossFieldIssue[] {
  const issues: CrossFieldIssue[] = [];
  const add: Add = (path, message) => issues.push({ path, message });
  const performers = performersOf(config);
  const defaults = isDoc(config.avsDefaults) ? config.avsDefaults as PerformerView : {};
  modeIssues(config, performers, defaults, add);
  const seen = new Map<string, number>();
  performers.forEach((p, i) => {
    if (typeof p.avsAddress !== "string") return;
    const first = seen.get(p.avsAddress.toLowerCase());
    if (first !== undefined) {
      add(
        ["avsPerformers", i, "avsAddress"],
        // Shown only when it is an address: before validation it may be any text, a key even.
        `duplicate AVS${
          ADDRESS_PATTERN.test(p.avsAddress) ? ` ${p.avsAddress}` : ""
        } (also avsPerformers[${first}])`,
      );
    } else seen.set(p.avsAddress.toLowerCase(), i);
  });
  ecdsaVerifierIssues(config, performers, defaults, add);
  return issues;
}

/**
 * The deployment mode of AVSs that DeployArtifact creates: avsDefaults.deploymentMode, else the
 * performers' mode, else kubernetes when the kubernetes section is set, else docker.
 */
export function defaultDeploymentMode(config: CrossFieldView): "docker" | "kubernetes" {
  const defaults = isDoc(config.avsDefaults) ? config.avsDefaults as PerformerView : {};
  const explicit = defaults.deploymentMode;
  if (explicit === "docker" || explicit === "kubernetes") return explicit;
  const first = performersOf(config)[0];
  if (first !== undefined) return first.deploymentMode === "kubernetes" ? "kubernetes" : "docker";
  return config.kubernetes === undefined ? "docker" : "kubernetes";
}

function modeIssues(
  config: CrossFieldView,
  performers: PerformerView[],
  defaults: PerformerView,
  add: Add,
): void {
  const modes = new Set(performers.map((p) => p.deploymentMode ?? "docker"));
  let mismatch = false;
  if (modes.size > 1) {
    add(
      ["avsPerformers"],
      "all performers must use one deploymentMode (found docker and kubernetes); run one executor per mode",
    );
  } else if (modes.size === 1 && typeof defaults.deploymentMode === "string") {
    const [mode] = modes;
    if (defaults.deploymentMode !== mode) {
      mismatch = true;
      add(
        ["avsDefaults", "deploymentMode"],
        `must match the performers' deploymentMode${
          mode === "docker" || mode === "kubernetes" ? ` (${mode})` : ""
        }; one executor runs one mode`,
      );
    }
  }
  performers.forEach((p, i) => {
    if ((p.deploymentMode ?? "docker") === "docker") dockerModeIssues(p, ["avsPerformers", i], add);
  });
  const defaultMode = defaultDeploymentMode(config);
  if (defaultMode === "docker") dockerModeIssues(defaults, ["avsDefaults"], add);
  if (config.kubernetes !== undefined) return;
  if (modes.has("kubernetes")) {
    add(["kubernetes"], "required when a performer uses deploymentMode kubernetes");
  } else if (defaultMode === "kubernetes" && !mismatch) {
    add(["kubernetes"], "required when avsDefaults.deploymentMode is kubernetes");
  }
}

function dockerModeIssues(p: PerformerView, at: PropertyKey[], add: Add): void {
  const envs = Array.isArray(p.envs) ? p.envs : [];
  envs.forEach((env, j) => {
    if (isDoc(env) && "kubernetesEnv" in env) {
      add([...at, "envs", j, "kubernetesEnv"], "only available in deploymentMode kubernetes");
    }
  });
  if (p.kubernetes !== undefined) {
    add([...at, "kubernetes"], "only available in deploymentMode kubernetes");
  }
}

/**
 * ECDSA result signatures are EIP-712 digests over the ECDSACertificateVerifier's domain: its
 * address and major version must be known when any AVS signs with ECDSA. AVSs that
 * DeployArtifact creates (avsDefaults) count, since any AVS may be deployed.
 */
function ecdsaVerifierIssues(
  config: CrossFieldView,
  performers: PerformerView[],
  defaults: PerformerView,
  add: Add,
): void {
  const keys = isDoc(config.operator) ? config.operator.signingKeys : undefined;
  // Without any key, "at least one of ecdsa or bls" is the problem to report.
  if (!isDoc(keys) || (keys.ecdsa === undefined && keys.bls === undefined)) return;
  const byDefault = keys.bls === undefined ? "ecdsa" : "bn254";
  const signers = [
    ...performers.map((p, i) => ({ at: `avsPerformers[${i}]`, curve: p.signingCurve })),
    { at: "avsDefaults", curve: defaults.signingCurve },
  ];
  const signer = signers.find((s) => (s.curve ?? byDefault) === "ecdsa");
  if (signer === undefined) return;
  const who = signer.curve === undefined
    ? `${signer.at}, by default without a BLS key`
    : `${signer.at}.signingCurve`;
  const chain = isDoc(config.l1Chain) ? config.l1Chain : {};
  const chainId = typeof chain.chainId === "number" ? chain.chainId : undefined;
  const overrides = isDoc(config.overrideContracts) ? config.overrideContracts : {};
  const override = isDoc(overrides.ecdsaCertificateVerifier)
    ? overrides.ecdsaCertificateVerifier
    : {};
  const known = knownDeployment(chainId)?.contracts.ecdsaCertificateVerifier;
  if (override.address === undefined && known === undefined) {
    const chainNote = chainId === undefined
      ? "l1Chain.chainId is not set"
      : `l1Chain.chainId ${chainId} has no known deployment`;
    add(
      ["overrideContracts", "ecdsaCertificateVerifier"],
      `required when an AVS signs with ECDSA (${who}) and ${chainNote} ` +
        `(known: ${KNOWN_CHAIN_IDS.join(", ")}); give the verifier's address`,
    );
  }
  if (override.version === undefined && typeof chain.rpcUrl !== "string") {
    add(
      ["overrideContracts", "ecdsaCertificateVerifier", "version"],
      `required when an AVS signs with ECDSA (${who}) and l1Chain.rpcUrl is not set to read ` +
        `it from: the verifier's major version is part of the signed EIP-712 domain`,
    );
  }
}

function performersOf(config: CrossFieldView): PerformerView[] {
  return Array.isArray(config.avsPerformers)
    ? (config.avsPerformers as unknown[]).filter(isDoc) as PerformerView[]
    : [];
}

function isDoc(value: unknown): value is Doc {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
