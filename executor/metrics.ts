/**
 * The executor's Prometheus metrics: tasks by AVS and outcome, task latency, performers by AVS
 * and status (read from the lifecycle at scrape time), and gRPC connections closed for protocol
 * errors.
 * @module
 */

import client from "prom-client";
import type { PerformerLifecycle } from "./performer/lifecycle.ts";

/** The executor's metric registry and its observers. */
export interface ExecutorMetrics {
  registry: client.Registry;
  /** Records a finished task; `avs` is a served AVS (lower case) or "unknown". */
  task(avs: string, status: string, seconds: number): void;
  /** Counts a gRPC connection closed (protocol error, abuse, no keepalive answer) or refused. */
  grpcConnectionError(code: string): void;
}

/** Creates the metrics of one executor. */
export function createExecutorMetrics(lifecycle: PerformerLifecycle): ExecutorMetrics {
  const registry = new client.Registry();
  const registers = [registry];
  const tasks = new client.Counter({
    name: "hourglass_executor_tasks_total",
    help: "Tasks received, by AVS and final gRPC status",
    labelNames: ["avs", "status"],
    registers,
  });
  const duration = new client.Histogram({
    name: "hourglass_executor_task_duration_seconds",
    help: "Time from receiving a task to answering it",
    labelNames: ["avs"],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers,
  });
  const connectionErrors = new client.Counter({
    name: "hourglass_executor_grpc_connection_errors_total",
    help:
      "gRPC connections closed for the client's HTTP/2 protocol errors, abuse or unanswered keepalive PINGs, or refused at a connection cap, by code",
    labelNames: ["code"],
    registers,
  });
  new client.Gauge({
    name: "hourglass_executor_performers",
    help: "Performers by AVS, status and health",
    labelNames: ["avs", "status", "healthy"],
    registers,
    async collect() {
      this.reset();
      for (const p of await lifecycle.list()) {
        const labels = {
          avs: p.avsAddress.toLowerCase(),
          status: p.status,
          healthy: String(p.applicationHealthy),
        };
        this.inc(labels, 1);
      }
    },
  });
  return {
    registry,
    task(avs, status, seconds) {
      tasks.inc({ avs, status });
      duration.observe({ avs }, seconds);
    },
    grpcConnectionError(code) {
      connectionErrors.inc({ code });
    },
  };
}
