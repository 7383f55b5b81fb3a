/**
 * Lets an existing Ponos (or hgctl-generated) executor config load unchanged: the Ponos keys this
 * executor does not act on are removed with a warning naming each, and the ones with an
 * equivalent here are mapped to it (also with a warning). Every other unknown key is still an
 * error, and a Ponos key with a value of the wrong shape is a problem naming its path. No
 * message echoes a value: remote-signer certificates, keys and URLs may be secret.
 * @module
 */

import { z } from "zod";
import { formatIssues } from "../validation/format_issues.ts";

type Doc = Record<string, unknown>;

/** A Ponos key that is mapped or ignored, and what happens to it (for the config reference). */
export interface PonosKey {
  /** Path as in the config reference: `avsPerformers[].workerCount`. */
  key: string;
  /** What the loader does with it. */
  effect: string;
}

/** What the compatibility pass found: warnings to log, and problems that fail the load. */
export interface PonosCompatResult {
  warnings: string[];
  problems: string[];
}

const IGNORED_TOP_LEVEL: Record<string, string> = {
  l2Chain: "only l1Chain is used",
  contracts: "custom contract ABIs and addresses are not used; set overrideContracts for addresses",
};

const IGNORED_PER_PERFORMER: Record<string, string> = {
  workerCount: "use maxConcurrentTasks",
  avsRegistrarAddress: "not needed by this executor",
};

const OPERATOR_NAMESPACE = "this executor does not need the namespace of the Hourglass operator";

/** Every Ponos key the loader maps or ignores, in the order it handles them. */
export const PONOS_KEYS: readonly PonosKey[] = [
  ...Object.entries(IGNORED_TOP_LEVEL).map(([key, why]) => ({ key, effect: `ignored: ${why}` })),
  {
    key: "authentication.enabled",
    effect: "mapped to managementAuth.enabled (unless that is set)",
  },
  { key: "debug", effect: "true maps to logLevel: debug (unless logLevel is set)" },
  { key: "performerNetworkName", effect: "mapped to docker.network (unless that is set)" },
  {
    key: "operator.operatorPrivateKey",
    effect: "string or {privateKey}: mapped to operator.signingKeys.ecdsa.privateKey unless an " +
      "ECDSA key is set, else ignored",
  },
  {
    key: "operator.signingKeys.ecdsa.keystore",
    effect: "hgctl's {keystoreFile, password}: mapped to operator.signingKeys.ecdsa.keystoreFile " +
      "and password",
  },
  {
    key: "operator.signingKeys.ecdsa.remoteSigner",
    effect: "false: ignored. true: a web3signer cannot be used here, so the ECDSA key is treated " +
      "as absent (at least one of ecdsa or bls must remain)",
  },
  {
    key: "operator.signingKeys.ecdsa.remoteSignerConfig",
    effect: "{url, caCert, cert, key, fromAddress, publicKey}: checked, then ignored",
  },
  {
    key: "operator.signingKeys.bls.keystore",
    effect: `"" beside a keystoreFile: treated as unset, as Ponos does`,
  },
  { key: "kubernetes.operatorNamespace", effect: `ignored: ${OPERATOR_NAMESPACE}` },
  { key: "storage.type", effect: "ignored: the embedded store is always used" },
  {
    key: "storage.badger",
    effect: "dir mapped to storage.path (unless set); the Badger data itself is not read",
  },
  ...Object.entries(IGNORED_PER_PERFORMER).map(([key, why]) => ({
    key: `avsPerformers[].${key}`,
    effect: `ignored: ${why}`,
  })),
];

/** Removes or maps Ponos-only keys in place; one warning per key, problems for bad shapes. */
export function applyPonosCompat(doc: Doc): PonosCompatResult {
  const out: PonosCompatResult = { warnings: [], problems: [] };
  for (const [key, why] of Object.entries(IGNORED_TOP_LEVEL)) {
    if (key in doc) {
      delete doc[key];
      out.warnings.push(`${key}: Ponos key ignored (${why})`);
    }
  }
  // hgctl writes `avsPerformers:` with nothing after it: YAML null, meant as an empty list.
  if (doc.avsPerformers === null) doc.avsPerformers = [];
  mapAuthentication(doc, out);
  mapDebug(doc, out.warnings);
  mapNetworkName(doc, out.warnings);
  mapOperatorPrivateKey(doc, out.warnings);
  mapEcdsaKey(doc, out);
  mapEmptyBlsKeystore(doc, out.warnings);
  mapKubernetes(doc, out.warnings);
  mapStorage(doc, out.warnings);
  if (Array.isArray(doc.avsPerformers)) {
    doc.avsPerformers.forEach((p: unknown, i) => {
      if (!isDoc(p)) return;
      for (const [key, why] of Object.entries(IGNORED_PER_PERFORMER)) {
        if (key in p) {
          delete p[key];
          out.warnings.push(`avsPerformers[${i}].${key}: Ponos key ignored (${why})`);
        }
      }
    });
  }
  return out;
}

/** Ponos `auth.Config`: `{enabled}`. */
const PonosAuthentication = z.strictObject({ enabled: z.boolean().optional() }, {
  error: "must be an object with key enabled",
});

function mapAuthentication(doc: Doc, out: PonosCompatResult): void {
  if (!("authentication" in doc)) return;
  const parsed = PonosAuthentication.safeParse(doc.authentication);
  delete doc.authentication;
  if (!parsed.success) {
    out.problems.push(...formatIssues(prefixed(parsed.error.issues, ["authentication"])));
    return;
  }
  const enabled = parsed.data.enabled;
  const auth = isDoc(doc.managementAuth) ? doc.managementAuth : {};
  if (enabled === undefined) {
    out.warnings.push("authentication: Ponos key ignored (no enabled key)");
  } else if (auth.enabled === undefined) {
    auth.enabled = enabled;
    doc.managementAuth = auth;
    out.warnings.push("authentication.enabled: Ponos key mapped to managementAuth.enabled");
  } else {
    out.warnings.push(
      "authentication.enabled: Ponos key ignored (managementAuth.enabled is set and wins)",
    );
  }
}

function mapDebug(doc: Doc, warnings: string[]): void {
  if (!("debug" in doc)) return;
  if (doc.debug === true && doc.logLevel === undefined) doc.logLevel = "debug";
  delete doc.debug;
  warnings.push("debug: Ponos key mapped to logLevel");
}

function mapNetworkName(doc: Doc, warnings: string[]): void {
  if (!("performerNetworkName" in doc)) return;
  const docker = isDoc(doc.docker) ? doc.docker : {};
  if (docker.network === undefined && typeof doc.performerNetworkName === "string") {
    docker.network = doc.performerNetworkName;
    doc.docker = docker;
  }
  delete doc.performerNetworkName;
  warnings.push("performerNetworkName: Ponos key mapped to docker.network");
}

function mapOperatorPrivateKey(doc: Doc, warnings: string[]): void {
  const operator = doc.operator;
  if (!isDoc(operator) || !("operatorPrivateKey" in operator)) return;
  const legacy = operator.operatorPrivateKey;
  delete operator.operatorPrivateKey;
  const key = typeof legacy === "string" ? legacy : isDoc(legacy) ? legacy.privateKey : undefined;
  const signingKeys = isDoc(operator.signingKeys) ? operator.signingKeys : {};
  if (typeof key === "string" && key !== "" && signingKeys.ecdsa === undefined) {
    signingKeys.ecdsa = { privateKey: key };
    operator.signingKeys = signingKeys;
    warnings.push("operator.operatorPrivateKey: Ponos key mapped to operator.signingKeys.ecdsa");
  } else {
    warnings.push("operator.operatorPrivateKey: Ponos key ignored (operator.signingKeys is used)");
  }
}

/** Ponos `RemoteSignerConfig`; certificates and keys are PEM text, never echoed. */
const RemoteSignerConfig = z.strictObject({
  url: z.string().refine(isHttpUrl, "must be an http(s) URL").optional(),
  caCert: z.string().optional(),
  cert: z.string().optional(),
  key: z.string().optional(),
  fromAddress: z.string().optional(),
  publicKey: z.string().optional(),
}, { error: "must be an object with keys url, caCert, cert, key, fromAddress, publicKey" });

const ECDSA_PATH = "operator.signingKeys.ecdsa";

/** hgctl's nested ECDSA keystore, then Ponos' web3signer keys. */
function mapEcdsaKey(doc: Doc, out: PonosCompatResult): void {
  const keys = isDoc(doc.operator) ? doc.operator.signingKeys : undefined;
  if (!isDoc(keys) || !isDoc(keys.ecdsa)) return;
  const ecdsa = keys.ecdsa;
  if (isDoc(ecdsa.keystore) && ecdsa.keystoreFile === undefined) {
    const { keystoreFile, password } = ecdsa.keystore;
    delete ecdsa.keystore;
    Object.assign(ecdsa, { keystoreFile, password });
    out.warnings.push(
      `${ECDSA_PATH}.keystore: hgctl key mapped to ${ECDSA_PATH}.keystoreFile and password`,
    );
  }
  if (!("remoteSigner" in ecdsa) && !("remoteSignerConfig" in ecdsa)) return;
  const remote = ecdsa.remoteSigner;
  if ("remoteSigner" in ecdsa && typeof remote !== "boolean") {
    out.problems.push(`${ECDSA_PATH}.remoteSigner: must be true or false`);
  }
  if ("remoteSignerConfig" in ecdsa) {
    const parsed = RemoteSignerConfig.safeParse(ecdsa.remoteSignerConfig);
    if (!parsed.success) {
      const at = ["operator", "signingKeys", "ecdsa", "remoteSignerConfig"];
      out.problems.push(...formatIssues(prefixed(parsed.error.issues, at)));
    }
  }
  const hadSwitch = "remoteSigner" in ecdsa;
  const hadConfig = "remoteSignerConfig" in ecdsa;
  delete ecdsa.remoteSigner;
  delete ecdsa.remoteSignerConfig;
  if (remote === true) {
    delete keys.ecdsa;
    out.warnings.push(
      `${ECDSA_PATH}.remoteSigner: true, but this executor cannot use a web3signer: the ECDSA ` +
        `key is not available and ${ECDSA_PATH} is treated as absent`,
    );
    return;
  }
  if (Object.keys(ecdsa).length === 0) delete keys.ecdsa;
  out.warnings.push(
    hadSwitch
      ? `${ECDSA_PATH}.remoteSigner: Ponos key ignored (false${
        hadConfig ? "; remoteSignerConfig ignored with it" : ""
      })`
      : `${ECDSA_PATH}.remoteSignerConfig: Ponos key ignored (remoteSigner is not true)`,
  );
}

/**
 * Ponos reads `bls.keystore: ""` as unset, and its own configs write it beside a keystoreFile;
 * dropping it keeps the "exactly one of keystore or keystoreFile" rule for real conflicts.
 */
function mapEmptyBlsKeystore(doc: Doc, warnings: string[]): void {
  const keys = isDoc(doc.operator) && isDoc(doc.operator.signingKeys)
    ? doc.operator.signingKeys
    : undefined;
  const bls = keys?.bls;
  if (!isDoc(bls) || bls.keystore !== "" || typeof bls.keystoreFile !== "string") return;
  delete bls.keystore;
  warnings.push(`operator.signingKeys.bls.keystore: empty, treated as unset (as Ponos does)`);
}

function mapKubernetes(doc: Doc, warnings: string[]): void {
  const kubernetes = doc.kubernetes;
  if (!isDoc(kubernetes) || !("operatorNamespace" in kubernetes)) return;
  delete kubernetes.operatorNamespace;
  warnings.push(`kubernetes.operatorNamespace: Ponos key ignored (${OPERATOR_NAMESPACE})`);
}

function mapStorage(doc: Doc, warnings: string[]): void {
  const storage = doc.storage;
  if (!isDoc(storage)) return;
  if ("type" in storage) {
    delete storage.type;
    warnings.push("storage.type: Ponos key ignored (the embedded store is always used)");
  }
  if ("badger" in storage) {
    const badger = storage.badger;
    if (isDoc(badger) && typeof badger.dir === "string" && storage.path === undefined) {
      storage.path = badger.dir;
    }
    delete storage.badger;
    warnings.push("storage.badger: Ponos key mapped to storage.path");
  }
}

function prefixed(issues: z.core.$ZodIssue[], at: PropertyKey[]): z.core.$ZodIssue[] {
  return issues.map((issue) => ({ ...issue, path: [...at, ...issue.path] }));
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== "";
  } catch {
    return false;
  }
}

function isDoc(value: unknown): value is Doc {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
