/**
 * Durations in config files are strings such as `30s`, `1m30s` or `250ms`, as in Go and
 * Kubernetes. A bare number is rejected: the earlier executor read it as nanoseconds, which no
 * one meant.
 * @module
 */

import { z } from "zod";

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const DURATION = /^(\d+(?:\.\d+)?(?:ms|s|m|h))+$/;
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;

/** Parses a duration string into milliseconds; throws a RangeError naming the bad value. */
export function parseDuration(text: string): number {
  if (!DURATION.test(text)) {
    throw new RangeError(`Invalid duration "${text}": use a number with a unit, e.g. "30s"`);
  }
  let ms = 0;
  for (const [, amount, unit] of text.matchAll(PART)) ms += Number(amount) * UNIT_MS[unit];
  return ms;
}

/** Formats milliseconds as the shortest duration string (`90000` → `1m30s`). */
export function formatDuration(ms: number): string {
  if (ms === 0) return "0s";
  let rest = ms;
  let out = "";
  for (const unit of ["h", "m", "s"] as const) {
    const size = UNIT_MS[unit];
    if (rest >= size) {
      out += `${Math.floor(rest / size)}${unit}`;
      rest %= size;
    }
  }
  return rest > 0 ? `${out}${rest}ms` : out;
}

/** A zod schema for a required duration string, producing milliseconds. */
export const Duration = z.string({
  error: (issue) =>
    issue.input === undefined
      ? "required"
      : `must be a duration string such as "30s" (got ${typeof issue.input})`,
}).regex(DURATION, 'must be a duration such as "30s", "1m30s" or "250ms"')
  .transform(parseDuration);

/** Inclusive bounds of a duration, as a user writes them (`"100ms"`, `"24h"`). */
export interface DurationBounds {
  min: string;
  max: string;
}

/** JSON-schema key under which a duration's bounds reach the generated docs. */
export const DURATION_BOUNDS_KEY = "x-duration-bounds";

/**
 * A duration with a default and bounds, given as the strings a user would write; produces
 * milliseconds. Every duration key has bounds: a zero, sub-millisecond or absurdly long value is
 * a mistake (a timer that fires in a loop, a timeout that never ends, a delay past the 2^31 ms
 * at which `setTimeout` fires at once), and so is a number too long to be finite.
 */
export function durationMs(defaultValue: string, bounds: DurationBounds) {
  const min = parseDuration(bounds.min);
  const max = parseDuration(bounds.max);
  const fallback = parseDuration(defaultValue);
  if (!(min <= fallback && fallback <= max)) {
    throw new RangeError(
      `Invalid duration bounds ${bounds.min} to ${bounds.max} for default "${defaultValue}"`,
    );
  }
  // Only a number too long to be finite reaches z.number's own type error.
  return Duration.pipe(
    z.number({ error: `must be at most ${bounds.max}` })
      .min(min, `must be at least ${bounds.min}`)
      .max(max, `must be at most ${bounds.max}`),
  )
    // prefault: the default is an input, parsed like a value from the file.
    .prefault(defaultValue)
    .meta({ [DURATION_BOUNDS_KEY]: { min: bounds.min, max: bounds.max } });
}
