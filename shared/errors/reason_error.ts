/**
 * The one shape of this project's domain errors: a human message plus a stable, machine-readable
 * `reason` that callers branch on (status codes, metrics, logs) — never the message text. The
 * underlying error, when there is one, is kept as `cause`.
 * @module
 */

/** A domain error with a stable reason. Subclasses narrow `R` to their reasons. */
export class ReasonError<R extends string = string> extends Error {
  /** Stable machine-readable reason. */
  readonly reason: R;

  constructor(reason: R, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.reason = reason;
  }
}
