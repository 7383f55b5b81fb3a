/**
 * Failures of the executor's store (the Deno KV file), each with what to do about it. The task
 * path answers `StoreUnavailable` with gRPC UNAVAILABLE; the other two stop the executor at start.
 * @module
 */

import { ReasonError } from "../../shared/errors/reason_error.ts";

/** Why the store cannot be used. */
export type StoreErrorReason = "StoreLocked" | "StoreCorrupt" | "StoreUnavailable";

/** The store cannot be used; the message names the file and what to do. */
export class StoreError extends ReasonError<StoreErrorReason> {}
