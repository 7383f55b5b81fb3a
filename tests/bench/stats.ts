/**
 * Small measuring helpers of the benchmark: percentiles, a process's RSS and CPU time from
 * /proc, counting an audit log's writes by resource, and reading a Prometheus counter.
 * @module
 */

/** The `p`-th percentile (nearest rank) of `samples`; NaN when there are none. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

/** Resident set size and CPU seconds (user + system) of process `pid`, from /proc. */
export interface ProcessUsage {
  rssMiB: number;
  cpuSeconds: number;
}

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ, 100 on Linux). */
const CLOCK_TICKS = 100;

/** Reads `pid`'s RSS and CPU time; throws when /proc has no such process. */
export async function processUsage(pid: number): Promise<ProcessUsage> {
  const status = await Deno.readTextFile(`/proc/${pid}/status`);
  const rssKiB = Number(/^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1] ?? NaN);
  const stat = await Deno.readTextFile(`/proc/${pid}/stat`);
  // Fields after the command name (which may hold spaces) start at state, field 3.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return { rssMiB: rssKiB / 1024, cpuSeconds: (utime + stime) / CLOCK_TICKS };
}

/** One write as the audit log records it. */
export interface AuditWrite {
  verb: string;
  username: string;
  resource: string;
  time: number;
  code: number;
}

/**
 * Writes from the audit log (see dev/cluster/local_cluster.ts) by `username` within
 * [since, until) (ms epoch). The resource is `resource[/subresource]`.
 */
export async function auditWrites(
  auditLogPath: string,
  username: string,
  since: number,
  until = Infinity,
): Promise<AuditWrite[]> {
  const text = await Deno.readTextFile(auditLogPath);
  const out: AuditWrite[] = [];
  for (const line of text.split("\n")) {
    if (!line) continue;
    const e = JSON.parse(line);
    if (e.stage !== "ResponseComplete" || e.user?.username !== username) continue;
    const time = Date.parse(e.requestReceivedTimestamp);
    if (time < since || time >= until) continue;
    const sub = e.objectRef?.subresource;
    out.push({
      verb: e.verb,
      username,
      resource: `${e.objectRef?.resource ?? "?"}${sub ? `/${sub}` : ""}`,
      time,
      code: e.responseStatus?.code ?? 0,
    });
  }
  return out;
}

/** Counts writes by `resource` (e.g. `pods`, `performers/status`, `events`). */
export function countByResource(writes: readonly AuditWrite[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const w of writes) out[w.resource] = (out[w.resource] ?? 0) + 1;
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

/** The sum of every series of Prometheus metric `name` in `text` (exposition format). */
export function metricSum(text: string, name: string): number {
  let sum = 0;
  for (const line of text.split("\n")) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== " " && rest[0] !== "{") continue;
    sum += Number(line.slice(line.lastIndexOf(" ") + 1)) || 0;
  }
  return sum;
}

/** Rounds to `digits` decimals (for the JSON and the table). */
export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
