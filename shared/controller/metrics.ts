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

/** One metric family as controller-runtime declares it. */
interface FamilySpec {
  kind: "counter" | "gauge" | "histogram";
  help: string;
  labelNames: readonly string[];
  buckets?: readonly number[];
}

const CONTROLLER = ["controller"] as const;
const QUEUE = ["name", "controller"] as const;

/** Every family, by its name, in the order they are exported. */
const FAMILIES = {
  controller_runtime_reconcile_total: {
    kind: "counter",
    help: "Total number of reconciliations per controller",
    labelNames: ["controller", "result"],
  },
  controller_runtime_reconcile_errors_total: {
    kind: "counter",
    help: "Total number of reconciliation errors per controller",
    labelNames: CONTROLLER,
  },
  controller_runtime_terminal_reconcile_errors_total: {
    kind: "counter",
    help: "Total number of terminal reconciliation errors per controller",
    labelNames: CONTROLLER,
  },
  controller_runtime_reconcile_time_seconds: {
    kind: "histogram",
    help: "Length of time per reconciliation per controller",
    labelNames: CONTROLLER,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
  },
  controller_runtime_max_concurrent_reconciles: {
    kind: "gauge",
    help: "Maximum number of concurrent reconciles per controller",
    labelNames: CONTROLLER,
  },
  controller_runtime_active_workers: {
    kind: "gauge",
    help: "Number of currently used workers per controller",
    labelNames: CONTROLLER,
  },
  workqueue_depth: { kind: "gauge", help: "Current depth of workqueue", labelNames: QUEUE },
  workqueue_adds_total: {
    kind: "counter",
    help: "Total number of adds handled by workqueue",
    labelNames: QUEUE,
  },
  workqueue_retries_total: {
    kind: "counter",
    help: "Total number of retries handled by workqueue",
    labelNames: QUEUE,
  },
  workqueue_queue_duration_seconds: {
    kind: "histogram",
    help: "How long in seconds an item stays in workqueue before being requested",
    labelNames: QUEUE,
    buckets: [0.001, 0.01, 0.1, 1, 10, 100, 1000],
  },
  leader_election_master_status: {
    kind: "gauge",
    help:
      "Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master",
    labelNames: ["name"],
  },
} as const satisfies Record<string, FamilySpec>;

type Families = {
  [N in keyof typeof FAMILIES]: {
    counter: client.Counter;
    gauge: client.Gauge;
    histogram: client.Histogram;
  }[(typeof FAMILIES)[N]["kind"]];
};

/** Creates every family of `FAMILIES` in `registry`. */
function createFamilies(registry: client.Registry): Families {
  const families: Record<string, client.Metric> = {};
  for (const [name, spec] of Object.entries(FAMILIES) as [string, FamilySpec][]) {
    const config = {
      name,
      help: spec.help,
      labelNames: [...spec.labelNames],
      registers: [registry],
    };
    families[name] = spec.kind === "counter"
      ? new client.Counter(config)
      : spec.kind === "gauge"
      ? new client.Gauge(config)
      : new client.Histogram({ ...config, buckets: [...spec.buckets!] });
  }
  return families as Families;
}

/** Creates the runtime's metric families in `registry` (default: a new one). */
export function createControllerMetrics(
  registry: client.Registry = new client.Registry(),
): ControllerMetrics {
  const f = createFamilies(registry);
  return {
    registry,
    controller(name, workers) {
      const controller = { controller: name };
      f.controller_runtime_max_concurrent_reconciles.set(controller, workers);
      f.controller_runtime_active_workers.set(controller, 0);
      return {
        reconciled(result, seconds) {
          f.controller_runtime_reconcile_total.inc({ controller: name, result });
          f.controller_runtime_reconcile_time_seconds.observe(controller, seconds);
        },
        failed(terminal) {
          f.controller_runtime_reconcile_errors_total.inc(controller);
          if (terminal) f.controller_runtime_terminal_reconcile_errors_total.inc(controller);
        },
        activeWorkers: (count) => f.controller_runtime_active_workers.set(controller, count),
      };
    },
    queue(name) {
      const labels = { name, controller: name };
      f.workqueue_depth.set(labels, 0);
      return {
        depth: (d) => f.workqueue_depth.set(labels, d),
        added: () => f.workqueue_adds_total.inc(labels),
        retried: () => f.workqueue_retries_total.inc(labels),
        waited: (s) => f.workqueue_queue_duration_seconds.observe(labels, s),
      };
    },
    leader(name) {
      f.leader_election_master_status.set({ name }, 0);
      return (leading) => f.leader_election_master_status.set({ name }, leading ? 1 : 0);
    },
  };
}
