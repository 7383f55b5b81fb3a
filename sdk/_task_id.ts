/**
 * Task ids on the wire: existing executors put the ASCII bytes of the `0x…` id string (66 bytes)
 * in `TaskRequest.task_id` (protocols.md). Handlers get that string back.
 * @module
 */

/**
 * The task id as a string: the bytes read as ASCII when they are printable ASCII (what
 * executors send), otherwise `0x` + their hex, so a raw 32-byte id still reads as an id.
 */
export function decodeTaskId(bytes: Uint8Array): string {
  if (bytes.every((b) => b >= 0x20 && b <= 0x7e)) return new TextDecoder().decode(bytes);
  return "0x" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
