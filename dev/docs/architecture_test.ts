/**
 * docs/architecture.md's map stays true: it has a row for every folder of modules and no other,
 * it marks exactly the folders `operator/main.ts` and `executor/main.ts` reach (their import
 * graphs as `deno info --json` resolves them), and the import rules it states hold over every
 * module of the repository.
 */

import assert from "node:assert/strict";

const ROOT_URL = new URL("../../", import.meta.url);
const ROOT = ROOT_URL.pathname;
const MAP_DOC = "docs/architecture.md";
const ENTRIES = ["operator/main.ts", "executor/main.ts"] as const;
const PRODUCT = ["operator", "executor", "shared", "sdk"];
/** Imports of operator/ from outside it that the rules allow: the chart test renders its pod. */
const OPERATOR_IMPORTS_ALLOWED = ["tests/charts_test.ts → operator/performer/builders.ts"];

/** Each module (path from the repository root) and the repository's modules it imports. */
type ImportGraph = Map<string, Set<string>>;

const graph = await importGraph(await modulePaths());

/** Test modules: everything under tests/, `*_test.ts`, `*_bench.ts` and `_test_util.ts`. */
function isTest(path: string): boolean {
  return path.startsWith("tests/") || /(_test|_bench)\.ts$/.test(path) ||
    path.endsWith("/_test_util.ts");
}

function top(path: string): string {
  return path.split("/")[0];
}

/** The map's folder of a module: its directory; generated code counts as `shared/proto/gen`. */
function folderOf(path: string): string {
  const dir = path.slice(0, path.lastIndexOf("/"));
  return dir.startsWith("shared/proto/gen/") ? "shared/proto/gen" : dir;
}

function dirOf(path: string): string {
  return path.slice(0, path.lastIndexOf("/"));
}

/** Every `from → to` import for which `broken(from, to)` holds. */
function violations(broken: (from: string, to: string) => boolean): string[] {
  const found: string[] = [];
  for (const [from, deps] of graph) {
    for (const to of deps) if (broken(from, to)) found.push(`${from} → ${to}`);
  }
  return found.sort();
}

Deno.test("architecture map: one row per folder of modules, and no other", async () => {
  const rows = await mapRows();
  const folders = new Set([...graph.keys()].map(folderOf));
  const listed = new Set(rows.map((r) => r.folder));
  assert.deepEqual(
    [...folders].filter((f) => !listed.has(f)).sort(),
    [],
    `folders missing from the map in ${MAP_DOC}`,
  );
  assert.deepEqual(
    [...listed].filter((f) => !folders.has(f)).sort(),
    [],
    `rows of ${MAP_DOC} for folders that hold no module`,
  );
});

Deno.test("architecture map: each binary reaches exactly the folders marked for it", async () => {
  const rows = await mapRows();
  ENTRIES.forEach((entry, column) => {
    const reached = [...reachable(entry)].map(folderOf);
    const marked = rows.filter((r) => r.reached[column]).map((r) => r.folder);
    assert.deepEqual(
      [...new Set(reached)].sort(),
      marked.sort(),
      `folders ${entry} imports (deno info) vs. those ${MAP_DOC} marks`,
    );
  });
});

Deno.test("import rules: product code imports only product code; shared/ and sdk/ stay below", () => {
  const product = (path: string) => PRODUCT.includes(top(path));
  assert.deepEqual(
    violations((from, to) => product(from) && !isTest(from) && !product(to)),
    [],
    "product code importing dev/ or tests/",
  );
  assert.deepEqual(
    violations((from, to) => top(from) === "shared" && !isTest(from) && top(to) !== "shared"),
    [],
    "shared/ importing a binary or the SDK",
  );
  assert.deepEqual(
    violations((from, to) =>
      top(from) === "sdk" && !isTest(from) && !["sdk", "shared"].includes(top(to))
    ),
    [],
    "sdk/ importing a binary",
  );
});

Deno.test("import rules: the binaries never import each other; only operator/ imports it", () => {
  const binaries = ["operator", "executor"];
  assert.deepEqual(
    violations((from, to) =>
      binaries.includes(top(from)) && binaries.includes(top(to)) && top(from) !== top(to)
    ),
    [],
    "operator/ and executor/ importing each other",
  );
  assert.deepEqual(
    violations((from, to) => top(to) === "operator" && top(from) !== "operator"),
    OPERATOR_IMPORTS_ALLOWED,
    "imports of operator/ from outside it",
  );
});

Deno.test("import rules: tests import helpers and tools; nothing else imports tests", () => {
  assert.deepEqual(
    violations((from, to) => top(from) === "dev" && !isTest(from) && top(to) === "tests"),
    [],
    "dev/ importing tests/ (a tool that needs test fixtures belongs in tests/, e.g. tests/bench/)",
  );
  assert.deepEqual(
    violations((from, to) => !isTest(from) && isTest(to)),
    [],
    "code importing a test module (`*_test.ts`, `_test_util.ts`, tests/)",
  );
  assert.deepEqual(
    violations((from, to) => to.endsWith("/_test_util.ts") && dirOf(from) !== dirOf(to)),
    [],
    "a folder's _test_util.ts imported from another folder (move the helper to tests/fixture/)",
  );
});

Deno.test("test helpers: a product module that only tests import is a _test_util.ts", () => {
  const importers = new Map<string, string[]>();
  for (const [from, deps] of graph) {
    for (const to of deps) importers.set(to, [...importers.get(to) ?? [], from]);
  }
  const testOnly = [...importers].filter(([path, from]) =>
    PRODUCT.includes(top(path)) && !isTest(path) && !/(^|\/|_)main\.ts$/.test(path) &&
    from.every(isTest)
  ).map(([path]) => path);
  assert.deepEqual(testOnly, [], "helpers only tests use, named as product code");
});

/** The modules a module reaches through its imports, itself included. */
function reachable(entry: string): Set<string> {
  const seen = new Set<string>();
  const visit = (path: string) => {
    if (seen.has(path)) return;
    seen.add(path);
    for (const dep of graph.get(path) ?? []) visit(dep);
  };
  visit(entry);
  return seen;
}

/** One row of the map: a folder and, per entry point, whether it reaches the folder. */
interface MapRow {
  folder: string;
  reached: boolean[];
}

/** The rows of the map's table: `| \`folder/\` | what it holds | ✓ | ✓ |`. */
async function mapRows(): Promise<MapRow[]> {
  const text = await Deno.readTextFile(`${ROOT}${MAP_DOC}`);
  const rows: MapRow[] = [];
  for (const line of text.split("\n")) {
    const cells = line.split("|").slice(1, -1).map((c) => c.trim());
    const folder = /^`([a-z0-9_/]+)\/`$/.exec(cells[0] ?? "")?.[1];
    if (!folder || cells.length !== 2 + ENTRIES.length) continue;
    rows.push({ folder, reached: cells.slice(2).map((c) => c === "✓") });
  }
  assert.ok(rows.length > 0, `no map table in ${MAP_DOC}`);
  return rows;
}

/** Every TypeScript module of the repository, as a path from the root. */
async function modulePaths(dir = ""): Promise<string[]> {
  const paths: string[] = [];
  for await (const entry of Deno.readDir(`${ROOT}${dir}`)) {
    if (entry.name === "node_modules" || entry.name.startsWith(".")) continue;
    const path = `${dir}${entry.name}`;
    if (entry.isDirectory) paths.push(...await modulePaths(`${path}/`));
    else if (entry.isFile && path.endsWith(".ts")) paths.push(path);
  }
  return paths;
}

/** The import graph of `paths`, resolved by `deno info --json` with the repository's config. */
async function importGraph(paths: string[]): Promise<ImportGraph> {
  const root = await Deno.makeTempFile({ prefix: "import-graph-", suffix: ".ts" });
  try {
    const lines = paths.map((p) => `import "${new URL(p, ROOT_URL).href}";`);
    await Deno.writeTextFile(root, lines.join("\n"));
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["info", "--json", "--config", `${ROOT}deno.json`, root],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.ok(out.success, new TextDecoder().decode(out.stderr));
    return parseGraph(JSON.parse(new TextDecoder().decode(out.stdout)));
  } finally {
    await Deno.remove(root);
  }
}

/** What `deno info --json` says of a module: its specifier and its resolved imports. */
interface InfoModule {
  specifier: string;
  dependencies?: { code?: { specifier?: string }; type?: { specifier?: string } }[];
}

function parseGraph(info: { modules: InfoModule[] }): ImportGraph {
  const base = ROOT_URL.href;
  const local = (specifier?: string) =>
    specifier?.startsWith(base) ? specifier.slice(base.length) : undefined;
  const graph: ImportGraph = new Map();
  for (const module of info.modules) {
    const from = local(module.specifier);
    if (from === undefined) continue;
    const deps = new Set<string>();
    for (const dep of module.dependencies ?? []) {
      for (const to of [local(dep.code?.specifier), local(dep.type?.specifier)]) {
        if (to !== undefined) deps.add(to);
      }
    }
    graph.set(from, deps);
  }
  return graph;
}
