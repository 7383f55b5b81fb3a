/**
 * Moved to `shared/controller/backoff.ts` (the project's one back-off implementation); this
 * re-export keeps `executor/app.ts` compiling until its import follows the move.
 * @module
 */

export {
  type Backoff,
  type BackoffOptions,
  delay,
  exponentialBackoff,
} from "../controller/backoff.ts";
