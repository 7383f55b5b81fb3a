import assert from "node:assert/strict";
import { imageDenoJson, npmPackageOf, parseLdd } from "./_inputs.ts";
import { containerfile } from "./_rootfs.ts";

Deno.test("ldd output gives every library path, the loader included, and not the vDSO", () => {
  const text = [
    "\tlinux-vdso.so.1 (0x00007ffd)",
    "\tlibdl.so.2 => /lib/x86_64-linux-gnu/libdl.so.2 (0x00007f69)",
    "\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f69)",
    "\t/lib64/ld-linux-x86-64.so.2 (0x00007f69)",
  ].join("\n");
  assert.deepEqual(parseLdd(text), [
    "/lib/x86_64-linux-gnu/libdl.so.2",
    "/lib/x86_64-linux-gnu/libc.so.6",
    "/lib64/ld-linux-x86-64.so.2",
  ]);
  assert.throws(() => parseLdd("\tlibfoo.so.1 => not found"), /libfoo\.so\.1 => not found/);
});

Deno.test("npm specifiers of the module graph name their package", () => {
  assert.equal(npmPackageOf("npm:/@grpc/grpc-js@1.14.7"), "@grpc/grpc-js@1.14.7");
  assert.equal(npmPackageOf("npm:/@noble/curves@2.4.0/secp256k1"), "@noble/curves@2.4.0");
  assert.equal(npmPackageOf("npm:/yaml@2.9.1/dist/index.js"), "yaml@2.9.1");
});

Deno.test("the image's deno.json keeps only the imports the entry point uses", () => {
  const project = JSON.stringify({
    nodeModulesDir: "auto",
    tasks: { test: "deno test" },
    imports: {
      "@grpc/grpc-js": "npm:@grpc/grpc-js@1.14.7",
      "@noble/curves/": "npm:/@noble/curves@2.4.0/",
      "zod": "npm:zod@4.6.7",
    },
  });
  assert.deepEqual(JSON.parse(imageDenoJson(project, ["@grpc/grpc-js@1.14.7"])), {
    nodeModulesDir: "auto",
    imports: { "@grpc/grpc-js": "npm:@grpc/grpc-js@1.14.7" },
  });
});

Deno.test("the Containerfile runs as a non-root user, offline, with narrow permissions", () => {
  const text = containerfile({
    entry: "sdk/hello/main.ts",
    env: { GRPC_PORT: "9090" },
    port: 9090,
    labels: { "org.opencontainers.image.title": "hello-performer" },
  });
  assert.match(text, /^FROM scratch$/m);
  assert.match(text, /^USER 10001:10001$/m);
  assert.match(text, /^ENV GRPC_PORT="9090"$/m);
  assert.match(text, /^EXPOSE 9090\/tcp$/m);
  const entrypoint = JSON.parse(/^ENTRYPOINT (.*)$/m.exec(text)![1]) as string[];
  assert.deepEqual(entrypoint.slice(0, 2), ["/usr/local/bin/deno", "run"]);
  assert.ok(entrypoint.includes("--cached-only"));
  assert.ok(
    !entrypoint.some((a) => a === "-A" || a === "--allow-all" || a.startsWith("--allow-write")),
  );
  assert.ok(entrypoint.includes("--allow-read=/app"));
});
