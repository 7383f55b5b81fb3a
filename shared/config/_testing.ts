/**
 * Helpers of the config tests: a valid document to change one key of, and the problems the
 * loader reports for a document.
 * @module
 */

import YAML from "yaml";
import { ConfigError, type LoadedConfig, parseExecutorConfig } from "./load.ts";

/** The operator of the test documents. */
export const OPERATOR = "0x6B58f6762689DF33fe8fa3FC40Fb5a3089D3a8cc";
/** An AVS of the test documents. */
export const AVS = "0xCE2Ac75bE2E0951F1F7B288c7a6A9BfB6c331DC4";
/** A test ECDSA key (never a real one). */
export const ECDSA_KEY = "0x3dd7c381f27775d9945f0fcf5bb914484c4d01681824603c71dd762259f43214";
/** A BLS keystore section (the loader does not decrypt keystores). */
export const BLS_KEY = { keystore: "{}", password: "" };

/** A valid config with one docker performer, signing with the given keys, no chain settings. */
export function docWith(signingKeys: Record<string, unknown>): Record<string, unknown> {
  return {
    operator: { address: OPERATOR, signingKeys },
    avsPerformers: [{ avsAddress: AVS, image: { repository: "hello-performer", tag: "v1" } }],
  };
}

/** Loads a document given as an object. */
export function load(doc: unknown): LoadedConfig {
  return parseExecutorConfig(YAML.stringify(doc));
}

/** The problems reported for a document, or [] when it loads. */
export function problemsOf(doc: unknown): string[] {
  try {
    load(doc);
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
}
