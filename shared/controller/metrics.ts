/**
 * Prometheus metrics of the controller runtime, under controller-runtime's names
 * (`controller_runtime_*`, `workqueue_*`, `leader_election_master_status`) so existing dashboards
 * and alerts work. Each factory returns the observer the matching part of the runtime takes:
 * `runController`'s `observer`, `WorkQueue`'s `observer`, leader election's
 * `onLeadershipChange`.
 * @module
 */

import client from "prom-client";
import type { ControllerObserver } from "./controller.ts";
import type { QueueObserver } from "./workqueue.ts";

/** The runtime's metric families in one registry. */
export interface ControllerMetrics {
  /** The registry the families live in; add a binary's own metrics to it. */
  registry: client.Registry;
  /** Observer of the controller `name` running `workers` workers. */
  controller(name: string, workers: number): ControllerObserver;
  /** Observer of the work queue of the controller `name`. */
  queue(name: string): QueueObserver;
  /** Reports leadership of the lease `name`. */
  leader(name: string): (leading: boolean) => void;
}

/** Creates the runtime's metric families in `registry` (default: a new one). */
export function createControllerMetrics(
  registry: client.Registry = new client.Registry(),
): ControllerMetrics {
  const reconcile = reconcileMetrics(registry);
  const queue = queueMetrics(registry);
  const leaderStatus = new client.Gauge({
    name: "leader_election_master_status",
    help:
      "Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master",
    labelNames: ["name"],
    registers: [registry],
  });
  return {
    registry,
    controller: reconcile,
    queue,
    leader(name) {
      leaderStatus.set({ name }, 0);
      return (leading) => leaderStatus.set({ name }, leading ? 1 : 0);
    },
  };
}

function reconcileMetrics(
  registry: client.Registry,
): (name: string, workers: number) => ControllerObserver {
  const registers = [registry];
  const reconcileTotal = new client.Counter({
    name: "controller_runtime_reconcile_total",
    help: "Total number of reconciliations per controller",
    labelNames: ["controller", "result"],
    registers,
  });
  const reconcileErrors = new client.Counter({
    name: "controller_runtime_reconcile_errors_total",
    help: "Total number of reconciliation errors per controller",
    labelNames: ["controller"],
    registers,
  });
  const terminalErrors = new client.Counter({
    name: "controller_runtime_terminal_reconcile_errors_total",
    help: "Total number of terminal reconciliation errors per controller",
    labelNames: ["controller"],
    registers,
  });
  const reconcileTime = new client.Histogram({
    name: "controller_runtime_reconcile_time_seconds",
    help: "Length of time per reconciliation per controller",
    labelNames: ["controller"],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers,
  });
  const maxConcurrent = new client.Gauge({
    name: "controller_runtime_max_concurrent_reconciles",
    help: "Maximum number of concurrent reconciles per controller",
    labelNames: ["controller"],
    registers,
  });
  const activeWorkers = new client.Gauge({
    name: "controller_runtime_active_workers",
    help: "Number of currently used workers per controller",
    labelNames: ["controller"],
    registers,
  });
  return (name, workers) => {
    maxConcurrent.set({ controller: name }, workers);
    activeWorkers.set({ controller: name }, 0);
    return {
      reconciled(result, seconds) {
        reconcileTotal.inc({ controller: name, result });
        reconcileTime.observe({ controller: name }, seconds);
      },
      failed(terminal) {
        reconcileErrors.inc({ controller: name });
        if (terminal) terminalErrors.inc({ controller: name });
      },
      activeWorkers: (count) => activeWorkers.set({ controller: name }, count),
    };
  };
}

function queueMetrics(registry: client.Registry): (name: string) => QueueObserver {
  const registers = [registry];
  const depth = new client.Gauge({
    name: "workqueue_depth",
    help: "Current depth of workqueue",
    labelNames: ["name", "controller"],
    registers,
  });
  const adds = new client.Counter({
    name: "workqueue_adds_total",
    help: "Total number of adds handled by workqueue",
    labelNames: ["name", "controller"],
    registers,
  });
  const retries = new client.Counter({
    name: "workqueue_retries_total",
    help: "Total number of retries handled by workqueue",
    labelNames: ["name", "controller"],
    registers,
  });
  const queueDuration = new client.Histogram({
    name: "workqueue_queue_duration_seconds",
    help: "How long in seconds an item stays in workqueue before being requested",
    labelNames: ["name", "controller"],
    buckets: [0.001, 0.01, 0.1, 1, 10, 100, 1000],
    registers,
  });
  return (name) => {
    const labels = { name, controller: name };
    depth.set(labels, 0);
    return {
      depth: (d) => depth.set(labels, d),
      added: () => adds.inc(labels),
      retried: () => retries.inc(labels),
      waited: (s) => queueDuration.observe(labels, s),
    };
  };
}
