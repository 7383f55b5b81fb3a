/**
 * The node simulator logs through the shared structured logger (`shared/runtime/log.ts`:
 * `createLogger`, `withFields`). This adds only the logger that drops everything, which tests
 * pass to keep the simulator quiet.
 * @module
 */

import type { Logger } from "../../shared/runtime/log.ts";

/** A logger that drops every line. */
export const silentLog: Logger = () => {};
