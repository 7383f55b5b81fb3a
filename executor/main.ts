/**
 * `deno task executor`: the executor binary's entry point.
 *
 * Not built yet; this says so rather than pretending to run.
 * @module
 */

console.error("deno task executor: not yet implemented — see the project's open issues.");
Deno.exit(2);
