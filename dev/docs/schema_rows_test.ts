import assert from "node:assert/strict";
import { code, table, text } from "./markdown.ts";
import { schemaRows } from "./schema_rows.ts";

Deno.test("rows follow the schema: nesting, lists, maps, presence and defaults", () => {
  const rows = schemaRows({
    type: "object",
    required: ["name"],
    properties: {
      name: { type: "string", minLength: 1, description: "The name." },
      port: { type: "integer", minimum: 1, maximum: 65535, default: 9090 },
      rate: { type: "number", exclusiveMinimum: 0, exclusiveMaximum: 1 },
      items: {
        type: "array",
        minItems: 1,
        items: { type: "object", properties: { id: { type: "string", pattern: "^x$" } } },
      },
      labels: { type: "object", additionalProperties: { type: "string" } },
    },
  }, "spec");
  assert.deepEqual(rows.map((r) => [r.path, r.type, r.presence, r.rules.join("; ")]), [
    ["spec.name", "string", "required", "non-empty"],
    ["spec.port", "integer", "default `9090`", "1 to 65535"],
    ["spec.rate", "number", "optional", "greater than 0; less than 1"],
    ["spec.items", "[]object", "optional", "at least 1 item"],
    ["spec.items[].id", "string", "optional", "pattern `^x$`"],
    ["spec.labels", "map[string]string", "optional", ""],
  ]);
  assert.equal(rows[0].description, "The name.");
});

Deno.test("unions of objects list each form; int-or-string and CEL rules are named", () => {
  const rows = schemaRows({
    type: "object",
    properties: {
      key: {
        anyOf: [
          { type: "object", required: ["inline"], properties: { inline: { type: "string" } } },
          { type: "object", required: ["file"], properties: { file: { type: "string" } } },
        ],
      },
      quantity: { "x-kubernetes-int-or-string": true, anyOf: [{ type: "integer" }] },
      hw: {
        type: "object",
        "x-kubernetes-validations": [{ rule: "a || b", message: "a or b" }],
        properties: {},
      },
    },
  });
  const byPath = new Map(rows.map((r) => [r.path, r]));
  assert.equal(byPath.get("key")?.rules[0], "one of: form 1 `{inline}`; form 2 `{file}`");
  assert.equal(byPath.get("key.inline")?.presence, "required in form 1");
  assert.equal(byPath.get("key.file")?.presence, "required in form 2");
  assert.equal(byPath.get("quantity")?.type, "int-or-string");
  assert.equal(byPath.get("hw")?.rules[0], "CEL `a \\|\\| b`: a or b");
});

Deno.test("a collapsed key is one row, and its subtree is not walked", () => {
  const rows = schemaRows(
    {
      type: "object",
      properties: { affinity: { type: "object", properties: { deep: { type: "string" } } } },
    },
    "",
    { collapse: (_, path) => path === "affinity" ? { type: "object", note: "See X." } : undefined },
  );
  assert.deepEqual(rows.map((r) => [r.path, r.description]), [["affinity", "See X."]]);
});

Deno.test("cells escape what Markdown would misread; tables are padded like deno fmt", () => {
  assert.equal(
    text("performer-<name> for EXECUTOR_* | x"),
    "performer-\\<name> for EXECUTOR_\\* \\| x",
  );
  assert.equal(text("keep `a|b <c>` as code"), "keep `a\\|b <c>` as code");
  assert.equal(code("x|y"), "`x\\|y`");
  assert.equal(
    table(["a", "long header"], [["é", "x"]]),
    "| a | long header |\n| - | ----------- |\n| é | x           |",
  );
});
