import assert from "node:assert/strict";
import { TaskError } from "../task/errors.ts";
import { resolveEnv } from "./env.ts";

const PROCESS_ENV = {
  RPC_URL: "https://rpc.example",
  EXECUTOR_ECDSA_PRIVATE_KEY: "0x" + "11".repeat(32),
  EXECUTOR_BLS_KEYSTORE_PASSWORD: "pw",
};

function invalid(fn: () => unknown, message: RegExp): void {
  assert.throws(
    fn,
    (e: unknown) =>
      e instanceof TaskError && e.code === "InvalidArgument" && message.test(e.message),
  );
}

Deno.test("env: values, valueFromEnv and later entries win", () => {
  assert.deepEqual(
    resolveEnv(
      [
        { name: "A", value: "1" },
        { name: "RPC", valueFromEnv: "RPC_URL" },
        { name: "A", value: "2" },
      ],
      PROCESS_ENV,
      "docker",
    ),
    [{ name: "A", value: "2" }, { name: "RPC", value: "https://rpc.example" }],
  );
});

Deno.test("env: names are validated; the executor's key variables cannot be copied", () => {
  for (const name of ["1ABC", "A B", "A=B", "x".repeat(300)]) {
    invalid(() => resolveEnv([{ name, value: "v" }], PROCESS_ENV, "docker"), /env\[0\]: name must/);
  }
  for (const variable of ["EXECUTOR_ECDSA_PRIVATE_KEY", "EXECUTOR_BLS_KEYSTORE_PASSWORD"]) {
    invalid(
      () => resolveEnv([{ name: "K", valueFromEnv: variable }], PROCESS_ENV, "docker"),
      new RegExp(`may not read ${variable}`),
    );
  }
  invalid(
    () => resolveEnv([{ name: "K", valueFromEnv: "MISSING" }], PROCESS_ENV, "docker"),
    /MISSING is not set/,
  );
});
