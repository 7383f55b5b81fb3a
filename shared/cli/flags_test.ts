import assert from "node:assert/strict";
import { FlagError, type FlagErrorReason, type FlagSpec, parseFlags } from "./flags.ts";

const SPECS: Record<string, FlagSpec> = {
  name: { kind: "string", default: "x", help: "a name" },
  count: { kind: "int", help: "a count" },
  ratio: { kind: "number", help: "a ratio" },
  verbose: { kind: "bool", default: false, help: "say more" },
};

Deno.test("flags: Go-style forms, defaults and positional arguments", () => {
  const { values, positional } = parseFlags(
    ["--name=a", "--count", "3", "-ratio=0.5", "--verbose", "rest"],
    SPECS,
  );
  assert.deepEqual(values, { name: "a", count: 3, ratio: 0.5, verbose: true });
  assert.deepEqual(positional, ["rest"]);
  assert.equal(parseFlags(["--verbose=false"], SPECS).values.verbose, false);
  assert.equal(parseFlags([], SPECS).values.name, "x");
});

Deno.test("flags: each mistake is a FlagError with a stable reason and the flag named", () => {
  const cases: [string[], FlagErrorReason, string][] = [
    [["--nmae=a"], "UnknownFlag", "unknown flag --nmae (see --help)"],
    [["--count"], "MissingValue", "flag --count needs a value"],
    [["--count=1.5"], "InvalidValue", 'flag --count: "1.5" is not an integer'],
    [["--ratio=x"], "InvalidValue", 'flag --ratio: "x" is not a number'],
    [["--verbose=yes"], "InvalidValue", 'flag --verbose: "yes" is not true or false'],
  ];
  for (const [args, reason, message] of cases) {
    assert.throws(() => parseFlags(args, SPECS), (err) => {
      assert.ok(err instanceof FlagError);
      assert.equal(err.name, "FlagError");
      assert.equal(err.reason, reason);
      assert.equal(err.message, message);
      return true;
    });
  }
});
