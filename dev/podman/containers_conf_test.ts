import assert from "node:assert/strict";
import { conflictingSettings, withRequiredSettings } from "./_containers_conf.ts";

Deno.test("an absent or empty containers.conf gets both tables", () => {
  assert.equal(
    withRequiredSettings(""),
    '[containers]\ndefault_ulimits = []\n\n[engine]\nruntime = "runc"\n',
  );
});

Deno.test("keys go under existing tables; comments and other settings stay", () => {
  const debian = [
    "# containers.conf shipped by the distribution",
    "[containers]",
    '# default_ulimits = ["nofile=1280:2560"]',
    'log_driver = "k8s-file"',
    "",
    "[network]",
    '# network_backend = ""',
    "",
    "[engine]",
    '# runtime = "crun"',
    'events_logger = "file"',
    "",
  ].join("\n");
  const merged = withRequiredSettings(debian);
  assert.equal(
    merged,
    [
      "# containers.conf shipped by the distribution",
      "[containers]",
      "default_ulimits = []",
      '# default_ulimits = ["nofile=1280:2560"]',
      'log_driver = "k8s-file"',
      "",
      "[network]",
      '# network_backend = ""',
      "",
      "[engine]",
      'runtime = "runc"',
      '# runtime = "crun"',
      'events_logger = "file"',
      "",
    ].join("\n"),
  );
  assert.equal(withRequiredSettings(merged), merged, "a second pass changes nothing");
});

Deno.test("a key the owner already set is kept, and reported when it differs", () => {
  const text = '[engine]\nruntime = "crun"\n[containers]\ndefault_ulimits = []\n';
  assert.equal(withRequiredSettings(text), text);
  assert.deepEqual(conflictingSettings(text), [
    '[engine] runtime = "crun" (these machines need "runc")',
  ]);
  assert.deepEqual(conflictingSettings(withRequiredSettings("")), []);
});

Deno.test("a key in another table does not count", () => {
  const text = '[engine.runtimes]\nruntime = "x"\n';
  const merged = withRequiredSettings(text);
  assert.match(merged, /\[engine\]\nruntime = "runc"/);
  assert.match(merged, /\[containers\]\ndefault_ulimits = \[\]/);
});
