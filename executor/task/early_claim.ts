/**
 * Claiming a task id while its aggregator signature is still being checked.
 *
 * Why: the claim is one store commit (I/O on Deno KV's own thread: 0.3 ms p50, 2.4 ms p99 on
 * this machine's disk) and the check is CPU on the JS thread (one ECDSA recovery, 0.35 ms).
 * One after the other they were the task path's two longest steps before the performer; side
 * by side the commit hides behind the check where a core is free for the store's thread. On the
 * 2-vCPU test machine the kernel mostly wakes that thread on the JS thread's busy CPU, where it
 * waits for the check to end: a commit issued before 0.5 ms of JS work still needed 0.3 ms after
 * it, 0.013 ms with the two threads pinned to different CPUs (`taskset`). So there the overlap is
 * small; it costs nothing either way.
 *
 * What keeps this as safe as checking first:
 * - A claim only stands once its submission is verified. A submission that fails verification
 *   (or finds no free slot) releases its claim before it is answered, so a retry of the id is
 *   never refused because of it.
 * - A forged copy of a genuine (public) task id must not refuse the genuine task. Every claim of
 *   this executor goes through this process (the store is locked to it), so the claims not yet
 *   verified are known here, by id: a claim that fails while such a claim of the id is pending
 *   waits for it to be verified or released, then tries again. Only a verified claim, or one
 *   from before a restart, refuses a copy.
 * - A copy arriving while an unverified claim of its id is pending is checked first and claims
 *   after (the sequential path), so a stream of forged copies cannot keep the id claimed.
 * - De-duplication is unchanged: the task still runs only after its own claim landed.
 *
 * What is not the same: if the executor dies in the instant between a forged copy's claim and
 * its release (well under a millisecond), the id stays claimed after the restart and the
 * genuine task is refused ALREADY_EXISTS, "outcome unknown" — the answer a genuine task already
 * gets when the executor dies between its claim and the performer call. Documented in
 * docs/security.md ("The executor's store").
 * @module
 */

import type { ProcessedTasks } from "./processed_tasks.ts";

/** Ids claimed before their submission was verified, per store: settles once verified or released. */
const unverifiedByStore = new WeakMap<ProcessedTasks, Map<string, Promise<void>>>();

function unverifiedOf(store: ProcessedTasks): Map<string, Promise<void>> {
  let map = unverifiedByStore.get(store);
  if (!map) unverifiedByStore.set(store, map = new Map());
  return map;
}

/** A claim issued before verification: `confirm` once verified, `drop` otherwise. */
export interface EarlyClaim {
  /** The submission is verified: whether the claim landed (false: the id was already claimed). */
  confirm(): Promise<boolean>;
  /** The submission is refused: the claim, if it landed, is released before this resolves. */
  drop(): Promise<void>;
}

/**
 * Starts claiming `taskId` now, before verification, unless another claim of the id is still
 * unverified here (then undefined: verify first, then {@linkcode claimVerified}).
 */
export function claimEarly(
  store: ProcessedTasks,
  taskId: string,
  options: { deadline: number },
): EarlyClaim | undefined {
  const id = taskId.toLowerCase();
  const unverified = unverifiedOf(store);
  if (unverified.has(id)) return undefined;
  let settle!: () => void;
  const settled = new Promise<void>((resolve) => settle = resolve);
  unverified.set(id, settled);
  const done = () => {
    if (unverified.get(id) === settled) unverified.delete(id);
    settle();
  };
  // Settled either way, so a claim that fails while nobody awaits it yet is not unhandled.
  const attempt = store.claim(taskId, options).then(
    (claimed) => ({ claimed }),
    (error: unknown) => ({ error }),
  );
  return {
    async confirm() {
      // Verified: from here the claim (if it landed) refuses copies, so waiters may look again.
      done();
      const first = attempt.then((o) => "error" in o ? Promise.reject(o.error) : o.claimed);
      return await claimVerified(store, taskId, options, first);
    },
    async drop() {
      try {
        const outcome = await attempt;
        // If the release fails the id stays claimed until it expires: a retry is refused, the
        // task is never run twice (the same as any failed release, see pipeline.ts).
        if ("claimed" in outcome && outcome.claimed) await store.release(taskId).catch(() => {});
      } finally {
        done();
      }
    },
  };
}

/**
 * Claims the id of a verified submission (`first`: a claim already issued for it). When the id
 * is held by a claim here that is not verified yet, waits for that one to be verified or
 * released and tries again, until the deadline; otherwise the store's answer stands (false:
 * already claimed).
 */
export async function claimVerified(
  store: ProcessedTasks,
  taskId: string,
  options: { deadline: number },
  first?: Promise<boolean>,
): Promise<boolean> {
  const unverified = unverifiedOf(store);
  const id = taskId.toLowerCase();
  let claimed = await (first ?? store.claim(taskId, options));
  while (!claimed) {
    const holder = unverified.get(id);
    if (!holder || Date.now() >= options.deadline) return false;
    await holder;
    claimed = await store.claim(taskId, options);
  }
  return true;
}
