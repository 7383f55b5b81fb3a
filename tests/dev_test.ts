/**
 * The README's first command: `deno task dev --once` brings the whole system up on a local
 * control plane and a local EigenLayer chain of its own, runs a sample task signed by the
 * scenario's registered aggregator through the executor in kubernetes mode and chain mode for
 * each executor operator set, prints the results, and leaves nothing behind.
 */

import assert from "node:assert/strict";

const opts = { sanitizeOps: false, sanitizeResources: false };

Deno.test(
  "deno task dev --once prints a signed task result and exits 0, leaving nothing behind",
  opts,
  async () => {
    const started = Date.now();
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", new URL("../dev/main.ts", import.meta.url).pathname, "--once"],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stdout = new TextDecoder().decode(out.stdout);
    const stderr = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 0, `exit code; stderr:\n${stderr.slice(-3000)}`);
    assert.match(
      stdout,
      /performer output: +\{"taskId":"0x[0-9a-f]{64}",.*"output":"HELLO FROM HOURGLASS \(ECDSA\)"/,
    );
    // Both operator sets' results verify over the digests the deployed verifiers compute.
    assert.match(
      stdout,
      /ECDSA operator set\)\n(.*\n){3}.*ecdsaCertificateVerifier digest \(eth_call\): yes/,
    );
    assert.match(
      stdout,
      /BN254 operator set\)\n(.*\n){3}.*bn254CertificateVerifier digest \(eth_call\): yes/,
    );
    assert.match(stdout, /chain id: +31337 \(RPC (http:\/\/127\.0\.0\.1:\d+)\)/);
    // Chain mode: the aggregator and the operator sets are the scenario's, read from EigenLayer.
    assert.match(
      stdout,
      /the executor checks tasks against the chain \(trust: chain\) at their block/,
    );
    assert.match(stdout, /aggregator: +0x[0-9a-fA-F]{40} \(ECDSA key 0x[0-9a-fA-F]{40} in set 0\)/);
    const verifier = /ECDSA certificate verifier: +(0x[0-9a-fA-F]{40}) \(version (\S+)\)/.exec(
      stdout,
    );
    assert.ok(verifier, "it prints the ECDSA certificate verifier and its version");
    assert.match(
      stdout,
      new RegExp(
        `executor signs ECDSA results for verifier ${verifier[1]}, version ${verifier[2]}`,
      ),
      "the executor signs for the deployed verifier's address and version",
    );
    const rpcUrl = /\(RPC (http:\/\/127\.0\.0\.1:\d+)\)/.exec(stdout)![1];
    await assert.rejects(fetch(rpcUrl, { method: "POST", body: "{}" }), "the chain is stopped");
    const kubeconfig = /KUBECONFIG=(\S+)/.exec(stdout)?.[1];
    assert.ok(kubeconfig, "it says where the kubeconfig is");
    assert.match(stdout, /kubectl --kubeconfig \S+ get performers/);
    const dir = kubeconfig.slice(0, kubeconfig.lastIndexOf("/"));
    await assert.rejects(Deno.stat(dir), Deno.errors.NotFound, "the cluster directory is removed");
    const leftovers = new TextDecoder().decode(
      (await new Deno.Command("pgrep", { args: ["-f", dir], stdout: "piped" }).output()).stdout,
    ).trim();
    assert.equal(leftovers, "", "no process of that cluster is left");
    console.log(
      `deno task dev --once took ${((Date.now() - started) / 1000).toFixed(1)} s (binaries cached)`,
    );
  },
);
