/**
 * `deno task helm <args>`: runs the pinned helm (built from the Go module proxy on first use)
 * with the given arguments, and exits with helm's exit code.
 * @module
 */

import { ensureHelm } from "./cluster/binaries.ts";
import { HELM_VERSION } from "./cluster/versions.ts";

const log = (line: string) => console.error(`[helm] ${line}`);

/** Runs helm with `args`, forwarding SIGINT/SIGTERM to it; resolves to its exit code. */
export async function runHelm(args: string[]): Promise<number> {
  const helm = await ensureHelm({
    log: (line) => log(`building helm ${HELM_VERSION} (first use only): ${line}`),
  });
  const child = new Deno.Command(helm, {
    args,
    stdin: "inherit",
    stdout: "inherit",
    stderr: "inherit",
  })
    .spawn();
  // helm may be waiting on the cluster (install --wait): let it clean up rather than orphan it.
  const forward = (signal: Deno.Signal) => () => child.kill(signal);
  const handlers = (["SIGINT", "SIGTERM"] as const).map((s) => [s, forward(s)] as const);
  for (const [signal, handler] of handlers) Deno.addSignalListener(signal, handler);
  try {
    return (await child.status).code;
  } finally {
    for (const [signal, handler] of handlers) Deno.removeSignalListener(signal, handler);
  }
}

if (import.meta.main) Deno.exit(await runHelm(Deno.args));
