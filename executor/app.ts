/**
 * The executor's composition root: config → keys, store, performer runtime (docker or
 * kubernetes, by the config's one deployment mode) → lifecycle → gRPC servers and HTTP
 * endpoints. `stop()` drains: health goes NOT_SERVING, in-flight tasks finish (up to the drain
 * timeout), then performers are kept or removed as configured.
 * @module
 */

import * as grpc from "@grpc/grpc-js";
import {
  type AvsPerformerConfig,
  avsPerformerFromDefaults,
  deploymentModeOf,
  type ExecutorConfig,
  managementAuthDisabledWarning,
  managementPort,
  PerformerKubernetesConfig,
} from "../shared/config/executor_config.ts";
import { HealthServer } from "../shared/grpc/health_server.ts";
import { startGrpcServer, stopGrpcServer } from "../shared/grpc/server.ts";
import { executorProto } from "../shared/proto/load.ts";
import { type Endpoints, serveEndpoints } from "../shared/runtime/http_endpoints.ts";
import type { Logger } from "../shared/runtime/log.ts";
import { delay, exponentialBackoff } from "../shared/runtime/backoff.ts";
import { createExecutorMetrics } from "./metrics.ts";
import { type EnvEntry, resolveEnv } from "./performer/env.ts";
import { createRuntime } from "./performer/factory.ts";
import { type PerformerInfo, PerformerLifecycle } from "./performer/lifecycle.ts";
import type { PerformerImage } from "../shared/config/executor_config.ts";
import { ManagementAuth } from "./server/management_auth.ts";
import {
  type DeployArtifactRequest,
  managementServiceHandlers,
} from "./server/management_service.ts";
import { taskServiceHandlers } from "./server/task_service.ts";
import { loadSigningKeys } from "./signing/keys.ts";
import { AvsRegistry } from "./avs_registry.ts";
import { ecdsaVerifierForSigning } from "./chain/certificate_verifier.ts";
import { TaskError } from "./task/errors.ts";
import type { TaskDeps } from "./task/pipeline.ts";
import { openStore, processedTasks } from "./task/processed_tasks.ts";

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
  const authWarning = managementAuthDisabledWarning(config);
  if (authWarning) log("warn", authWarning);
  await Deno.mkdir(resolvePath(options.baseDir, config.storage.path), { recursive: true });
  const kv = await openStore(`${resolvePath(options.baseDir, config.storage.path)}/executor.kv`);
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

  const deploy = async (
    p: AvsPerformerConfig,
    image: PerformerImage,
    extraEnv: EnvEntry[] = [],
    sa?: string,
  ): Promise<PerformerInfo> => {
    // A service account from DeployArtifact applies even when the config has no kubernetes section.
    const kubernetes = sa
      ? { ...(p.kubernetes ?? PerformerKubernetesConfig.parse({})), serviceAccountName: sa }
      : p.kubernetes;
    return await lifecycle.deploy({
      avsAddress: p.avsAddress,
      image,
      env: resolveEnv([...p.envs, ...extraEnv], options.env, mode),
      kubernetes,
    });
  };
  const stopping = new AbortController();
  await adoptOrDeploy(registry, lifecycle, kv, deploy, log, stopping.signal);
  lifecycle.startMonitoring();

  const taskDeps: TaskDeps = {
    operatorAddress: config.operator.address,
    ecdsaVerifier,
    avs: registry.taskSettings,
    keys,
    processed: processedTasks(kv, config.storage.retention),
    limits: registry.limits,
    runTask: lifecycle.runTask.bind(lifecycle),
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
      deployArtifact: async (req: DeployArtifactRequest): Promise<PerformerInfo> => {
        if (!/^0x[0-9a-fA-F]{40}$/.test(req.avsAddress)) {
          throw new TaskError("InvalidArgument", "avs_address must be a 0x address");
        }
        const image = artifactImage(req);
        const { config: p, created } = await registry.ensure(req.avsAddress, image);
        if (created && !lifecycle.hasCurrent(p.avsAddress)) {
          log("info", "DeployArtifact for a new AVS: serving it with avsDefaults", {
            avs: p.avsAddress,
          });
        }
        const info = await deploy(p, image, req.env, req.kubernetes?.serviceAccountName);
        await kv.set(["deployments", p.avsAddress.toLowerCase()], { image });
        return info;
      },
    }, proto.ExecutorManagementService.service),
  };
  const host = options.host ?? "0.0.0.0";
  const sharedPort = managementPort(config) === config.grpcPort;
  const taskServer = await startGrpcServer({
    host,
    port: config.grpcPort,
    services: sharedPort ? [...services, management] : services,
  });
  const mgmtServer = sharedPort
    ? taskServer
    : await startGrpcServer({ host, port: managementPort(config), services: [management] });
  const endpoints: Endpoints = serveEndpoints({
    healthAddress: { hostname: host, port: config.httpPort },
    metricsAddress: { hostname: host, port: config.httpPort },
    // Ready when every AVS has a performer in service.
    readyz: () => registry.all().every((e) => lifecycle.hasCurrent(e.config.avsAddress)),
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
  });
  return {
    grpcPort: taskServer.port,
    managementPort: mgmtServer.port,
    httpPort: endpoints.healthPort,
    lifecycle,
    async stop() {
      stopping.abort();
      health.shutdown();
      const grace = config.shutdown.drainTimeout;
      await Promise.all([
        stopGrpcServer(taskServer.server, grace),
        sharedPort ? undefined : stopGrpcServer(mgmtServer.server, grace),
      ]);
      await lifecycle.shutdown({
        removePerformers: config.shutdown.removePerformers,
        drainTimeoutMs: grace,
      });
      await endpoints.shutdown();
      kv.close();
      log("info", "executor stopped");
    },
  };
}

/** The image of a DeployArtifact request: `registry_url` with a digest, or with a tag in it. */
function artifactImage(req: DeployArtifactRequest): PerformerImage {
  if (!req.registryUrl) throw new TaskError("InvalidArgument", "registry_url is required");
  if (req.digest) {
    if (!/^sha256:[0-9a-f]{64}$/.test(req.digest)) {
      throw new TaskError("InvalidArgument", "digest must be sha256:<64 hex>");
    }
    return { repository: req.registryUrl, tag: "", digest: req.digest };
  }
  const match = /^(.*[^/]):([\w][\w.-]{0,127})$/.exec(req.registryUrl);
  if (!match) {
    throw new TaskError(
      "InvalidArgument",
      "registry_url needs a tag (repo:tag) when no digest is given",
    );
  }
  return { repository: match[1], tag: match[2] };
}

/**
 * After a restart: adopt, per AVS, the newest running performer this executor made with the
 * image it should run (the last deployed, else the configured one); remove the others; deploy
 * where nothing could be adopted.
 */
async function adoptOrDeploy(
  registry: AvsRegistry,
  lifecycle: PerformerLifecycle,
  kv: Deno.Kv,
  deploy: (p: AvsPerformerConfig, image: PerformerImage) => Promise<unknown>,
  log: Logger,
  stop: AbortSignal,
): Promise<void> {
  const owned = await lifecycle.listOwnedInstances();
  const adopted = new Set<string>();
  for (const { config: p } of registry.all()) {
    const key = p.avsAddress.toLowerCase();
    const deployed = (await kv.get<{ image: PerformerImage }>(["deployments", key])).value?.image;
    const wanted = deployed ?? p.image;
    const candidates = owned
      .filter((i) => i.avsAddress.toLowerCase() === key && sameImage(i.image, wanted))
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
    for (const candidate of candidates) {
      if (await lifecycle.adopt(candidate)) {
        adopted.add(candidate.performerId);
        log("info", "adopted a running performer", {
          avs: p.avsAddress,
          performerId: candidate.performerId,
        });
        break;
      }
    }
    if (!lifecycle.hasCurrent(p.avsAddress)) {
      await deploy(p, wanted).catch((err) => {
        log("error", "initial deploy failed; retrying in the background", {
          avs: p.avsAddress,
          error: err.message,
        });
        retryDeploy(() => deploy(p, wanted), () => lifecycle.hasCurrent(p.avsAddress), stop, log);
      });
    }
  }
  for (const instance of owned) {
    if (!adopted.has(instance.performerId)) {
      log("info", "removing a leftover performer", { performerId: instance.performerId });
      await lifecycle.removeInstance(instance);
    }
  }
}

/** Retries a failed deploy with back-off (5 s doubling to 5 min) until it succeeds or we stop. */
function retryDeploy(
  attempt: () => Promise<unknown>,
  done: () => boolean,
  stop: AbortSignal,
  log: Logger,
): void {
  const backoff = exponentialBackoff({ minTimeout: 5_000, maxTimeout: 300_000 });
  (async () => {
    while (!stop.aborted && !done()) {
      await delay(backoff.next(), stop).catch(() => {});
      if (stop.aborted || done()) return;
      await attempt().catch((err) =>
        log("warn", "deploy retry failed", { error: (err as Error).message })
      );
    }
  })();
}

function sameImage(a: PerformerImage, b: PerformerImage): boolean {
  return a.repository === b.repository && (a.digest || a.tag) === (b.digest || b.tag);
}

function resolvePath(baseDir: string, path: string): string {
  return path.startsWith("/") ? path : `${baseDir}/${path}`;
}
