/**
 * Lets an existing Ponos executor config load unchanged: the Ponos keys this executor does not
 * act on are removed with a warning naming each, and the ones with an equivalent here are mapped
 * to it (also with a warning). Every other unknown key is still an error.
 * @module
 */

type Doc = Record<string, unknown>;

const IGNORED_TOP_LEVEL: Record<string, string> = {
  l1Chain: "chain access is not needed by this executor",
  l2Chain: "chain access is not needed by this executor",
  overrideContracts: "contract addresses are not needed by this executor",
  authentication: "use managementAuth.enabled",
};

const IGNORED_PER_PERFORMER: Record<string, string> = {
  workerCount: "use maxConcurrentTasks",
  avsRegistrarAddress: "not needed by this executor",
};

/** Removes or maps Ponos-only keys in place; returns one warning per key. */
export function applyPonosCompat(doc: Doc): string[] {
  const warnings: string[] = [];
  for (const [key, why] of Object.entries(IGNORED_TOP_LEVEL)) {
    if (key in doc) {
      delete doc[key];
      warnings.push(`${key}: Ponos key ignored (${why})`);
    }
  }
  mapDebug(doc, warnings);
  mapNetworkName(doc, warnings);
  mapOperatorPrivateKey(doc, warnings);
  mapStorage(doc, warnings);
  if (Array.isArray(doc.avsPerformers)) {
    doc.avsPerformers.forEach((p: unknown, i) => {
      if (!isDoc(p)) return;
      for (const [key, why] of Object.entries(IGNORED_PER_PERFORMER)) {
        if (key in p) {
          delete p[key];
          warnings.push(`avsPerformers[${i}].${key}: Ponos key ignored (${why})`);
        }
      }
    });
  }
  return warnings;
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

function isDoc(value: unknown): value is Doc {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
