/**
 * HTTP/2 frames (RFC 9113 section 4 and 6): the 9-byte header codec, a parser that cuts a byte
 * stream into frames, and builders for the frames a client sends.
 * @module
 */

/** Frame types (RFC 9113 section 6). */
export const FrameType = {
  DATA: 0x0,
  HEADERS: 0x1,
  PRIORITY: 0x2,
  RST_STREAM: 0x3,
  SETTINGS: 0x4,
  PUSH_PROMISE: 0x5,
  PING: 0x6,
  GOAWAY: 0x7,
  WINDOW_UPDATE: 0x8,
  CONTINUATION: 0x9,
} as const;

/** Frame flags. */
export const Flag = {
  END_STREAM: 0x1,
  ACK: 0x1,
  END_HEADERS: 0x4,
  PADDED: 0x8,
  PRIORITY: 0x20,
} as const;

/** SETTINGS identifiers. */
export const Setting = {
  HEADER_TABLE_SIZE: 0x1,
  ENABLE_PUSH: 0x2,
  MAX_CONCURRENT_STREAMS: 0x3,
  INITIAL_WINDOW_SIZE: 0x4,
  MAX_FRAME_SIZE: 0x5,
  MAX_HEADER_LIST_SIZE: 0x6,
} as const;

/** Error codes (RFC 9113 section 7). */
export const ErrorCode = {
  NO_ERROR: 0x0,
  PROTOCOL_ERROR: 0x1,
  INTERNAL_ERROR: 0x2,
  FLOW_CONTROL_ERROR: 0x3,
  STREAM_CLOSED: 0x5,
  FRAME_SIZE_ERROR: 0x6,
  REFUSED_STREAM: 0x7,
  CANCEL: 0x8,
  COMPRESSION_ERROR: 0x9,
} as const;

/** The client connection preface. */
export const PREFACE = new TextEncoder().encode("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
/** The smallest (and default) SETTINGS_MAX_FRAME_SIZE. */
export const DEFAULT_MAX_FRAME_SIZE = 16_384;
/** The largest window or window increment, 2^31-1. */
export const MAX_WINDOW = 0x7fff_ffff;

/** One frame; `payload` excludes padding only after {@linkcode unpad}. */
export interface Frame {
  type: number;
  flags: number;
  streamId: number;
  payload: Uint8Array;
}

/** A peer broke the protocol; the connection must end with GOAWAY carrying `code`. */
export class H2ProtocolError extends Error {
  /** The RFC 9113 error code to send. */
  readonly code: number;

  /** Creates the error. */
  constructor(code: number, message: string) {
    super(message);
    this.name = "H2ProtocolError";
    this.code = code;
  }
}

/** Encodes one frame: the 9-byte header then the payload. */
export function encodeFrame(
  type: number,
  flags: number,
  streamId: number,
  payload: Uint8Array = new Uint8Array(0),
): Uint8Array {
  const out = new Uint8Array(9 + payload.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, payload.length << 8); // 24-bit length in the top three bytes
  view.setUint8(3, type);
  view.setUint8(4, flags);
  view.setUint32(5, streamId & MAX_WINDOW);
  out.set(payload, 9);
  return out;
}

/** Reads the 9-byte header at offset `b` of `bytes` (byte reads: no DataView per frame). */
export function decodeFrameHeader(
  bytes: Uint8Array,
  b = 0,
): Omit<Frame, "payload"> & { length: number } {
  return {
    length: (bytes[b] << 16) | (bytes[b + 1] << 8) | bytes[b + 2],
    type: bytes[b + 3],
    flags: bytes[b + 4],
    streamId: ((bytes[b + 5] << 24) | (bytes[b + 6] << 16) | (bytes[b + 7] << 8) | bytes[b + 8]) &
      MAX_WINDOW,
  };
}

const EMPTY = new Uint8Array(0);

/** Cuts a byte stream into frames no larger than our SETTINGS_MAX_FRAME_SIZE. */
export class FrameParser {
  #buffer = EMPTY;
  readonly #maxFrameSize: number;

  /** Creates a parser that refuses frames above `maxFrameSize` (what we advertised). */
  constructor(maxFrameSize = DEFAULT_MAX_FRAME_SIZE) {
    this.#maxFrameSize = maxFrameSize;
  }

  /** Adds received bytes and returns the frames now complete. */
  push(chunk: Uint8Array): Frame[] {
    // Payloads and the remainder are copied out, so `chunk` (a reused read buffer) is not kept.
    let joined = chunk;
    if (this.#buffer.length > 0) {
      joined = new Uint8Array(this.#buffer.length + chunk.length);
      joined.set(this.#buffer);
      joined.set(chunk, this.#buffer.length);
    }
    const frames: Frame[] = [];
    let pos = 0;
    while (joined.length - pos >= 9) {
      const { length, type, flags, streamId } = decodeFrameHeader(joined, pos);
      if (length > this.#maxFrameSize) {
        throw new H2ProtocolError(
          ErrorCode.FRAME_SIZE_ERROR,
          `Frame of ${length} bytes above our maximum ${this.#maxFrameSize}`,
        );
      }
      if (joined.length - pos < 9 + length) break;
      frames.push({ type, flags, streamId, payload: joined.slice(pos + 9, pos + 9 + length) });
      pos += 9 + length;
    }
    this.#buffer = pos === joined.length ? EMPTY : joined.slice(pos);
    return frames;
  }
}

/** The payload of a DATA or HEADERS frame without padding (and HEADERS' priority fields). */
export function unpad(frame: Frame): Uint8Array {
  let payload = frame.payload;
  if (frame.flags & Flag.PADDED) {
    if (payload.length < 1 || payload[0] >= payload.length) {
      throw new H2ProtocolError(ErrorCode.PROTOCOL_ERROR, "Padding longer than the frame");
    }
    payload = payload.subarray(1, payload.length - payload[0]);
  }
  if (frame.type === FrameType.HEADERS && frame.flags & Flag.PRIORITY) {
    if (payload.length < 5) {
      throw new H2ProtocolError(ErrorCode.FRAME_SIZE_ERROR, "HEADERS too short for priority");
    }
    payload = payload.subarray(5);
  }
  return payload;
}

/** A SETTINGS payload from id/value pairs. */
export function settingsPayload(settings: ReadonlyArray<[number, number]>): Uint8Array {
  const out = new Uint8Array(settings.length * 6);
  const view = new DataView(out.buffer);
  settings.forEach(([id, value], i) => {
    view.setUint16(i * 6, id);
    view.setUint32(i * 6 + 2, value);
  });
  return out;
}

/** Parses a SETTINGS payload into id/value pairs. */
export function parseSettings(payload: Uint8Array): Array<[number, number]> {
  if (payload.length % 6 !== 0) {
    throw new H2ProtocolError(ErrorCode.FRAME_SIZE_ERROR, "SETTINGS length not a multiple of 6");
  }
  const view = new DataView(payload.buffer, payload.byteOffset, payload.length);
  const out: Array<[number, number]> = [];
  for (let i = 0; i < payload.length; i += 6) out.push([view.getUint16(i), view.getUint32(i + 2)]);
  return out;
}

/** The settings of a peer's SETTINGS frame that our connections act on (absent: unchanged). */
export interface PeerSettings {
  initialWindowSize?: number;
  maxFrameSize?: number;
  maxConcurrentStreams?: number;
}

/**
 * Parses and checks a peer's SETTINGS payload (RFC 9113 section 6.5.2): INITIAL_WINDOW_SIZE above
 * 2^31-1 is a FLOW_CONTROL_ERROR, MAX_FRAME_SIZE outside 16,384–16,777,215 and ENABLE_PUSH other
 * than 0 or 1 are PROTOCOL_ERRORs. A setting given twice counts with its last value.
 */
export function parsePeerSettings(payload: Uint8Array): PeerSettings {
  const out: PeerSettings = {};
  for (const [id, value] of parseSettings(payload)) {
    if (id === Setting.INITIAL_WINDOW_SIZE) {
      if (value > MAX_WINDOW) {
        throw new H2ProtocolError(ErrorCode.FLOW_CONTROL_ERROR, "INITIAL_WINDOW_SIZE too large");
      }
      out.initialWindowSize = value;
    } else if (id === Setting.MAX_FRAME_SIZE) {
      if (value < DEFAULT_MAX_FRAME_SIZE || value > 0xff_ffff) {
        throw new H2ProtocolError(ErrorCode.PROTOCOL_ERROR, `MAX_FRAME_SIZE ${value} invalid`);
      }
      out.maxFrameSize = value;
    } else if (id === Setting.MAX_CONCURRENT_STREAMS) {
      out.maxConcurrentStreams = value;
    } else if (id === Setting.ENABLE_PUSH && value > 1) {
      throw new H2ProtocolError(ErrorCode.PROTOCOL_ERROR, "ENABLE_PUSH not 0 or 1");
    }
  }
  return out;
}

/** A 4-byte big-endian payload (RST_STREAM error code, WINDOW_UPDATE increment). */
export function uint32Payload(value: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value);
  return out;
}

/** Reads the 4-byte value of RST_STREAM or WINDOW_UPDATE (the reserved bit masked off). */
export function readUint32(frame: Frame, mask = 0xffff_ffff): number {
  if (frame.payload.length !== 4) {
    throw new H2ProtocolError(ErrorCode.FRAME_SIZE_ERROR, `Frame type ${frame.type} not 4 bytes`);
  }
  const view = new DataView(frame.payload.buffer, frame.payload.byteOffset, 4);
  return (view.getUint32(0) & mask) >>> 0;
}

/** A GOAWAY payload. */
export function goawayPayload(lastStreamId: number, code: number, debug = ""): Uint8Array {
  const text = new TextEncoder().encode(debug);
  const out = new Uint8Array(8 + text.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, lastStreamId);
  view.setUint32(4, code);
  out.set(text, 8);
  return out;
}

/** Parses a GOAWAY payload. */
export function parseGoaway(
  payload: Uint8Array,
): { lastStreamId: number; code: number; debug: string } {
  if (payload.length < 8) throw new H2ProtocolError(ErrorCode.FRAME_SIZE_ERROR, "GOAWAY too short");
  const view = new DataView(payload.buffer, payload.byteOffset, payload.length);
  return {
    lastStreamId: view.getUint32(0) & MAX_WINDOW,
    code: view.getUint32(4),
    debug: new TextDecoder().decode(payload.subarray(8)),
  };
}
