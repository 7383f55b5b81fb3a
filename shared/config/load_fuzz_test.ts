/**
 * Seeded fuzz of both config loaders: valid configs bent at random keys, random YAML with anchors,
 * aliases, tags, deep nesting, huge strings and broken syntax, and secret-looking values anywhere.
 * Every case must load or fail with the loader's own error, quickly, with a bounded message that
 * holds no part of any secret. A failure prints the seed and case, which replay it alone:
 * `FUZZ_SEED=<seed> FUZZ_CASE=<n> deno test -A shared/config/load_fuzz_test.ts`.
 */
import { seededRandom } from "../../tests/fixture/seeded_random.ts";
import assert from "node:assert/strict";
import YAML from "yaml";
import { ConfigError, parseExecutorConfig } from "./load.ts";
import {
  loadOperatorConfig,
  OperatorConfigError,
  parseOperatorCommandLine,
} from "./operator_load.ts";

const SEED = Number(Deno.env.get("FUZZ_SEED") ?? 20261130);
const ONLY = Deno.env.get("FUZZ_CASE");
const EXECUTOR_CASES = 5_000;
const OPERATOR_CASES = 500;
/** Per case; the slowest seen is far below (see the summary line the test prints). */
const MAX_CASE_MS = 2_000;
/** Header, 20 problems of at most 400 characters, the count. */
const MAX_MESSAGE = 10_000;

/** Seeded helpers over mulberry32 (`tests/fixture/seeded_random.ts`). */
function random(seed: number) {
  const next = seededRandom(seed);
  const int = (n: number) => Math.floor(next() * n);
  return {
    int,
    chance: (p: number) => next() < p,
    pick: <T>(items: readonly T[]): T => items[int(items.length)],
    chars: (alphabet: string, n: number) =>
      Array.from({ length: n }, () => alphabet[int(alphabet.length)]).join(""),
  };
}
type Random = ReturnType<typeof random>;

const HEX = "0123456789abcdef";
const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** A generated case: the text, and every secret written into it. */
interface Case {
  text: string;
  secrets: string[];
  env?: Record<string, string>;
}

/** Builds one case; `secret()` records what must never be printed. */
class Gen {
  readonly secrets: string[] = [];
  anchors = 0;
  constructor(readonly r: Random) {}

  /** A secret-looking value: a private key in hex, base64, a password; recorded. */
  secret(hex = false): string {
    const s = hex ? `0x${this.r.chars(HEX, 64)}` : this.r.pick([
      () => `0x${this.r.chars(HEX, 64)}`,
      () => this.r.chars(HEX, 64),
      () => `${this.r.chars(B64, 43)}=`,
      () => `pw-${this.r.chars(HEX, 24)}-${this.r.chars(B64, 12)}`,
    ])();
    this.secrets.push(s);
    return s;
  }

  scalar(): unknown {
    const r = this.r;
    return r.pick<() => unknown>([
      () => this.secret(),
      () => r.int(70_000) - 100,
      () => r.pick([0, -1, 1.5, 1e308, -1e-308, 2 ** 53 + 1, Infinity, NaN]),
      () => r.chance(0.5),
      () => null,
      () => r.pick(["", "x", "docker", "kubernetes", "server", "ecdsa", "bn254", "debug"]),
      () => r.pick(["30s", "0.5ms", "0s", "1m30s", "250ms", "25h", `${"9".repeat(400)}h`, "-1s"]),
      () => r.pick(["0xCE2Ac75bE2E0951F1F7B288c7a6A9BfB6c331DC4", "0x0", ":8080", "1.2.3.4:5"]),
      () => r.chars("abc xyz:#&*!|>-?[]{},'\"\\%@`\t\n", r.int(12)),
      () => "é€😀\u0000\u200b".repeat(r.int(4)),
      () => "x".repeat(r.chance(0.005) ? 60_000 : r.int(500)),
    ])();
  }

  value(depth: number): unknown {
    const r = this.r;
    if (depth > 90 || r.chance(depth > 6 ? 0.7 : 0.45)) return this.scalar();
    const size = r.int(r.chance(0.03) ? 30 : 5);
    if (r.chance(0.5)) return Array.from({ length: size }, () => this.value(depth + 1));
    const keys = ["image", "tag", "privateKey", "password", "a", "__proto__", "envs", "x-y.z"];
    return Object.fromEntries(
      Array.from({ length: size }, () => [r.pick(keys), this.value(depth + 1)]),
    );
  }
}

/** A valid executor config of random shape (docker or kubernetes, ECDSA or BLS keys). */
function executorDoc(g: Gen): Record<string, unknown> {
  const r = g.r;
  const mode = r.pick(["docker", "kubernetes"]);
  const keys = r.chance(0.5)
    ? { ecdsa: { privateKey: g.secret(true) } }
    : { bls: { keystore: `{"crypto":"${g.secret()}"}`, password: g.secret() } };
  const performers = Array.from({ length: 1 + r.int(3) }, (_, i) => ({
    avsAddress: `0x${String(i + 1).repeat(40)}`,
    image: { repository: "ghcr.io/acme/perf", tag: "v1" },
    deploymentMode: mode,
    envs: [{ name: "TOKEN", value: g.secret() }],
    taskTimeout: r.pick(["1m", "90s"]),
  }));
  return {
    operator: { address: "0x6B58f6762689DF33fe8fa3FC40Fb5a3089D3a8cc", signingKeys: keys },
    avsPerformers: performers,
    ...(mode === "kubernetes" ? { kubernetes: { namespace: "avs" } } : {}),
    l1Chain: { chainId: 1, rpcUrl: `https://rpc.example/${g.secret()}` },
    performerHealth: { interval: "2s" },
  };
}

/** A valid operator settings file. */
function operatorDoc(g: Gen): Record<string, unknown> {
  return {
    leaderElection: { enabled: g.r.chance(0.5), id: "lease", leaseDuration: "15s" },
    kubeApi: { qps: 10, burst: 20, timeout: "30s" },
    logLevel: "info",
    namespace: g.r.chance(0.5) ? "" : "avs",
  };
}

/** Replaces, adds or deletes keys at random places of a document. */
function bend(g: Gen, doc: Record<string, unknown>): void {
  for (let n = 1 + g.r.int(4); n > 0; n--) {
    let node: Record<string, unknown> = doc;
    for (let depth = g.r.int(4); depth > 0; depth--) {
      const children = Object.values(node).filter((v) => typeof v === "object" && v !== null);
      if (children.length === 0) break;
      node = g.r.pick(children) as Record<string, unknown>;
    }
    const keys = Object.keys(node);
    // A secret as a key: what `{0xab…}` or a lost line break makes of a value.
    const other = g.r.chance(0.3) ? g.secret() : g.r.pick(["k", "grpcPortt"]);
    const key = keys.length > 0 && g.r.chance(0.7) ? g.r.pick(keys) : other;
    if (g.r.chance(0.15)) delete node[key];
    else node[key] = g.value(1);
  }
}

/** YAML syntax that builders do not write: anchors, aliases, tags, directives, broken bits. */
const PIECES = [
  "&a ",
  "*a",
  "*zz",
  "!!str ",
  "!!int ",
  "!!binary ",
  "!foo ",
  "!<tag:x,1:y> ",
  "!!set ",
  "%YAML 1.1\n---\n",
  "---\n",
  "...\n",
  "? ",
  ": ",
  "- ",
  "[",
  "]",
  "{",
  "}",
  ",",
  "|",
  ">-",
  '"',
  "'",
  "#",
  "\t",
  "\n",
  "  ",
  "<<: *a\n",
  "\\",
  "\u00a0",
  "\ufeff",
];

/** Inserts and deletes at token boundaries; never splits a secret (a whole one may go). */
function mutate(g: Gen, text: string): string {
  const inside = (at: number) =>
    g.secrets.some((s) => {
      const i = text.indexOf(s);
      return i >= 0 && at > i && at < i + s.length;
    });
  for (let n = 1 + g.r.int(5); n > 0; n--) {
    const at = g.r.int(text.length + 1);
    if (inside(at)) continue;
    if (g.r.chance(0.25)) {
      const end = Math.min(text.length, at + g.r.int(20));
      if (!inside(end)) text = text.slice(0, at) + text.slice(end);
    } else text = text.slice(0, at) + g.r.pick(PIECES) + text.slice(at);
  }
  return text;
}

/** Hostile documents: alias bombs, self-references, deep nesting, many keys, huge files. */
function hostile(g: Gen): string {
  const r = g.r;
  const n = 2 + r.int(12);
  return r.pick([
    () => {
      const lines = [`a0: &a0 [${Array(n).fill(g.secret()).join(", ")}]`];
      for (let i = 1; i < n; i++) lines.push(`a${i}: &a${i} [${Array(n).fill(`*a${i - 1}`)}]`);
      return lines.join("\n");
    },
    () => `a: &x {k: [*x, ${g.secret()}]}\n`,
    () => `x: ${"[".repeat(r.int(1000))}${g.secret()}${"]".repeat(r.int(1000))}\n`,
    () =>
      `x:\n${
        Array.from({ length: 40 + r.int(60) }, (_, i) => `${" ".repeat(i + 1)}- a`)
          .join("\n")
      }\n`,
    () =>
      Array.from({ length: r.int(200) }, (_, i) => `k${i}: ${g.secret()}\n`).join("") +
      "x: 1\n".repeat(r.int(2_000)),
    () => `key: ${g.secret()}\n# ${"x".repeat(1024 * 1024 + r.int(10))}\n`,
    () => `${"  ".repeat(r.int(4))}${g.secret()}: |x${g.secret()}\n  ${g.secret()}\n`,
  ])();
}

function generate(r: Random, base: (g: Gen) => Record<string, unknown>): Case {
  const g = new Gen(r);
  const kind = r.int(100);
  let text: string;
  if (kind < 8) text = hostile(g);
  else {
    // 8–29: random documents; 30–39: valid ones; 40–54: bent; 55–99: bent, then mangled.
    const doc = kind < 30 ? (g.value(0) as Record<string, unknown>) : base(g);
    if (kind >= 40) bend(g, doc);
    text = YAML.stringify(doc, {
      collectionStyle: r.pick(["any", "block", "flow"] as const),
      aliasDuplicateObjects: true,
    });
    if (kind >= 55) text = mutate(g, text);
  }
  const env: Record<string, string> | undefined = r.chance(0.1)
    ? { EXECUTOR_ECDSA_PRIVATE_KEY: g.secret(), EXECUTOR_GRPC_PORT: r.pick(["1", "x", "99999"]) }
    : undefined;
  return { text, secrets: g.secrets, env };
}

/**
 * A secret, or any 16 characters of one, found in the text: each 16 characters of the runs of the
 * text that could hold one (secrets are hex, base64 or `pw-…`) looked up in every secret.
 */
function leaked(text: string, secrets: string[]): string | undefined {
  if (secrets.length === 0) return undefined;
  for (const [run] of text.matchAll(/[A-Za-z0-9+/=-]{16,}/g)) {
    for (let i = 0; i + 16 <= run.length; i++) {
      const part = run.slice(i, i + 16);
      const secret = secrets.find((s) => s.includes(part));
      if (secret !== undefined) return secret;
    }
  }
  return undefined;
}

interface Tally {
  cases: number;
  loaded: number;
  failed: number;
  slowest: number;
  longest: number;
}

function check(tally: Tally, c: Case, ms: number, label: string, result: unknown): void {
  tally.cases++;
  tally.slowest = Math.max(tally.slowest, ms);
  assert.ok(ms < MAX_CASE_MS, `${label}: took ${ms.toFixed(0)} ms`);
  if (result instanceof ConfigError || result instanceof OperatorConfigError) {
    tally.failed++;
    tally.longest = Math.max(tally.longest, result.message.length);
    assert.ok(result.message.length <= MAX_MESSAGE, `${label}: ${result.message.length} chars`);
    const secret = leaked(`${result.message}\n${result.problems.join("\n")}`, c.secrets);
    assert.equal(secret, undefined, `${label}: a secret is printed:\n${result.message}`);
  } else if (result instanceof Error || result === undefined) {
    assert.fail(`${label}: not a config error: ${result}\n${c.text.slice(0, 500)}`);
  } else {
    tally.loaded++;
    const warnings = (result as { warnings?: string[] }).warnings ?? [];
    assert.equal(leaked(warnings.join("\n"), c.secrets), undefined, `${label}: in a warning`);
  }
}

/** Case `i`'s own seed: different seeds share no cases. */
function caseSeed(i: number): number {
  return (SEED ^ Math.imul(i + 1, 0x9e3779b1)) >>> 0;
}

function cases(count: number): number[] {
  return ONLY === undefined ? Array.from({ length: count }, (_, i) => i) : [Number(ONLY)];
}

Deno.test("fuzz: the executor's loader never throws anything else, is quick, prints no secret", () => {
  const tally: Tally = { cases: 0, loaded: 0, failed: 0, slowest: 0, longest: 0 };
  const started = performance.now();
  for (const i of cases(EXECUTOR_CASES)) {
    const c = generate(random(caseSeed(i)), executorDoc);
    const t0 = performance.now();
    let result: unknown;
    try {
      result = parseExecutorConfig(c.text, { source: "fuzz.yaml", env: c.env });
    } catch (err) {
      result = err;
    }
    check(tally, c, performance.now() - t0, `seed ${SEED} case ${i}`, result);
    if (result instanceof ConfigError) assert.match(result.message, /fuzz\.yaml/);
  }
  report("executor", tally, performance.now() - started);
});

Deno.test("fuzz: the operator's --config file, the same", async () => {
  const dir = await Deno.makeTempDir();
  const tally: Tally = { cases: 0, loaded: 0, failed: 0, slowest: 0, longest: 0 };
  const started = performance.now();
  try {
    for (const i of cases(OPERATOR_CASES)) {
      const c = generate(random(caseSeed(EXECUTOR_CASES + i)), operatorDoc);
      const path = `${dir}/${i}.yaml`;
      await Deno.writeTextFile(path, c.text);
      const t0 = performance.now();
      let result: unknown;
      try {
        result = await loadOperatorConfig(parseOperatorCommandLine(["--config", path]));
      } catch (err) {
        result = err;
      }
      check(tally, c, performance.now() - t0, `seed ${SEED} operator case ${i}`, result);
      await Deno.remove(path);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  report("operator", tally, performance.now() - started);
});

function report(name: string, t: Tally, ms: number): void {
  console.log(
    `fuzz ${name}: ${t.cases} cases (seed ${SEED}) in ${(ms / 1000).toFixed(1)} s: ` +
      `${t.loaded} loaded, ${t.failed} refused; slowest ${t.slowest.toFixed(0)} ms, ` +
      `longest message ${t.longest} chars`,
  );
}
