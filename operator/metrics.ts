/**
 * The operator's Prometheus metrics: the controller runtime's (controller-runtime's names, from
 * `shared/controller/metrics.ts`) plus `hourglass_performers{phase}`.
 * @module
 */

import client from "prom-client";
import { type ControllerMetrics, createControllerMetrics } from "../shared/controller/mod.ts";

/** The metrics of one operator process. */
export interface OperatorMetrics extends ControllerMetrics {
  /** Sets the source of `hourglass_performers{phase}`, read at scrape time. */
  performerPhases(source: () => Map<string, number>): void;
}

/** Creates the registry and the metric families. */
export function createOperatorMetrics(): OperatorMetrics {
  const runtime = createControllerMetrics();
  let phases: () => Map<string, number> = () => new Map();
  new client.Gauge({
    name: "hourglass_performers",
    help: "Number of Performers by status phase",
    labelNames: ["phase"],
    registers: [runtime.registry],
    collect() {
      this.reset();
      for (const [phase, count] of phases()) this.set({ phase }, count);
    },
  });
  return {
    ...runtime,
    performerPhases(source) {
      phases = source;
    },
  };
}
