/**
 * Reading `@kubernetes/client-node` failures: its `ApiException` carries the HTTP status in
 * `code`, and the watch reports failures with `statusCode`.
 * @module
 */

/** True when `err` is an API error with one of the given HTTP status codes. */
export function isApiError(err: unknown, ...codes: number[]): boolean {
  const code = apiErrorCode(err);
  return code !== undefined && codes.includes(code);
}

/** The HTTP status of an API error, if it has one. */
export function apiErrorCode(err: unknown): number | undefined {
  if (typeof err !== "object" || err === null) return undefined;
  const record = err as { code?: unknown; statusCode?: unknown };
  if (typeof record.code === "number") return record.code;
  if (typeof record.statusCode === "number") return record.statusCode;
  return undefined;
}
