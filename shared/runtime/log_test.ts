import assert from "node:assert/strict";
import { createLogger, withFields } from "./log.ts";

Deno.test("withFields adds its fields to every line; a call's own fields win", () => {
  const lines: Record<string, unknown>[] = [];
  const log = createLogger({ level: "debug", write: (line) => lines.push(JSON.parse(line)) });
  const pod = withFields(log, { pod: "ns/p", container: "c" });
  const container = withFields(pod, { container: "main" });
  container("info", "started", { pid: 7 });
  pod("debug", "probe failed");
  assert.deepEqual(lines.map(({ ts: _ts, ...rest }) => rest), [
    { level: "info", msg: "started", pod: "ns/p", container: "main", pid: 7 },
    { level: "debug", msg: "probe failed", pod: "ns/p", container: "c" },
  ]);
});
