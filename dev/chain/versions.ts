/**
 * Pinned versions behind the local EigenLayer chain.
 *
 * Changing a version here changes the cache key (anvil) or the module fetched (contracts), so the
 * next `deno task chain` installs afresh.
 * @module
 */

/** `@foundry-rs/anvil` release from npm. */
export const ANVIL_VERSION = "1.7.1";

/** The Go module whose bindings (`pkg/bindings/<Name>/binding.go`) carry the contracts' bytecode. */
export const EIGENLAYER_CONTRACTS_MODULE = "github.com/Layr-Labs/eigenlayer-contracts";

/** The version Ponos pins (its go.mod), so our chain runs the contracts Ponos talks to. */
export const EIGENLAYER_CONTRACTS_VERSION = "v1.8.0-testnet-final.0.20250922221242-73644e201541";

/** The release the pinned commit belongs to; the contracts' `version()` strings. */
export const EIGENLAYER_CONTRACTS_RELEASE = "1.8.0";

/** Anvil's default dev chain id, fixed so that EIP-712 digests are reproducible. */
export const LOCAL_CHAIN_ID = 31337;
