/**
 * Kubernetes resource quantities (`500m`, `2`, `8Gi`, `1e3`) as plain numbers in base units,
 * precise enough to compare a pod's requests with a node's allocatable resources.
 * @module
 */

const SUFFIX: Record<string, number> = {
  "": 1,
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

const PATTERN = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])?)$/;

/** Parses a quantity into base units (cores for cpu, bytes for memory); throws on bad input. */
export function parseQuantity(quantity: string | number): number {
  if (typeof quantity === "number") return quantity;
  const match = PATTERN.exec(quantity.trim());
  if (!match) throw new RangeError(`Invalid resource quantity "${quantity}"`);
  const [, digits, exponent, suffix] = match;
  if (exponent) return Number(`${digits}${exponent}`);
  return Number(digits) * SUFFIX[suffix ?? ""];
}

/** Adds `quantity` of `resource` into `into` (base units). */
export function addQuantity(
  into: Map<string, number>,
  resource: string,
  quantity: string | number,
): void {
  into.set(resource, (into.get(resource) ?? 0) + parseQuantity(quantity));
}
