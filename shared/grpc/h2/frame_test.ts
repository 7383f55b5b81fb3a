import assert from "node:assert/strict";
import {
  decodeFrameHeader,
  encodeFrame,
  ErrorCode,
  Flag,
  FrameParser,
  FrameType,
  goawayPayload,
  H2ProtocolError,
  parseGoaway,
  parsePeerSettings,
  parseSettings,
  settingsPayload,
  unpad,
} from "./frame.ts";

Deno.test("frame header: 24-bit length, type, flags, 31-bit stream id", () => {
  const frame = encodeFrame(
    FrameType.HEADERS,
    Flag.END_HEADERS,
    0x8000_0003,
    new Uint8Array(70_000).slice(0, 16_000),
  );
  assert.deepEqual(Array.from(frame.subarray(0, 9)), [0x00, 0x3e, 0x80, 1, 4, 0, 0, 0, 3]);
  assert.deepEqual(decodeFrameHeader(frame), {
    length: 16_000,
    type: FrameType.HEADERS,
    flags: Flag.END_HEADERS,
    streamId: 3,
  });
});

Deno.test("parser: frames split across chunks and several in one chunk", () => {
  const a = encodeFrame(FrameType.DATA, 0, 1, new Uint8Array([1, 2, 3]));
  const b = encodeFrame(FrameType.PING, 0, 0, new Uint8Array(8));
  const bytes = new Uint8Array([...a, ...b]);
  const parser = new FrameParser();
  assert.deepEqual(parser.push(bytes.subarray(0, 5)), []);
  const frames = parser.push(bytes.subarray(5, 14));
  assert.equal(frames.length, 1);
  assert.deepEqual(Array.from(frames[0].payload), [1, 2, 3]);
  const rest = parser.push(bytes.subarray(14));
  assert.equal(rest[0].type, FrameType.PING);
  assert.equal(rest[0].payload.length, 8);
});

Deno.test("parser: a frame above our maximum is a FRAME_SIZE_ERROR", () => {
  const parser = new FrameParser(16_384);
  const header = encodeFrame(FrameType.DATA, 0, 1, new Uint8Array(16_385)).subarray(0, 9);
  assert.throws(() => parser.push(header), (e) => e instanceof H2ProtocolError && e.code === 6);
});

Deno.test("unpad: padding and HEADERS priority fields are removed", () => {
  const payload = new Uint8Array([2, 0, 0, 0, 0, 9, 0xaa, 0xbb, 0, 0]); // pad 2, priority, 2 bytes
  const frame = {
    type: FrameType.HEADERS,
    flags: Flag.PADDED | Flag.PRIORITY,
    streamId: 1,
    payload,
  };
  assert.deepEqual(Array.from(unpad(frame)), [0xaa, 0xbb]);
  assert.throws(
    () =>
      unpad({
        type: FrameType.DATA,
        flags: Flag.PADDED,
        streamId: 1,
        payload: new Uint8Array([5, 1]),
      }),
    /Padding/,
  );
});

Deno.test("settings and goaway payloads round-trip", () => {
  const settings: Array<[number, number]> = [[2, 0], [4, 4 << 20]];
  assert.deepEqual(parseSettings(settingsPayload(settings)), settings);
  assert.throws(() => parseSettings(new Uint8Array(5)), /multiple of 6/);
  assert.deepEqual(parseGoaway(goawayPayload(7, 0, "bye")), {
    lastStreamId: 7,
    code: 0,
    debug: "bye",
  });
});

Deno.test("parsePeerSettings: the settings our connections act on, checked as RFC 9113 says", () => {
  const settings = (...pairs: Array<[number, number]>) => settingsPayload(pairs);
  assert.deepEqual(
    parsePeerSettings(settings([0x4, 1 << 20], [0x5, 32_768], [0x3, 100], [0x4, 70_000])),
    { initialWindowSize: 70_000, maxFrameSize: 32_768, maxConcurrentStreams: 100 },
    "the last value of a setting given twice counts",
  );
  assert.deepEqual(parsePeerSettings(settings([0x2, 0], [0x1, 4096], [0x99, 7])), {});
  const refused = (payload: Uint8Array, code: number, message: RegExp) =>
    assert.throws(
      () => parsePeerSettings(payload),
      (err: unknown) =>
        err instanceof H2ProtocolError && err.code === code && message.test(err.message),
    );
  refused(settings([0x4, 0x8000_0000]), ErrorCode.FLOW_CONTROL_ERROR, /INITIAL_WINDOW_SIZE/);
  refused(settings([0x5, 16_383]), ErrorCode.PROTOCOL_ERROR, /MAX_FRAME_SIZE 16383/);
  refused(settings([0x5, 0x100_0000]), ErrorCode.PROTOCOL_ERROR, /MAX_FRAME_SIZE/);
  refused(settings([0x2, 2]), ErrorCode.PROTOCOL_ERROR, /ENABLE_PUSH/);
  refused(new Uint8Array(5), ErrorCode.FRAME_SIZE_ERROR, /multiple of 6/);
});
