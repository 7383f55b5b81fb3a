/**
 * Pod IPs on loopback: every address in 127.0.0.0/8 reaches this machine on Linux, so giving each
 * pod its own 127.0.x.y lets several performers all listen on port 9090 at once, as pods on a
 * real node do.
 *
 * Addresses in use are tracked per process (several simulators in one test process must not hand
 * out the same address) and an address is skipped when one of the pod's ports is already taken
 * on it (a simulator in another process, or a performer left over from a run that died).
 * @module
 */

const inUseInProcess = new Set<string>();

/** First and last third octet used: 127.0.0.x is left to the host's own servers. */
const FIRST_BLOCK = 1;
const LAST_BLOCK = 254;
const HOSTS_PER_BLOCK = 254;
const SIZE = (LAST_BLOCK - FIRST_BLOCK + 1) * HOSTS_PER_BLOCK;

/** Allocates and releases loopback pod IPs. */
export class IpPool {
  readonly #mine = new Set<string>();
  #next = Math.floor(Math.random() * SIZE);

  /** Takes a free address whose `ports` are all free; throws when none is left. */
  allocate(ports: number[] = [], preferred?: string): string {
    if (preferred && this.#usable(preferred, ports)) return this.#take(preferred);
    for (let tried = 0; tried < SIZE; tried++) {
      const ip = addressAt(this.#next);
      this.#next = (this.#next + 1) % SIZE;
      if (this.#usable(ip, ports)) return this.#take(ip);
    }
    throw new RangeError(`No free loopback pod IP for ports ${ports.join(", ")}`);
  }

  /** Returns `ip` to the pool (no-op for addresses it did not hand out). */
  release(ip: string): void {
    if (!this.#mine.delete(ip)) return;
    inUseInProcess.delete(ip);
  }

  /** Releases every address this pool handed out. */
  releaseAll(): void {
    for (const ip of [...this.#mine]) this.release(ip);
  }

  /** Addresses currently handed out by this pool. */
  get allocated(): string[] {
    return [...this.#mine];
  }

  #usable(ip: string, ports: number[]): boolean {
    return isPodAddress(ip) && !inUseInProcess.has(ip) && ports.every((p) => portFree(ip, p));
  }

  #take(ip: string): string {
    inUseInProcess.add(ip);
    this.#mine.add(ip);
    return ip;
  }
}

/** True for an address this pool could hand out. */
export function isPodAddress(ip: string): boolean {
  const m = /^127\.0\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (!m) return false;
  const [block, host] = [Number(m[1]), Number(m[2])];
  return block >= FIRST_BLOCK && block <= LAST_BLOCK && host >= 1 && host <= HOSTS_PER_BLOCK;
}

function addressAt(index: number): string {
  const block = FIRST_BLOCK + Math.floor(index / HOSTS_PER_BLOCK);
  const host = 1 + (index % HOSTS_PER_BLOCK);
  return `127.0.${block}.${host}`;
}

function portFree(hostname: string, port: number): boolean {
  try {
    Deno.listen({ hostname, port }).close();
    return true;
  } catch {
    return false;
  }
}
