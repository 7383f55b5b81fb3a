import * as grpc from "@grpc/grpc-js";
import assert from "node:assert/strict";
import { DockerRuntimeError } from "../performer/docker/errors.ts";
import { KubernetesRuntimeError } from "../performer/kubernetes/errors.ts";
import { DeployError } from "../performer/lifecycle.ts";
import { SignatureError } from "../signing/errors.ts";
import { TaskError } from "../task/errors.ts";
import { statusFor, statusName, toServiceError } from "./grpc_status.ts";

const name = (err: unknown) => grpc.status[statusFor(err)];

Deno.test("task errors answer their own code", () => {
  assert.equal(name(new TaskError("Unauthenticated", "x")), "UNAUTHENTICATED");
  assert.equal(name(new TaskError("ResourceExhausted", "x")), "RESOURCE_EXHAUSTED");
  assert.equal(statusName(new TaskError("NotFound", "x")), "NotFound");
});

Deno.test("deploy errors: Go's codes where it has them, else by the runtime error behind", () => {
  assert.equal(name(new DeployError("DeployInProgress", "x")), "ALREADY_EXISTS");
  assert.equal(name(new DeployError("NotHealthy", "x")), "DEADLINE_EXCEEDED");
  const pull = new KubernetesRuntimeError("ImagePullFailed", "nope");
  assert.equal(name(new DeployError("StartFailed", "x", { cause: pull })), "FAILED_PRECONDITION");
  const engineDown = new DockerRuntimeError("EngineUnavailable", "down");
  assert.equal(name(new DeployError("StartFailed", "x", { cause: engineDown })), "UNAVAILABLE");
  assert.equal(name(new DeployError("StartFailed", "x", { cause: new Error("?") })), "INTERNAL");
  assert.equal(statusName(new DeployError("NotHealthy", "x")), "NotHealthy");
});

Deno.test("signature errors are PERMISSION_DENIED; unknown errors INTERNAL with their message", () => {
  assert.equal(name(new SignatureError("SignatureInvalid", "x")), "PERMISSION_DENIED");
  const unknown = toServiceError(new Error("boom"));
  assert.deepEqual([grpc.status[unknown.code!], unknown.details], ["INTERNAL", "boom"]);
  assert.equal(statusName("not an error"), "Internal");
});
