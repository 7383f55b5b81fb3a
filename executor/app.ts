/**
 * The executor's composition root — wiring only: config → keys, certificate verifier, chain
 * mode (when `l1Chain.rpcUrl` is set), store, AVS registry, performer runtime (docker or
 * kubernetes, by the config's one deployment mode) → lifecycle and deployer (adoption, recovery)
 * → gRPC services (task path, management) and HTTP endpoints. `stop()` drains: health goes
 * NOT_SERVING, in-flight tasks finish (up to the drain timeout), then performers are kept or
 * removed as configured.
 * @module
 */

import * as grpc from "@grpc/grpc-js";
import {
  avsPerformerFromDefaults,
  deploymentModeOf,
  type ExecutorConfig,
  managementAuthDisabledWarning,
  managementPort,
} from "../shared/config/executor_config.ts";
import { delay } from "../shared/controller/mod.ts";
import { HealthServer } from "../shared/grpc/health_server.ts";
import { startH2GrpcServer } from "../shared/grpc/h2/server.ts";
import { executorProto } from "../shared/proto/load.ts";
import { type Endpoints, serveEndpoints } from "../shared/runtime/http_endpoints.ts";
import type { Logger } from "../shared/runtime/log.ts";
import { AvsRegistry } from "./avs_registry.ts";
import { ecdsaVerifierForSigning } from "./chain/certificate_verifier.ts";
import { startChainMode } from "./chain/chain_mode.ts";
import { createExecutorMetrics } from "./metrics.ts";
import { connectionErrorReporter } from "./server/connection_errors.ts";
import { AvsDeployer } from "./performer/avs_deployer.ts";
import { createRuntime } from "./performer/factory.ts";
import { DeployError, type InstanceInfo, PerformerLifecycle } from "./performer/lifecycle.ts";
import type { ArtifactDeployment } from "./server/deploy_artifact.ts";
import { ManagementAuth } from "./server/management_auth.ts";
import { managementServiceHandlers } from "./server/management_service.ts";
import { taskServiceHandlers } from "./server/task_service.ts";
import { loadSigningKeys } from "./signing/keys.ts";
import type { TaskDeps } from "./task/pipeline.ts";
import { processedTasks } from "./task/processed_tasks.ts";
import { openCheckedStore } from "./store/open_store.ts";

/** Options of the executor process. */
export interface ExecutorOptions {
  log: Logger;
  /** The process environment (for `valueFromEnv`). */
  env: Record<string, string>;
  /** Directory that relative paths in the config are relative to. */
  baseDir: string;
  /** Bind host of the gRPC and HTTP servers (default 0.0.0.0). */
  host?: string;
}

/** A running executor. */
export interface RunningExecutor {
  grpcPort: number;
  managementPort: number;
  httpPort?: number;
  lifecycle: PerformerLifecycle;
  stop(): Promise<void>;
}

/** Starts everything; resolves once the servers listen (performers may still be starting). */
export async function startExecutor(
  config: ExecutorConfig,
  options: ExecutorOptions,
): Promise<RunningExecutor> {
  const { log } = options;
  const mode = deploymentModeOf(config);
  const keys = await loadSigningKeys(config.operator.signingKeys, { baseDir: options.baseDir });
  const ecdsaVerifier = await ecdsaVerifierForSigning(config, { log });
  // Chain mode (l1Chain.rpcUrl): tasks are checked against EigenLayer; else offline mode.
  const chain = await startChainMode(config, { log, keys, ecdsaVerifier });
  const authWarning = managementAuthDisabledWarning(config);
  if (authWarning) log("warn", authWarning);
  await Deno.mkdir(resolvePath(options.baseDir, config.storage.path), { recursive: true });
  // Locked for this process, checked (a damaged file is a clear error, not a Deno panic) and
  // written once, before anything else uses it.
  const store = await openCheckedStore(
    `${resolvePath(options.baseDir, config.storage.path)}/executor.kv`,
    { log },
  );
  const kv = store.kv;
  const runtime = await createRuntime(config, {
    executorId: config.operator.address.toLowerCase(),
    log,
  });
  const lifecycle = new PerformerLifecycle({
    runtime,
    log,
    healthIntervalMs: config.performerHealth.interval,
    unhealthyThreshold: config.performerHealth.failureThreshold,
    readyTimeoutMs: config.performerHealth.readyTimeout,
  });
  const metrics = createExecutorMetrics(lifecycle);
  const registry = await AvsRegistry.open({
    kv,
    configured: config.avsPerformers,
    create: (avs) => avsPerformerFromDefaults(config, avs),
    defaultScheme: keys.bn254 ? "bn254" : "ecdsa",
  });

  const deployer = new AvsDeployer({ lifecycle, mode, processEnv: options.env, kv, log });
  const stopping = new AbortController();
  await deployer.recover(registry.all().map((e) => e.config), stopping.signal);
  lifecycle.startMonitoring();

  const taskDeps: TaskDeps = {
    operatorAddress: config.operator.address,
    ecdsaVerifier,
    avs: registry.taskSettings,
    keys,
    processed: processedTasks(kv, config.storage.retention, { health: store.health }),
    replay: { retentionMs: config.storage.retention },
    limits: registry.limits,
    runTask: lifecycle.runTask.bind(lifecycle),
    authorize: chain?.authorize,
    log,
  };
  const proto = executorProto().eigenlayer.hourglass.v1;
  const health = new HealthServer({ "": "SERVING" });
  const services: {
    definition: grpc.ServiceDefinition;
    implementation: grpc.UntypedServiceImplementation;
  }[] = [
    {
      definition: proto.ExecutorService.service,
      implementation: taskServiceHandlers(taskDeps, { log, observe: metrics.task }),
    },
    { definition: health.definition, implementation: health.implementation },
  ];
  const management = {
    definition: proto.ExecutorManagementService.service,
    implementation: managementServiceHandlers({
      operatorAddress: config.operator.address,
      lifecycle,
      auth: config.managementAuth.enabled
        ? new ManagementAuth({
          operatorAddress: config.operator.address,
          bn254PublicKey: keys.bn254?.publicKey,
          ttlMs: config.managementAuth.tokenTtl,
          requireRequestBinding: config.managementAuth.requireRequestBinding,
        })
        : null,
      log,
      deployArtifact: async (request: ArtifactDeployment): Promise<InstanceInfo> => {
        const isNew = !registry.has(request.avsAddress);
        const { config: avs, created } = await registry.ensure(request.avsAddress, request.image);
        if (created) {
          log("info", "DeployArtifact for a new AVS: serving it with avsDefaults", {
            avs: avs.avsAddress,
          });
        }
        try {
          return await deployer.deploy(avs, request.image, request);
        } catch (err) {
          // A refused first deploy (bad env, image pull…) must not leave its new AVS behind:
          // served with no performer it answered tasks instead of NOT_FOUND, held /readyz at 503
          // and was deployed again at every start (tests/executor_grpc_fuzz_test.ts). A
          // concurrent deploy of the same AVS that is still running keeps it.
          const inProgress = err instanceof DeployError && err.reason === "DeployInProgress";
          if (isNew && !inProgress && !lifecycle.hasCurrent(avs.avsAddress)) {
            await registry.forget(avs.avsAddress);
          }
          throw err;
        }
      },
    }, proto.ExecutorManagementService.service),
  };
  const host = options.host ?? "0.0.0.0";
  const serverOptions = {
    onConnectionError: connectionErrorReporter({ log, count: metrics.grpcConnectionError }),
    maxConnectionsPerAddress: config.grpcServer.maxConnectionsPerAddress,
  };
  const sharedPort = managementPort(config) === config.grpcPort;
  // Our own HTTP/2 server (shared/grpc/h2/server.ts): no node:http2 under it, so no abort on a
  // client's GOAWAY or disconnect (deno#36788) and no relay in front; about a third of grpc-js's
  // CPU per call (README, "where the executor stands").
  const taskServer = startH2GrpcServer({
    host,
    port: config.grpcPort,
    services: sharedPort ? [...services, management] : services,
    serverOptions,
  });
  const mgmtServer = sharedPort ? taskServer : startH2GrpcServer({
    host,
    port: managementPort(config),
    services: [management],
    serverOptions,
  });
  const endpoints: Endpoints = serveEndpoints({
    healthAddress: { hostname: host, port: config.httpPort },
    metricsAddress: { hostname: host, port: config.httpPort },
    // Ready when the store takes a write (else the reason is the body) and every AVS has a
    // performer in service.
    readyz: async () => {
      await store.health.probe();
      return registry.all().every((e) => lifecycle.hasCurrent(e.config.avsAddress));
    },
    renderMetrics: async () => ({
      body: await metrics.registry.metrics(),
      contentType: metrics.registry.contentType,
    }),
  });
  log("info", "executor started", {
    mode,
    operator: config.operator.address,
    grpcPort: taskServer.port,
    managementPort: mgmtServer.port,
    httpPort: endpoints.healthPort,
    avs: registry.all().map((e) => e.config.avsAddress),
    ecdsaCertificateVerifier: ecdsaVerifier?.address,
    certificateVerifierVersion: ecdsaVerifier?.version,
    trust: chain ? "chain" : "config",
    ...chain?.describe,
  });
  return {
    grpcPort: taskServer.port,
    managementPort: mgmtServer.port,
    httpPort: endpoints.healthPort,
    lifecycle,
    async stop() {
      stopping.abort();
      health.shutdown();
      // Watchers got NOT_SERVING; their open streams would hold the drain below to its end.
      health.endWatches();
      const grace = config.shutdown.drainTimeout;
      await Promise.all([
        taskServer.server.close(grace),
        sharedPort ? undefined : mgmtServer.server.close(grace),
      ]);
      await lifecycle.shutdown({
        removePerformers: config.shutdown.removePerformers,
        drainTimeoutMs: grace,
      });
      await endpoints.shutdown();
      chain?.stop();
      // Outcomes wait to share a claim's commit (processed_tasks.ts); the last ones go now.
      // Bounded: a failing store fails them at once, and one never answering must not hold
      // the stop (the ids then read "running", as after a crash).
      const flushed = new AbortController();
      await Promise.race([
        taskDeps.processed.flush().catch(() => {}),
        delay(STORE_FLUSH_MS, flushed.signal).catch(() => {}),
      ]);
      flushed.abort();
      store.close();
      log("info", "executor stopped");
    },
  };
}

/** Longest the stop waits for the store's last writes. */
const STORE_FLUSH_MS = 2_000;

function resolvePath(baseDir: string, path: string): string {
  return path.startsWith("/") ? path : `${baseDir}/${path}`;
}
