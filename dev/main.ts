/**
 * `deno task dev`: the whole system on the local default (control plane, node simulator,
 * operator, executor in kubernetes mode, a signed sample task).
 *
 * Not built yet: the operator and executor come first. Until then this says so plainly and
 * points at what does work today.
 * @module
 */

console.error(
  [
    "deno task dev: not yet — the operator and the executor are still being built.",
    "What works today:",
    "  deno task cluster   a real local control plane (etcd + kube-apiserver) with the Performer CRD",
    "  deno task test      the test suite against that control plane",
  ].join("\n"),
);
Deno.exit(2);
