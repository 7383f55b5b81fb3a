/**
 * Both loaders against hostile or broken files (issue 11, items 9 and 10): errors never quote the
 * file, and every file beyond the limits is a config error naming the file and the limit, fast.
 */
import assert from "node:assert/strict";
import YAML from "yaml";
import { ConfigError, loadExecutorConfig, parseExecutorConfig } from "./load.ts";
import {
  loadOperatorConfig,
  OperatorConfigError,
  parseOperatorCommandLine,
} from "./operator_load.ts";

const OPERATOR = "0x6B58f6762689DF33fe8fa3FC40Fb5a3089D3a8cc";
const AVS = "0xCE2Ac75bE2E0951F1F7B288c7a6A9BfB6c331DC4";
/** A private key in the shape of a real one (never a real one). */
const KEY = "3dd7c381f27775d9945f0fcf5bb914484c4d01681824603c71dd762259f43214";
const MiB = 1024 * 1024;

/** A valid config (BN254 results: no chain settings needed), as YAML. */
function valid(): Record<string, unknown> {
  return {
    operator: { address: OPERATOR, signingKeys: { bls: { keystore: "{}", password: "pw" } } },
    avsPerformers: [{ avsAddress: AVS, image: { repository: "hello-performer", tag: "v1" } }],
  };
}

/** The error a text gives, with how long it took; fails when it loads or throws anything else. */
function failure(text: string): { error: ConfigError; ms: number } {
  const started = performance.now();
  try {
    parseExecutorConfig(text, { source: "executor.yaml" });
  } catch (error) {
    const ms = performance.now() - started;
    assert.ok(error instanceof ConfigError, `not a ConfigError: ${error}`);
    assert.match(error.message, /^Invalid executor config executor\.yaml:/);
    return { error, ms };
  }
  assert.fail("the config loaded");
}

function assertNoKey(message: string): void {
  assert.ok(!message.includes(KEY.slice(0, 16)), `the key is in the message:\n${message}`);
}

async function operatorFailure(text: string): Promise<string> {
  const path = await Deno.makeTempFile({ suffix: ".yaml" });
  try {
    await Deno.writeTextFile(path, text);
    await loadOperatorConfig(parseOperatorCommandLine(["--config", path]));
  } catch (error) {
    assert.ok(error instanceof OperatorConfigError, `not an OperatorConfigError: ${error}`);
    assert.ok(error.message.includes(path), "the file is named");
    return error.message;
  } finally {
    await Deno.remove(path);
  }
  assert.fail("the settings loaded");
}

Deno.test("YAML syntax errors name code, line and column, never the text", async () => {
  const cases = [
    `operator:\n  signingKeys:\n    ecdsa:\n      privateKey: |x${KEY}\n        a\n`,
    `operator:\n  signingKeys:\n    ecdsa:\n      privateKey: "\\q${KEY}"\n`,
    `operator: {privateKey: 0x${KEY}]\n`,
    `operator:\n  privateKey: "0x${KEY}\n  next: [}\n`,
  ];
  for (const text of cases) {
    const { error } = failure(text);
    assertNoKey(error.message);
    assert.match(error.message, /YAML: .* at line \d+, column \d+ \[[A-Z_]+\]/);
  }
  const block = failure(`grpcPort: 1\nkey: |x${KEY}\n`).error;
  assert.ok(
    block.problems.includes(
      "YAML: an unexpected character or token at line 2, column 7 " +
        "[UNEXPECTED_TOKEN]",
    ),
    block.message,
  );
  assertNoKey(await operatorFailure(`concurrency: 2\nlogLevel: |x${KEY}\n  a\n`));
});

Deno.test("a value written where a key goes, or a duplicated one, is not echoed", () => {
  const doc = valid();
  doc.operator = { address: OPERATOR, signingKeys: { bls: { [`0x${KEY}`]: null } } };
  assertNoKey(failure(YAML.stringify(doc)).error.message);
  const twice = valid();
  const image = { repository: "x", tag: "v1" };
  twice.avsPerformers = [{ avsAddress: `0x${KEY}`, image }, { avsAddress: `0x${KEY}`, image }];
  assertNoKey(failure(YAML.stringify(twice)).error.message);
  const mode = valid();
  mode.avsPerformers = [{ avsAddress: AVS, image, deploymentMode: KEY }];
  mode.avsDefaults = { deploymentMode: "docker" };
  assertNoKey(failure(YAML.stringify(mode)).error.message);
});

Deno.test("aliases: copied when in bounds; unresolved, cyclic, bombs and too many are errors", async () => {
  const doc = `operator:\n  address: "${OPERATOR}"\n  signingKeys: {bls: {keystore: "{}", ` +
    `password: pw}}\navsPerformers:\n  - avsAddress: "${AVS}"\n    image: &img {repository: r, ` +
    `tag: v1}\n    envs: &envs [{name: A, value: "1"}]\n  - avsAddress: ` +
    `"0x1111111111111111111111111111111111111111"\n    image: *img\n    envs: *envs\n`;
  const { config } = parseExecutorConfig(doc);
  assert.deepEqual(config.avsPerformers[1].image, config.avsPerformers[0].image);
  assert.notEqual(config.avsPerformers[1].envs, config.avsPerformers[0].envs, "copies");

  const unresolved = failure(`operator: *k${KEY}\n`);
  assertNoKey(unresolved.error.message);
  assert.match(unresolved.error.message, /alias whose anchor .* at line 1, column 11/);
  assert.match(failure(`a: &x [*x]\n`).error.message, /nested deeper than 64 levels/);
  // Billion laughs: 9 × 8 aliases, 9^9 values once expanded.
  const bomb = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"];
  for (const [i, name] of [..."bcdefghi"].entries()) {
    bomb.push(`${name}: &${name} [${Array(9).fill(`*${"abcdefgh"[i]}`).join(", ")}]`);
  }
  const laughs = failure(bomb.join("\n") + "\n");
  assert.match(laughs.error.message, /more than 32 aliases/);
  // Within 32 aliases, 9 × 9 × 9 × 5 values once expanded.
  const expand = failure(
    `a: &a [${Array(9).fill("x").join(", ")}]\nb: &b [${Array(9).fill("*a").join(", ")}]\n` +
      `c: &c [${Array(9).fill("*b").join(", ")}]\nd: [*c, *c, *c, *c, *c]\n`,
  );
  assert.match(expand.error.message, /aliases expand too much/);
  assert.ok(laughs.ms < 1000 && expand.ms < 1000, `${laughs.ms} ms, ${expand.ms} ms`);
  assert.match(await operatorFailure(bomb.join("\n") + "\n"), /more than 32 aliases/);
  assert.match(await operatorFailure(`logLevel: *nope\n`), /alias whose anchor/);
});

Deno.test("deep nesting: one problem naming the limit and where, quickly", async () => {
  for (
    const text of [
      "avsPerformers: " + "[".repeat(80_000) + "\n",
      "x: " + "{a: ".repeat(5_000) + "1" + "}".repeat(5_000) + "\n",
      "x:\n" + Array.from({ length: 100 }, (_, i) => `${"  ".repeat(i + 1)}a:`).join("\n") + " 1\n",
      "avsPerformers:\n" + Array.from({ length: 400 }, (_, i) => `${" ".repeat(i)}-`).join("\n") +
      " 1\n",
    ]
  ) {
    const { error, ms } = failure(text);
    assert.equal(error.problems.length, 1, error.message);
    assert.match(error.problems[0], /^YAML: nest.* (deeper than 64|at most 64) levels/);
    assert.ok(ms < 1000, `${ms} ms`);
    assert.ok(error.message.length < 300, error.message);
  }
  const at = failure(
    "x:\n" + Array.from({ length: 70 }, (_, i) => `${"  ".repeat(i + 1)}a:`)
      .join("\n") +
      " 1\n",
  );
  assert.deepEqual(at.error.problems, [
    "YAML: nested deeper than 64 levels at line 65, column 129",
  ]);
  assert.match(await operatorFailure("x: " + "[".repeat(20_000) + "\n"), /64 levels/);
});

Deno.test("files over 1 MiB are refused naming their size, without reading them whole", async () => {
  const big = `${YAML.stringify(valid())}# ${"x".repeat(MiB)}\n`;
  const inline = failure(big).error;
  assert.match(
    inline.message,
    /the file is 1 MiB \(\d+ bytes\); a config file may be at most 1 MiB/,
  );
  const path = await Deno.makeTempFile({ suffix: ".yaml" });
  try {
    await Deno.writeTextFile(path, `${YAML.stringify(valid())}# ${"x".repeat(5 * MiB)}\n`);
    await assert.rejects(
      loadExecutorConfig(path),
      (err: unknown) =>
        err instanceof ConfigError && err.message.includes(path) &&
        /the file is 5 MiB \(52\d{5} bytes\)/.test(err.message),
    );
    assert.match(await operatorFailure(`# ${"x".repeat(2 * MiB)}\n`), /the file is 2 MiB/);
  } finally {
    await Deno.remove(path);
  }
  // A device has no size: reading stops one byte past the limit.
  await assert.rejects(
    loadExecutorConfig("/dev/zero"),
    (err: unknown) => err instanceof ConfigError && /more than 1 MiB/.test(err.message),
  );
  const limit = `${YAML.stringify(valid())}#`;
  assert.ok(parseExecutorConfig(limit + "x".repeat(MiB - limit.length - 1) + "\n"), "1 MiB loads");
});

Deno.test("many problems: all counted, 20 listed, quickly; too many tokens stop at once", () => {
  const text = YAML.stringify(valid()) +
    Array.from({ length: 10_000 }, (_, i) => `k${i}: 1`).join("\n") + "\n";
  const { error, ms } = failure(text);
  assert.equal(error.problems.length, 10_000);
  const lines = error.message.split("\n");
  assert.equal(lines.length, 22, "the header, 20 problems, the count");
  assert.equal(lines[21], "  … and 9980 more problems");
  assert.ok(ms < 2000, `${ms} ms`);
  const keys = failure(Array.from({ length: 15_000 }, () => "a: 1").join("\n"));
  assert.match(
    keys.error.problems[0],
    /^YAML: a duplicate key at line 2, column 1 .*first at line 1/,
  );
  assert.ok(keys.ms < 2000, `${keys.ms} ms`);
  // 80,000 keys: 83 s and 80,002 lines of output before the limits.
  const many = failure(Array.from({ length: 80_000 }, (_, i) => `k${i}: 1`).join("\n"));
  assert.deepEqual(many.error.problems, [
    "YAML: more than 100000 tokens (values, punctuation, comments)",
  ]);
  assert.ok(many.ms < 500, `${many.ms} ms`);
});

Deno.test("tags: the core schema's only, even under %YAML 1.1", () => {
  for (const tagged of ["!!binary aGk=", "!foo x", `!<tag:x,2000:${KEY}> y`, "!!set {a: null}"]) {
    const { error } = failure(`${YAML.stringify(valid())}logLevel: ${tagged}\n`);
    assert.match(error.message, /YAML: an unsupported tag at line \d+, column \d+/);
    assertNoKey(error.message);
  }
  const { config } = parseExecutorConfig(
    `%YAML 1.1\n---\n${YAML.stringify(valid())}logLevel: !!str debug\n`,
  );
  assert.equal(config.logLevel, "debug");
  const dated = valid();
  (dated.avsPerformers as Record<string, unknown>[])[0].image = { repository: "r", tag: "x" };
  const text = `%YAML 1.1\n---\n${YAML.stringify(dated).replace("tag: x", "tag: 2001-12-14")}`;
  assert.equal(parseExecutorConfig(text).config.avsPerformers[0].image.tag, "2001-12-14");
});

Deno.test("durations: bounded per key; zero, sub-millisecond and endless values are errors", () => {
  const at = (section: string, key: string, value: string) => {
    const doc = valid() as Record<string, Record<string, unknown>>;
    doc[section] = { [key]: value };
    return failure(YAML.stringify(doc)).error.problems;
  };
  assert.deepEqual(at("storage", "retention", "0.5ms"), ["storage.retention: must be at least 1m"]);
  assert.deepEqual(at("performerHealth", "interval", "0s"), [
    "performerHealth.interval: must be at least 100ms",
  ]);
  assert.deepEqual(at("shutdown", "drainTimeout", "0ms"), [
    "shutdown.drainTimeout: must be at least 1s",
  ]);
  assert.deepEqual(at("managementAuth", "tokenTtl", `${"9".repeat(400)}h`), [
    "managementAuth.tokenTtl: must be at most 1h",
  ]);
  assert.deepEqual(
    at("kubernetes", "connectionTimeout", "1000h").filter((p) => /Timeout/.test(p)),
    [
      "kubernetes.connectionTimeout: must be at most 10m",
    ],
  );
  const doc = valid();
  (doc.avsPerformers as Record<string, unknown>[])[0].taskTimeout = "25h";
  assert.deepEqual(failure(YAML.stringify(doc)).error.problems, [
    "avsPerformers[0].taskTimeout: must be at most 24h",
  ]);
});
