/**
 * The settings Podman needs on these VMs, merged into an existing `containers.conf` without
 * touching anything else in it (see environment.md: crun fails with hybrid cgroups, and raising
 * rlimits is not permitted, so containers would not start with Podman's defaults).
 * @module
 */

/** A `key = value` line that must exist in a TOML table of containers.conf. */
export interface RequiredSetting {
  table: string;
  key: string;
  /** The value as TOML text, e.g. `"runc"` or `[]`. */
  value: string;
}

/** What containers.conf must say on these VMs. */
export const REQUIRED_SETTINGS: readonly RequiredSetting[] = [
  { table: "containers", key: "default_ulimits", value: "[]" },
  { table: "engine", key: "runtime", value: '"runc"' },
];

const TABLE_LINE = /^\s*\[([^\[\]]+)\]\s*(#.*)?$/;
/** Any table header, `[t]` or `[[t]]`: where the previous table's keys end. */
const ANY_TABLE_LINE = /^\s*\[/;

/**
 * Returns `text` with every required setting present: a key already set in its table is left as
 * it is (the machine's owner chose it), a missing key goes right under its table's header, and
 * a missing table is appended. Returns `text` unchanged when nothing is missing.
 */
export function withRequiredSettings(
  text: string,
  required: readonly RequiredSetting[] = REQUIRED_SETTINGS,
): string {
  const lines = text === "" ? [] : text.replace(/\n$/, "").split("\n");
  let changed = false;
  for (const setting of required) {
    const header = lines.findIndex((l) => TABLE_LINE.exec(l)?.[1].trim() === setting.table);
    const line = `${setting.key} = ${setting.value}`;
    if (header < 0) {
      if (lines.length > 0 && lines[lines.length - 1].trim() !== "") lines.push("");
      lines.push(`[${setting.table}]`, line);
      changed = true;
    } else if (!hasKey(lines, header, setting.key)) {
      lines.splice(header + 1, 0, line);
      changed = true;
    }
  }
  return changed ? lines.join("\n") + "\n" : text;
}

/** Whether the table starting at line `header` sets `key` before the next table starts. */
function hasKey(lines: string[], header: number, key: string): boolean {
  const keyLine = new RegExp(`^\\s*${key.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\s*=`);
  for (let i = header + 1; i < lines.length; i++) {
    if (ANY_TABLE_LINE.test(lines[i])) return false;
    if (keyLine.test(lines[i])) return true;
  }
  return false;
}

/** Required keys set to something else in `text` (left alone, but worth a warning). */
export function conflictingSettings(
  text: string,
  required: readonly RequiredSetting[] = REQUIRED_SETTINGS,
): string[] {
  const lines = text.split("\n");
  const conflicts: string[] = [];
  for (const setting of required) {
    const header = lines.findIndex((l) => TABLE_LINE.exec(l)?.[1].trim() === setting.table);
    if (header < 0) continue;
    for (let i = header + 1; i < lines.length && !ANY_TABLE_LINE.test(lines[i]); i++) {
      const match = new RegExp(`^\\s*${setting.key}\\s*=\\s*(.*?)\\s*(#.*)?$`).exec(lines[i]);
      if (match && match[1] !== setting.value) {
        conflicts.push(
          `[${setting.table}] ${setting.key} = ${match[1]} (these machines need ${setting.value})`,
        );
      }
    }
  }
  return conflicts;
}
