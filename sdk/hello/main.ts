/**
 * hello-performer, the project's sample performer: `deno run -A sdk/hello/main.ts`.
 * Environment: GRPC_PORT (9090), HOURGLASS_BIND_HOST (0.0.0.0), HELLO_VERSION, HELLO_DELAY_MS,
 * HELLO_CRASH_ON_START=1, HELLO_HEALTH=NOT_SERVING (see hello.ts).
 * @module
 */

import { performerLogger, servePerformer } from "../mod.ts";
import { helloConfigFromEnv, helloTaskHandler } from "./hello.ts";

const NAME = "hello-performer";
const log = performerLogger(NAME);

let config;
try {
  config = helloConfigFromEnv((name) => Deno.env.get(name));
} catch (err) {
  log.error("invalid configuration", { error: err });
  Deno.exit(2);
}
log.info("starting", { version: config.version, delayMs: config.delayMs, health: config.health });
if (config.crashOnStart) {
  log.error("HELLO_CRASH_ON_START=1: exiting with code 1");
  Deno.exit(1);
}
let performer;
try {
  performer = await servePerformer({
    name: NAME,
    handleTask: helloTaskHandler(config),
    serving: config.health === "SERVING",
  });
} catch (err) {
  // e.g. GRPC_PORT malformed or already in use.
  log.error("cannot start", { error: err });
  Deno.exit(1);
}
await performer.finished;
// Exit now rather than wait for grpc-js's lingering timers to run out.
Deno.exit(0);
