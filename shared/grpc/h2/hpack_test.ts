import assert from "node:assert/strict";
import {
  decodeInteger,
  encodeHeaders,
  encodeInteger,
  type HeaderField,
  HpackDecoder,
  HpackError,
} from "./hpack.ts";
import { huffmanDecode } from "./huffman.ts";
import { STATIC_TABLE } from "./_static_table.ts";

const hex = (s: string) =>
  new Uint8Array(s.replace(/\s+/g, "").match(/../g)!.map((b) => parseInt(b, 16)));

interface Step {
  block: string;
  fields: HeaderField[];
  table: HeaderField[];
  size: number;
}

function series(maxSize: number, steps: Step[]): void {
  const decoder = new HpackDecoder(maxSize);
  steps.forEach((step, i) => {
    assert.deepEqual(decoder.decode(hex(step.block)), step.fields, `step ${i + 1}`);
    assert.deepEqual(decoder.entries, step.table, `table after step ${i + 1}`);
    assert.equal(decoder.size, step.size, `size after step ${i + 1}`);
  });
}

Deno.test("integers: RFC 7541 C.1 examples round-trip", () => {
  for (const [value, prefix, bytes] of [[10, 5, [10]], [1337, 5, [31, 154, 10]], [42, 8, [42]]]) {
    const out: number[] = [];
    encodeInteger(out, value as number, prefix as number);
    assert.deepEqual(out, bytes);
    assert.deepEqual(decodeInteger(new Uint8Array(bytes as number[]), 0, prefix as number), [
      value,
      (bytes as number[]).length,
    ]);
  }
  assert.throws(() => decodeInteger(new Uint8Array([31, 154]), 0, 5), HpackError);
});

Deno.test("static table: 61 entries as in RFC 7541 Appendix A", () => {
  assert.equal(STATIC_TABLE.length, 61);
  assert.deepEqual(STATIC_TABLE[0], [":authority", ""]);
  assert.deepEqual(STATIC_TABLE[7], [":status", "200"]);
  assert.deepEqual(STATIC_TABLE[30], ["content-type", ""]);
  assert.deepEqual(STATIC_TABLE[60], ["www-authenticate", ""]);
});

Deno.test("decoder: RFC 7541 C.3 requests without Huffman coding", () => {
  series(4096, [
    {
      block: "8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d",
      fields: [[":method", "GET"], [":scheme", "http"], [":path", "/"], [
        ":authority",
        "www.example.com",
      ]],
      table: [[":authority", "www.example.com"]],
      size: 57,
    },
  ]);
});

Deno.test("decoder: RFC 7541 C.4 requests with Huffman coding", () => {
  const base: HeaderField[] = [[":method", "GET"], [":scheme", "http"], [":path", "/"], [
    ":authority",
    "www.example.com",
  ]];
  series(4096, [
    {
      block: "8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff",
      fields: base,
      table: [[":authority", "www.example.com"]],
      size: 57,
    },
    {
      block: "8286 84be 5886 a8eb 1064 9cbf",
      fields: [...base, ["cache-control", "no-cache"]],
      table: [["cache-control", "no-cache"], [":authority", "www.example.com"]],
      size: 110,
    },
    {
      block: "8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf",
      fields: [[":method", "GET"], [":scheme", "https"], [":path", "/index.html"], [
        ":authority",
        "www.example.com",
      ], ["custom-key", "custom-value"]],
      table: [["custom-key", "custom-value"], ["cache-control", "no-cache"], [
        ":authority",
        "www.example.com",
      ]],
      size: 164,
    },
  ]);
});

Deno.test("decoder: RFC 7541 C.6 responses with Huffman coding and eviction (table 256)", () => {
  const date1 = "Mon, 21 Oct 2013 20:13:21 GMT";
  const location = "https://www.example.com";
  const cookie = "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1";
  series(256, [
    {
      block: `4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6
              2d1b ff6e 919d 29ad 1718 63c7 8f0b 97c8 e9ae 82ae 43d3`,
      fields: [[":status", "302"], ["cache-control", "private"], ["date", date1], [
        "location",
        location,
      ]],
      table: [["location", location], ["date", date1], ["cache-control", "private"], [
        ":status",
        "302",
      ]],
      size: 222,
    },
    {
      block: "4883 640e ffc1 c0bf",
      fields: [[":status", "307"], ["cache-control", "private"], ["date", date1], [
        "location",
        location,
      ]],
      table: [[":status", "307"], ["location", location], ["date", date1], [
        "cache-control",
        "private",
      ]],
      size: 222,
    },
    {
      block: `88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab
              77ad 94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f
              9587 3160 65c0 03ed 4ee5 b106 3d50 07`,
      fields: [
        [":status", "200"],
        ["cache-control", "private"],
        ["date", "Mon, 21 Oct 2013 20:13:22 GMT"],
        ["location", location],
        ["content-encoding", "gzip"],
        ["set-cookie", cookie],
      ],
      table: [["set-cookie", cookie], ["content-encoding", "gzip"], [
        "date",
        "Mon, 21 Oct 2013 20:13:22 GMT",
      ]],
      size: 215,
    },
  ]);
});

Deno.test("decoder: a size update evicts, one above our limit or after a field is refused", () => {
  const decoder = new HpackDecoder(4096);
  decoder.decode(hex("8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff"));
  assert.equal(decoder.size, 57);
  decoder.decode(hex("20")); // size update to 0
  assert.equal(decoder.size, 0);
  assert.throws(() => decoder.decode(hex("3fe21f")), /above our limit/); // 4097
  assert.throws(() => decoder.decode(hex("82 20")), /after a header field/);
  assert.throws(() => decoder.decode(hex("be")), /beyond the dynamic table/);
});

Deno.test("huffman: bad padding and EOS are refused", () => {
  // "www.example.com" from C.4.1 decodes; padding of zeros or longer than 7 bits does not.
  assert.equal(
    new TextDecoder().decode(huffmanDecode(hex("f1e3 c2e5 f23a 6ba0 ab90 f4ff"))),
    "www.example.com",
  );
  assert.throws(() => huffmanDecode(hex("f1e3 c2e5 f23a 6ba0 ab90 f4fe")), /padding/);
  assert.throws(() => huffmanDecode(hex("ff")), /padding/);
  assert.throws(() => huffmanDecode(hex("ffff ffff")), /EOS/);
});

Deno.test("encoder: literal fields without indexing, decodable by our decoder", () => {
  const fields: HeaderField[] = [[":path", "/a.B/C"], ["grpc-timeout", "100m"], [
    "x-long",
    "v".repeat(300),
  ]];
  const block = encodeHeaders(fields);
  assert.equal(block[0], 0x00);
  const decoder = new HpackDecoder();
  assert.deepEqual(decoder.decode(block), fields);
  assert.equal(decoder.size, 0);
});
