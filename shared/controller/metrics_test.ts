import assert from "node:assert/strict";
import { createControllerMetrics } from "./metrics.ts";

Deno.test("controller metrics: controller-runtime's families, types and labels", async () => {
  const metrics = createControllerMetrics();
  const controller = metrics.controller("performer", 4);
  controller.reconciled?.("success", 0.02);
  controller.failed?.(true);
  controller.activeWorkers?.(2);
  const queue = metrics.queue("performer");
  queue.depth?.(3);
  queue.added?.();
  queue.retried?.();
  queue.waited?.(0.5);
  metrics.leader("lease")(true);
  const text = await metrics.registry.metrics();
  const types = [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map(([, name, type]) => [name, type]);
  assert.deepEqual(types, [
    ["controller_runtime_reconcile_total", "counter"],
    ["controller_runtime_reconcile_errors_total", "counter"],
    ["controller_runtime_terminal_reconcile_errors_total", "counter"],
    ["controller_runtime_reconcile_time_seconds", "histogram"],
    ["controller_runtime_max_concurrent_reconciles", "gauge"],
    ["controller_runtime_active_workers", "gauge"],
    ["workqueue_depth", "gauge"],
    ["workqueue_adds_total", "counter"],
    ["workqueue_retries_total", "counter"],
    ["workqueue_queue_duration_seconds", "histogram"],
    ["leader_election_master_status", "gauge"],
  ]);
  for (
    const line of [
      'controller_runtime_reconcile_total{controller="performer",result="success"} 1',
      'controller_runtime_terminal_reconcile_errors_total{controller="performer"} 1',
      'controller_runtime_reconcile_time_seconds_bucket{le="0.025",controller="performer"} 1',
      'controller_runtime_max_concurrent_reconciles{controller="performer"} 4',
      'controller_runtime_active_workers{controller="performer"} 2',
      'workqueue_depth{name="performer",controller="performer"} 3',
      'workqueue_queue_duration_seconds_bucket{le="1",name="performer",controller="performer"} 1',
      'leader_election_master_status{name="lease"} 1',
    ]
  ) assert.ok(text.includes(`\n${line}\n`), `missing: ${line}`);
});
