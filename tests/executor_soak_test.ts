/**
 * HTTP/2 soak of a real executor (issue 11, "The Deno HTTP/2 crash must not be hidden";
 * deno#36788): one executor process in docker mode with the hello performer on Podman, through
 * SOAK_CYCLES (default 200) cycles of a burst of signed tasks followed by one event in rotation —
 * a blue-green DeployArtifact of the other performer version, a restart (RemovePerformer then
 * DeployArtifact), a crash (SIGKILL of the performer container, recovered by the executor), an
 * idle gap (some longer than the executor's 10 s client idle close), and a graceful stop of the
 * performer by someone else (SIGTERM: the performer sends a GOAWAY to the executor's performer
 * client). Before the GOAWAY shield (d2f9e7f) and the h2 performer client (95b8712) the executor
 * died (134 SIGABRT in nghttp2, 139 SIGSEGV) or hung (main thread busy, memory growing) in each
 * of the 4 runs of this full rotation, at cycle 17 to 84, both before and after the session bound.
 *
 * The aggregator side is a Node.js process (tests/fixture/soak_driver.mjs, plain node:http2), as
 * are the few management calls: this test process holds no HTTP/2 session, so a crash can only be
 * the executor's. Each burst runs on new connections that the driver closes gracefully (GOAWAY to
 * the executor's task server), leaves idle until the next idle gap, or resets.
 *
 * Asserted: the executor never exits or hangs (/healthz unanswered for 20 s); either fails at once
 * with the exit code or signal (or memory and busy threads) and the cycle and event, nothing is
 * retried. Every task gets exactly one answer, every OK task ran once
 * on a performer (its container logs) and a resubmission of it is refused with ALREADY_EXISTS,
 * other statuses only UNAVAILABLE in the bursts a performer crash or stop overlaps, or that follow
 * a performer event until a burst is all OK again (INTERNAL only for tasks a killed performer was
 * running, counted apart). SOAK_SEED picks the burst sizes, concurrency and gaps; SOAK_VERBOSE=1
 * prints a line per cycle; the closing "soak:" line sums it up.
 */

import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { signedSubmission } from "../dev/aggregator_client.ts";
import { canonicalRequestBytes, managementAuthDigest } from "../executor/server/management_auth.ts";
import { EcdsaKey } from "../executor/signing/ecdsa.ts";
import type { TaskResultMessage } from "../executor/task/pipeline.ts";
import { executorProto } from "../shared/proto/load.ts";
import { tasksStarted } from "./fixture/container_logs.ts";
import { AGGREGATOR_KEY, EXECUTOR_AVS, executorConfig, podmanSocket } from "./fixture/executor.ts";
import { seededRandom } from "./fixture/seeded_random.ts";
import {
  type BurstResult,
  type CloseMode,
  Containers,
  describe,
  fromBase64,
  isReady,
  sleep,
  SoakDriver,
  startSoakExecutor,
  watchExecutor,
} from "./fixture/soak.ts";

const CYCLES = envInt("SOAK_CYCLES", 200);
const SEED = envInt("SOAK_SEED", 1);
/** Idle gaps longer than the executor's client idle close (CLIENT_IDLE_MS, 10 s). */
const LONG_IDLES = envInt("SOAK_LONG_IDLES", 2);
const LONG_IDLE_MS = 11_000;
const VERBOSE = Deno.env.get("SOAK_VERBOSE") === "1";
/** Longest a performer event may keep tasks failing (breaker 10 s + restart + health checks). */
const RECOVERY_MS = 30_000;

/**
 * The rotation. A crash or stop opens the executor's circuit breaker to that performer for 10 s
 * (tasks fail fast with UNAVAILABLE), so each is followed by an event that brings a new performer
 * (deploy, restart): tasks keep flowing without waiting out the breaker.
 */
const ALL_EVENTS = ["crash", "deploy", "stop", "restart", "idle"] as const;
type Event = typeof ALL_EVENTS[number];
/** The events run by default: all. SOAK_EVENTS=deploy,stop (say) narrows the rotation. */
const DEFAULT_EVENTS: readonly Event[] = ALL_EVENTS;
const EVENTS = selectedEvents(Deno.env.get("SOAK_EVENTS"));

function selectedEvents(raw: string | undefined): readonly Event[] {
  if (raw === undefined || raw === "") return DEFAULT_EVENTS;
  if (raw === "all") return ALL_EVENTS;
  const names = raw.split(",").map((n) => n.trim());
  const unknown = names.filter((n) => !(ALL_EVENTS as readonly string[]).includes(n));
  if (unknown.length || names.length === 0) {
    throw new Error(
      `SOAK_EVENTS: unknown event ${unknown.join(", ")}; use "all" or a list of ${
        ALL_EVENTS.join(", ")
      }`,
    );
  }
  // In the rotation's order, so a crash or stop is followed by a new performer where possible.
  return ALL_EVENTS.filter((e) => names.includes(e));
}
/** Events that take the performer away: UNAVAILABLE is expected while and just after. */

const UNAVAILABLE = 14;
const ALREADY_EXISTS = 6;
const INTERNAL = 13;
/** How grpc-js in the executor words a stream broken by the performer's death. */
const TRANSPORT_ERROR = /RST_STREAM|EPIPE|ECONNRESET/;
const STATUS_NAMES: Record<number, string> = {
  0: "OK",
  1: "CANCELLED",
  2: "UNKNOWN",
  3: "INVALID_ARGUMENT",
  4: "DEADLINE_EXCEEDED",
  5: "NOT_FOUND",
  6: "ALREADY_EXISTS",
  7: "PERMISSION_DENIED",
  8: "RESOURCE_EXHAUSTED",
  13: "INTERNAL",
  14: "UNAVAILABLE",
};

function envInt(name: string, fallback: number): number {
  const raw = Deno.env.get(name);
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    throw new Error(`${name} must be a non-negative integer, got "${raw}"`);
  }
  return value;
}

function statusName(status: number | string): string {
  return typeof status === "number" ? STATUS_NAMES[status] ?? `code ${status}` : status;
}

/** A fresh operator key: tests sharing one adopt or remove each other's containers on Podman. */
function freshOperator(): { key: EcdsaKey; hex: string } {
  const hex = "0x" + Array.from(crypto.getRandomValues(new Uint8Array(32)))
    .map((b) => b.toString(16).padStart(2, "0")).join("");
  return { key: EcdsaKey.fromHex(hex), hex };
}

Deno.test(
  "soak: the executor survives deploys, restarts, crashes, idle gaps and performer stops with tasks flowing",
  { sanitizeOps: false, sanitizeResources: false },
  async () => {
    const started = Date.now();
    const random = seededRandom(SEED);
    const between = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
    const operator = freshOperator();
    const executorId = operator.key.address.toLowerCase();
    const { config, configPath } = await executorConfig((c) => {
      c.operator = {
        address: operator.key.address,
        signingKeys: { ecdsa: { privateKey: operator.hex } },
      };
      const [avs] = c.avsPerformers as Record<string, unknown>[];
      avs.maxConcurrentTasks = 64;
      c.shutdown = { removePerformers: true, drainTimeout: "5s" };
      // Notices a killed performer within about a second.
      c.performerHealth = { interval: "500ms", failureThreshold: 2, readyTimeout: "60s" };
    });
    const grpcPort = config.grpcPort as number;
    const mgmtPort = config.managementServerGrpcPort as number;
    const httpPort = config.httpPort as number;
    const containers = new Containers(await podmanSocket());
    const proto = executorProto().eigenlayer.hourglass.v1;
    const submit = proto.ExecutorService.service.SubmitTask;
    const mgmtService = proto.ExecutorManagementService.service;

    const executor = await startSoakExecutor(configPath, httpPort);
    const driver = new SoakDriver();
    let where = "start-up";
    const watchdog = watchExecutor(executor, httpPort, () => where);
    /** `promise`, unless the executor dies or hangs first (then that failure; never retried). */
    /** The first line of the watchdog's failure (death or hang), for the summary. */
    let failureNote = "";
    watchdog.failure.catch((err: Error) => (failureNote = err.message.split("\n")[0]));
    const guard = <T>(promise: Promise<T>): Promise<T> => Promise.race([promise, watchdog.failure]);
    /** Fails with how the executor died and where the soak was; never retried. */
    const assertAlive = () => {
      const exit = executor.exit();
      if (!exit) return;
      throw new Error(
        `The executor died (${describe(exit)}) during ${where}.\n` +
          `--- executor log (last 60 lines) ---\n` +
          executor.logs().split("\n").slice(-60).join("\n"),
      );
    };

    /** A management call through the driver, signed with the operator key (bound scheme). */
    const management = async (method: string, request: Record<string, unknown>) => {
      const unary = async (m: string, req: Record<string, unknown>) => {
        const def = mgmtService[m];
        const outcome = await guard(driver.unary(mgmtPort, def.path, def.requestSerialize(req)));
        if (outcome.status !== 0) {
          // A stream reset may be the executor dying: give its exit a moment to show.
          await Promise.race([executor.exited, sleep(3_000)]);
          assertAlive();
          throw new Error(
            `${m} during ${where}: ${statusName(outcome.status)} ${outcome.message}`,
          );
        }
        return def.responseDeserialize(Buffer.from(fromBase64(outcome.body ?? ""))) as Record<
          string,
          unknown
        >;
      };
      const { challengeToken } = await unary("GetChallengeToken", {
        operatorAddress: operator.key.address,
      }) as { challengeToken: string };
      const bytes = canonicalRequestBytes(mgmtService[method].requestSerialize, request);
      const signature = operator.key.sign(managementAuthDigest(challengeToken, method, bytes));
      return await unary(method, { ...request, auth: { challengeToken, signature } });
    };

    /** Started counts per container id, from each container's latest log read. */
    const startedBy = new Map<string, Map<string, number>>();
    const readPerformerLogs = async () => {
      for (const c of await containers.list(executorId)) {
        startedBy.set(c.Id, await tasksStarted(await podmanSocket(), c.Id));
      }
    };
    const running = async () =>
      (await containers.list(executorId)).filter((c) => c.State === "running");

    /** Waits until a performer container other than `was` runs and the executor is ready. */
    const waitRecovered = async (was: { id: string; startedAt: string }) => {
      const deadline = Date.now() + 90_000;
      while (Date.now() < deadline) {
        assertAlive();
        for (const c of await running()) {
          const state = await containers.state(c.Id);
          if (state?.running && (c.Id !== was.id || state.startedAt !== was.startedAt)) {
            if (await isReady(httpPort)) return;
          }
        }
        await sleep(200);
      }
      throw new Error(`The performer did not recover within 90 s during ${where}`);
    };

    let tag = "v1";
    const deploy = async (version: string) => {
      const res = await management("DeployArtifact", {
        avsAddress: EXECUTOR_AVS,
        registryUrl: `hourglass/hello-performer:${version}`,
        digest: "",
        env: [{ name: "HELLO_VERSION", value: version }],
      });
      assert.equal(res.success, true, `DeployArtifact ${version} during ${where}: ${res.message}`);
    };

    const counts = {
      tasks: 0,
      ok: 0,
      unavailable: 0,
      internalTransport: 0,
      retries: 0,
      sessions: 0,
      serverGoaways: 0,
      closes: { graceful: 0, idle: 0, destroy: 0 } as Record<CloseMode, number>,
      events: { deploy: 0, crash: 0, idle: 0, restart: 0, stop: 0 } as Record<Event, number>,
      longIdles: 0,
    };
    const answers = new Map<string, number>();
    const okTasks = new Map<string, Uint8Array>();
    const resubmit: { id: string; req: Uint8Array }[] = [];
    /** Unexpected outcomes and how often each came. */
    const unexpectedCounts = new Map<string, number>();
    const unexpected = {
      push: (what: string) => unexpectedCounts.set(what, (unexpectedCounts.get(what) ?? 0) + 1),
      get length() {
        return [...unexpectedCounts.values()].reduce((a, b) => a + b, 0);
      },
    };
    let idleSeen = 0;
    let lastEvent: Event | undefined;
    let recovering: { since: number; at: number } | undefined;

    try {
      for (let cycle = 0; cycle < CYCLES; cycle++) {
        const event = EVENTS[cycle % EVENTS.length];
        const cycleStart = Date.now();
        where = `cycle ${cycle} (burst before ${event})`;
        assertAlive();
        const n = between(1, 120);
        // At most 16 rounds of sequential calls, so that no burst takes long.
        const concurrency = between(Math.ceil(n / 16), 32);
        const roll = random();
        const close: CloseMode = roll < 0.6 ? "graceful" : roll < 0.8 ? "idle" : "destroy";
        const calls = Array.from({ length: n }, (_, i) => {
          const t = signedSubmission({
            avsAddress: EXECUTOR_AVS,
            executorAddress: operator.key.address,
            payload: new TextEncoder().encode(
              JSON.stringify({ text: `c${cycle} t${i}`, sleepMs: between(0, 10) }),
            ),
          }, AGGREGATOR_KEY);
          return { id: t.taskId, req: new Uint8Array(submit.requestSerialize(t)) };
        });
        const burst = driver.burst({
          port: grpcPort,
          path: submit.path,
          calls,
          concurrency,
          close,
          timeoutMs: 30_000,
        });

        // Crashes and stops hit a performer with tasks in flight; the others follow the burst.
        let overlapped = false;
        let victim: { id: string; startedAt: string } | undefined;
        if (event === "crash" || event === "stop") {
          await sleep(between(20, 200));
          const [c] = await running();
          const state = c && await containers.state(c.Id);
          assert.ok(
            c && state,
            `no running performer container before the ${event} of cycle ${cycle}`,
          );
          victim = { id: c.Id, startedAt: state.startedAt };
          where = `cycle ${cycle} (${event} of the performer during the burst)`;
          overlapped = true;
          if (event === "crash") await containers.kill(c.Id);
          else await containers.stop(c.Id);
        }
        const result: BurstResult = await guard(burst);
        assertAlive();
        counts.sessions += result.sessions;
        counts.serverGoaways += result.serverGoaways;
        counts.closes[close]++;
        // UNAVAILABLE is expected from a performer event until the first burst answered all OK
        // (a crash opens the executor's circuit breaker to the performer for 10 s).
        const mayBeUnavailable = overlapped || recovering !== undefined;
        let sampled = false;
        for (const outcome of result.calls) {
          counts.tasks++;
          counts.retries += outcome.retries;
          answers.set(outcome.id, (answers.get(outcome.id) ?? 0) + 1);
          if (outcome.status === 0) {
            counts.ok++;
            const res = submit.responseDeserialize(
              Buffer.from(fromBase64(outcome.body ?? "")),
            ) as unknown as TaskResultMessage;
            const body = JSON.parse(new TextDecoder().decode(res.output));
            if (res.taskId !== outcome.id || body.taskId !== outcome.id) {
              unexpected.push(`cycle ${cycle}: OK answer for ${outcome.id} names ${res.taskId}`);
            }
            okTasks.set(outcome.id, res.output);
            if (!sampled) {
              sampled = true;
              resubmit.push(calls.find((c) => c.id === outcome.id)!);
            }
          } else if (outcome.status === UNAVAILABLE && mayBeUnavailable) {
            counts.unavailable++;
          } else if (
            outcome.status === INTERNAL && overlapped && TRANSPORT_ERROR.test(outcome.message)
          ) {
            // A task the performer was running when it was killed: grpc-js in the executor
            // reports the broken stream as INTERNAL, and the executor passes it on (reported).
            counts.internalTransport++;
          } else {
            unexpected.push(
              `cycle ${cycle} (${overlapped ? `during ${event}` : `after ${lastEvent}`}, ` +
                `${recovering ? "recovering" : "not around a performer event"}): ` +
                `${statusName(outcome.status)} ${outcome.message}`,
            );
          }
        }
        if (overlapped) recovering = { since: cycle, at: Date.now() };
        else if (result.calls.every((c) => c.status === 0)) recovering = undefined;
        else if (recovering && Date.now() - recovering.at > RECOVERY_MS) {
          unexpected.push(
            `cycle ${cycle}: still failing ${
              RECOVERY_MS / 1000
            } s after the event of cycle ${recovering.since}`,
          );
          recovering = undefined;
        }
        const missing = calls.filter((c) => !answers.has(c.id));
        assert.equal(missing.length, 0, `cycle ${cycle}: ${missing.length} tasks got no answer`);
        // The executor removes the old container on a deploy or restart: read what it ran first.
        if (event === "deploy" || event === "restart") await readPerformerLogs();

        const burstMs = Date.now() - cycleStart;
        where = `cycle ${cycle} (${event})`;
        counts.events[event]++;
        if (event === "restart") recovering = { since: cycle, at: Date.now() };
        if (event === "deploy") {
          tag = tag === "v1" ? "v2" : "v1";
          await deploy(tag);
        } else if (event === "restart") {
          const listed = await management("ListPerformers", { avsAddress: EXECUTOR_AVS }) as {
            performers: { performerId: string }[];
          };
          assert.equal(
            listed.performers.length,
            1,
            `one performer before the restart of cycle ${cycle}`,
          );
          const removed = await management("RemovePerformer", {
            performerId: listed.performers[0].performerId,
          });
          assert.equal(
            removed.success,
            true,
            `RemovePerformer in cycle ${cycle}: ${removed.message}`,
          );
          await deploy(tag);
        } else if (event === "idle") {
          const long = idleSeen++ % 8 === 3 && counts.longIdles < LONG_IDLES;
          if (long) counts.longIdles++;
          await guard(sleep(long ? LONG_IDLE_MS : between(200, 1_000)));
          await guard(driver.closeIdle());
        } else {
          await guard(waitRecovered(victim!));
        }
        assertAlive();
        lastEvent = event;
        if (VERBOSE) {
          console.log(
            `cycle ${cycle}: ${n} tasks x${concurrency} ${close} ${burstMs} ms, ${event} ` +
              `${Date.now() - cycleStart - burstMs} ms; ` +
              `${result.calls.filter((c) => c.status === 0).length} OK`,
          );
        }
      }

      // Every OK task once more: refused, not run again.
      where = "the resubmission of OK tasks";
      const again = await guard(driver.burst({
        port: grpcPort,
        path: submit.path,
        calls: resubmit,
        concurrency: 8,
        close: "graceful",
        timeoutMs: 30_000,
      }));
      for (const outcome of again.calls) {
        if (outcome.status !== ALREADY_EXISTS) {
          unexpected.push(`resubmitted OK task ${outcome.id}: ${statusName(outcome.status)}`);
        }
      }
      await guard(driver.closeIdle());
      // A death after the last GOAWAY (seen within 2 s of a client's close before the bound).
      where = "the 3 s after the driver closed its last connections";
      await guard(sleep(3_000));
      assertAlive();
      await readPerformerLogs();

      const ran = new Map<string, number>();
      for (const perContainer of startedBy.values()) {
        for (const [id, n] of perContainer) ran.set(id, (ran.get(id) ?? 0) + n);
      }
      const twice = [...answers].filter(([, n]) => n !== 1).map(([id]) => id);
      assert.deepEqual(twice, [], "every task answered exactly once");
      const notOnce = [...okTasks.keys()].filter((id) => ran.get(id) !== 1);
      assert.deepEqual(
        notOnce.map((id) => `${id} ran ${ran.get(id) ?? 0} times`),
        [],
        "every OK task ran exactly once on a performer",
      );
      const failedTwice = [...answers.keys()].filter((id) => (ran.get(id) ?? 0) > 1);
      assert.deepEqual(failedTwice, [], "no task ran twice");
      assert.deepEqual(
        [...unexpectedCounts].map(([what, n]) => `${n} x ${what}`),
        [],
        "only UNAVAILABLE, and only around performer events",
      );
    } finally {
      const seconds = ((Date.now() - started) / 1000).toFixed(0);
      console.log(
        `soak: cycles=${Object.values(counts.events).reduce((a, b) => a + b, 0)}/${CYCLES} ` +
          `seed=${SEED} rotation=${
            EVENTS.join(",")
          } tasks=${counts.tasks} ok=${counts.ok} unavailable=${counts.unavailable} ` +
          `internalOnCrash=${counts.internalTransport} ` +
          `unexpected=${unexpected.length} retries=${counts.retries} ` +
          `events=${JSON.stringify(counts.events)} longIdles=${counts.longIdles} ` +
          `closes=${JSON.stringify(counts.closes)} sessions=${counts.sessions} ` +
          `serverGoaways=${counts.serverGoaways} ` +
          `executorDeaths=${failureNote ? `1 (${failureNote})` : 0} ` +
          `time=${seconds}s`,
      );
      watchdog.stop();
      if (failureNote || executor.exit()) {
        // Where the death falls among the driver's GOAWAYs (each way) and resets.
        const diedAt = executor.exit()?.at ?? Date.now();
        const role = (port: number) =>
          port === grpcPort ? "task server" : port === mgmtPort ? "management server" : `${port}`;
        console.log(
          "driver's last session events before the executor's end (ms before it):\n" +
            (await driver.recent()).map((e) =>
              `  ${e.t - diedAt} ms: ${e.kind}, ${role(e.port)}, session of ${e.streams} streams`
            ).join("\n"),
        );
      }
      await driver.close();
      if (!executor.exit()) {
        // A hung executor does not handle SIGTERM: SIGKILL after 30 s.
        const timer = setTimeout(() => executor.kill(), 30_000);
        const { code } = await executor.stop();
        clearTimeout(timer);
        if (code !== 0) console.error(`executor exit code ${code} on SIGTERM`);
      }
      // A dead executor left its performers behind.
      for (const c of await containers.list(executorId)) await containers.remove(c.Id);
    }
  },
);
