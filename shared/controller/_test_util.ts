/**
 * Test helpers of the controller runtime: a TCP proxy on 127.0.0.1 that can drop every
 * connection and refuse new ones, to cut a client off from the API server without touching the
 * server.
 * @module
 */

/** A TCP proxy to `127.0.0.1:<target>` that can be taken down and brought back up. */
export class CuttableProxy {
  /** The port clients connect to; the same after `up()`. */
  readonly port: number;
  readonly #target: number;
  readonly #conns = new Set<Deno.Conn>();
  #listener: Deno.Listener | undefined;

  constructor(target: number) {
    this.#target = target;
    this.#listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    this.port = (this.#listener.addr as Deno.NetAddr).port;
    this.#accept(this.#listener);
  }

  /** Drops every connection and stops accepting. */
  down(): void {
    this.#listener?.close();
    this.#listener = undefined;
    for (const conn of this.#conns) {
      try {
        conn.close();
      } catch { /* already closed by its peer */ }
    }
    this.#conns.clear();
  }

  /** Accepts again on the same port. */
  up(): void {
    this.#listener = Deno.listen({ hostname: "127.0.0.1", port: this.port });
    this.#accept(this.#listener);
  }

  async #accept(listener: Deno.Listener): Promise<void> {
    try {
      for await (const client of listener) {
        const upstream = await Deno.connect({ hostname: "127.0.0.1", port: this.#target });
        this.#conns.add(client);
        this.#conns.add(upstream);
        client.readable.pipeTo(upstream.writable).catch(() => {});
        upstream.readable.pipeTo(client.writable).catch(() => {});
      }
    } catch {
      // The listener was closed by down().
    }
  }
}
