/**
 * One place that decides when a long-running command should stop: SIGINT, SIGTERM, or its
 * parent process going away.
 *
 * The parent check matters because `deno task` does not forward SIGTERM to the process it
 * started: without it, stopping the task runner would leave our servers (and their children)
 * running with no one to stop them.
 * @module
 */

/** Resolves with the reason once the process should shut down. */
export function shutdownSignal(options: { pollMs?: number } = {}): Promise<string> {
  const { promise, resolve } = Promise.withResolvers<string>();
  const parent = Deno.ppid;
  const listeners: [Deno.Signal, () => void][] = [];
  const timer = setInterval(() => {
    if (Deno.ppid !== parent) finish(`parent process ${parent} exited`);
  }, options.pollMs ?? 1000);
  const finish = (reason: string) => {
    clearInterval(timer);
    for (const [sig, listener] of listeners) Deno.removeSignalListener(sig, listener);
    resolve(reason);
  };
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    const listener = () => finish(sig);
    listeners.push([sig, listener]);
    Deno.addSignalListener(sig, listener);
  }
  return promise;
}
