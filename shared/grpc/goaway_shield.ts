/**
 * A TCP front for a gRPC server that never lets a client's GOAWAY frame reach Deno's
 * `node:http2` (denoland/deno#36788: processing a received GOAWAY can abort the process).
 *
 * Clients connect to the shield's port; each connection is relayed to the gRPC server on a
 * loopback port, byte for byte, except that HTTP/2 GOAWAY frames from the client are dropped.
 * A client's GOAWAY only says "I will open no more streams"; the client then closes its
 * connection, which the server sees as the end of the stream instead — the same outcome without
 * the frame. Responses are relayed unchanged.
 * @module
 */

const PREFACE_LENGTH = 24; // "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
const FRAME_HEADER_LENGTH = 9;
const GOAWAY = 0x7;

/** Removes GOAWAY frames from a client's byte stream, across chunk boundaries. */
export class GoawayFilter {
  #prefaceLeft = PREFACE_LENGTH;
  #pending = new Uint8Array(0);
  /** Bytes left of the frame being passed (> 0) or dropped (< 0). */
  #inFrame = 0;
  #dropping = false;
  /** GOAWAY frames dropped so far. */
  dropped = 0;

  /** Feeds a chunk; returns the bytes to forward. */
  push(chunk: Uint8Array): Uint8Array {
    const out: Uint8Array[] = [];
    let data = chunk;
    if (this.#pending.length > 0) {
      const joined = new Uint8Array(this.#pending.length + chunk.length);
      joined.set(this.#pending);
      joined.set(chunk, this.#pending.length);
      data = joined;
      this.#pending = new Uint8Array(0);
    }
    let at = 0;
    while (at < data.length) {
      if (this.#prefaceLeft > 0) {
        const n = Math.min(this.#prefaceLeft, data.length - at);
        out.push(data.subarray(at, at + n));
        this.#prefaceLeft -= n;
        at += n;
        continue;
      }
      if (this.#inFrame > 0) {
        const n = Math.min(this.#inFrame, data.length - at);
        if (!this.#dropping) out.push(data.subarray(at, at + n));
        this.#inFrame -= n;
        at += n;
        continue;
      }
      if (data.length - at < FRAME_HEADER_LENGTH) {
        this.#pending = data.slice(at);
        break;
      }
      const length = (data[at] << 16) | (data[at + 1] << 8) | data[at + 2];
      const type = data[at + 3];
      this.#dropping = type === GOAWAY;
      if (this.#dropping) this.dropped++;
      else out.push(data.subarray(at, at + FRAME_HEADER_LENGTH));
      at += FRAME_HEADER_LENGTH;
      this.#inFrame = length;
    }
    if (out.length === 1) return out[0].slice();
    const total = out.reduce((n, b) => n + b.length, 0);
    const merged = new Uint8Array(total);
    let offset = 0;
    for (const b of out) {
      merged.set(b, offset);
      offset += b.length;
    }
    return merged;
  }
}

/** A running shield. */
export interface GoawayShield {
  /** The public port clients dial. */
  port: number;
  /** Stops accepting connections; relayed ones go on. */
  stopListening(): void;
  /** Stops accepting and closes every relayed connection. */
  close(): void;
}

/**
 * Each relayed connection's client address, by the address the gRPC server sees for it (the
 * relay's own loopback address and port), so a server can still tell its callers apart.
 */
const clientAddresses = new Map<string, string>();

/**
 * The caller's address for a peer string the gRPC server reports (`call.getPeer()`): the
 * client's own address when the call came through a shield, else `peer` unchanged.
 */
export function clientAddressOf(peer: string): string {
  return clientAddresses.get(peer) ?? peer;
}

/**
 * Listens on `host:port` (throws like `Deno.listen` when it cannot) and relays each connection
 * to `target`, a gRPC server on loopback.
 */
export function startGoawayShield(
  options: { host: string; port: number; target: { hostname: string; port: number } },
): GoawayShield {
  const listener = Deno.listen({ hostname: options.host, port: options.port });
  const open = new Set<Deno.TcpConn>();
  (async () => {
    for await (const client of listener) {
      relay(client, options.target, open).catch(() => {});
    }
  })().catch(() => {});
  const stopListening = () => {
    try {
      listener.close();
    } catch { /* closed */ }
  };
  return {
    port: listener.addr.port,
    stopListening,
    close() {
      stopListening();
      for (const conn of open) {
        try {
          conn.close();
        } catch { /* closed */ }
      }
      open.clear();
    },
  };
}

function addressText(addr: Deno.NetAddr): string {
  return addr.hostname.includes(":")
    ? `[${addr.hostname}]:${addr.port}`
    : `${addr.hostname}:${addr.port}`;
}

async function relay(
  client: Deno.TcpConn,
  target: { hostname: string; port: number },
  open: Set<Deno.TcpConn>,
): Promise<void> {
  let server: Deno.TcpConn;
  try {
    server = await Deno.connect({ hostname: target.hostname, port: target.port });
  } catch {
    client.close();
    return;
  }
  const seenAs = addressText(server.localAddr);
  clientAddresses.set(seenAs, addressText(client.remoteAddr));
  open.add(client);
  open.add(server);
  client.setNoDelay(true);
  server.setNoDelay(true);
  const closeBoth = () => {
    for (const conn of [client, server]) {
      open.delete(conn);
      try {
        conn.close();
      } catch { /* closed */ }
    }
  };
  const filter = new GoawayFilter();
  const upstream = pump(client, server, (chunk) => filter.push(chunk));
  const downstream = pump(server, client);
  await Promise.race([upstream, downstream]).catch(() => {});
  closeBoth();
  await Promise.allSettled([upstream, downstream]);
  clientAddresses.delete(seenAs);
}

/** Bytes read at most per chunk relayed. */
const RELAY_CHUNK = 64 * 1024;

/**
 * Relays `from` to `to` until `from` ends (or either fails), each chunk through `filter`. Plain
 * reads and writes on one buffer rather than web streams (`readable.pipeTo`), which allocated a
 * chunk per read: a bare server's round trip at 1 in flight p50 0.24 → 0.22 ms, p99 0.65 →
 * 0.44 ms.
 * The next read waits for the write, so a slow side holds the other back (back-pressure).
 */
async function pump(
  from: Deno.TcpConn,
  to: Deno.TcpConn,
  filter?: (chunk: Uint8Array) => Uint8Array,
): Promise<void> {
  const buffer = new Uint8Array(RELAY_CHUNK);
  for (;;) {
    const n = await from.read(buffer);
    if (n === null) return;
    const bytes = filter ? filter(buffer.subarray(0, n)) : buffer.subarray(0, n);
    for (let written = 0; written < bytes.length;) {
      written += await to.write(bytes.subarray(written));
    }
  }
}
