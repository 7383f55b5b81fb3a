/**
 * Every RPC of every service goes through a real grpc-js server and client on loopback with
 * every field set; the bytes on the wire are decoded independently and checked against the
 * field numbers and types of protocols.md (the table below is that document, not the .proto
 * files), so a renumbered or retyped field fails here.
 */

import * as grpc from "@grpc/grpc-js";
import assert from "node:assert/strict";
import { decodeFields, WireType } from "./_test_util.ts";
import { executorProto, healthProto, performerProto } from "./load.ts";

type Kind = "string" | "bytes" | "uint32" | "uint64" | "int64" | "bool" | `enum:${string}` | string;
type FieldSpec = [name: string, number: number, kind: Kind, repeated?: "repeated"];

/**
 * protocols.md, message by message, in its notation: `name type = number`, `repeated` before a
 * repeated field's type, `enum:NAME=n` for the enum value the samples send.
 */
const MESSAGES: Record<string, FieldSpec[]> = Object.fromEntries(
  Object.entries({
    TaskRequest: "task_id bytes = 1; payload bytes = 2",
    TaskResponse: "task_id bytes = 1; result bytes = 2",
    StartSyncRequest: "payload bytes = 1",
    StartSyncResponse: "",
    LegacyHealthCheckRequest: "",
    LegacyHealthCheckResponse: "status enum:READY_FOR_TASK=1 = 1",
    TaskSubmission: "task_id string = 1; aggregator_address string = 2; avs_address string = 3; " +
      "payload bytes = 4; signature bytes = 5; operator_set_id uint32 = 6; " +
      "reference_timestamp uint32 = 7; executor_address string = 8; " +
      "task_block_number uint64 = 9; version uint32 = 10",
    TaskResult: "task_id string = 1; operator_address string = 2; output bytes = 3; " +
      "result_signature bytes = 4; avs_address string = 5; operator_set_id uint32 = 6; " +
      "auth_signature bytes = 7; version uint32 = 8",
    DeployArtifactRequest: "avs_address string = 1; digest string = 2; registry_url string = 3; " +
      "env repeated PerformerEnv = 4; kubernetes KubernetesConfig = 5; auth AuthSignature = 6",
    DeployArtifactResponse: "success bool = 1; message string = 2; deployment_id string = 3",
    KubernetesConfig: "service_account_name string = 1",
    PerformerEnv: "name string = 1; value string = 2; value_from_env string = 3; " +
      "kubernetes_env KubernetesEnv = 4",
    KubernetesEnv: "value_from EnvValueFrom = 1",
    EnvValueFrom: "secret_key_ref SecretKeyRef = 1; config_map_key_ref ConfigMapKeyRef = 2",
    SecretKeyRef: "name string = 1; key string = 2",
    ConfigMapKeyRef: "name string = 1; key string = 2",
    ListPerformersRequest: "avs_address string = 1; auth AuthSignature = 2",
    ListPerformersResponse: "performers repeated Performer = 1",
    Performer: "performer_id string = 1; avs_address string = 2; status string = 3; " +
      "artifact_registry string = 4; artifact_digest string = 5; resource_healthy bool = 6; " +
      "application_healthy bool = 7; last_health_check string = 8; container_id string = 9; " +
      "artifact_tag string = 10",
    RemovePerformerRequest: "performer_id string = 1; auth AuthSignature = 2",
    RemovePerformerResponse: "success bool = 1; message string = 2",
    GetChallengeTokenRequest: "operator_address string = 1",
    GetChallengeTokenResponse: "challenge_token string = 1; expires_at int64 = 2",
    AuthSignature: "challenge_token string = 1; signature bytes = 2",
    HealthCheckRequest: "service string = 1",
    HealthCheckResponse: "status enum:SERVING=1 = 1",
  }).map(([message, fields]) => [message, parseFields(fields)]),
);

/** `name [repeated] type = number; …` as field specs. */
function parseFields(fields: string): FieldSpec[] {
  return fields.split(";").map((f) => f.trim()).filter(Boolean).map((field) => {
    const m = field.match(/^(\w+) (repeated )?(\S+) = (\d+)$/);
    if (!m) throw new Error(`Cannot read field "${field}"`);
    return m[2] ? [m[1], Number(m[4]), m[3], "repeated"] : [m[1], Number(m[4]), m[3]];
  });
}

/** Each RPC: service, method, request message, response message. */
const RPCS: [service: string, method: string, request: string, response: string][] = [
  ["performer", "StartSync", "StartSyncRequest", "StartSyncResponse"],
  ["performer", "ExecuteTask", "TaskRequest", "TaskResponse"],
  ["performer", "HealthCheck", "LegacyHealthCheckRequest", "LegacyHealthCheckResponse"],
  ["executor", "SubmitTask", "TaskSubmission", "TaskResult"],
  ["management", "DeployArtifact", "DeployArtifactRequest", "DeployArtifactResponse"],
  ["management", "ListPerformers", "ListPerformersRequest", "ListPerformersResponse"],
  ["management", "RemovePerformer", "RemovePerformerRequest", "RemovePerformerResponse"],
  ["management", "GetChallengeToken", "GetChallengeTokenRequest", "GetChallengeTokenResponse"],
  ["health", "Check", "HealthCheckRequest", "HealthCheckResponse"],
];

const camel = (s: string) => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
const enc = new TextEncoder();

/** A value for every field, distinct per field, never the proto3 default. */
function sample(message: string, seed = 0): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, number, kind, repeated] of MESSAGES[message]) {
    const one = (i: number) =>
      sampleValue(`${message}.${name}#${seed + i}`, number + seed + i, kind);
    out[camel(name)] = repeated ? [one(0), one(1)] : one(0);
  }
  return out;
}

function sampleValue(label: string, n: number, kind: Kind): unknown {
  if (kind === "string") return label;
  if (kind === "bytes") return new Uint8Array(enc.encode(label));
  if (kind === "uint32") return 1000 + n;
  if (kind === "uint64") return String(2n ** 40n + BigInt(n));
  if (kind === "int64") return String(2n ** 33n + BigInt(n));
  if (kind === "bool") return true;
  if (kind.startsWith("enum:")) return kind.slice(5).split("=")[0];
  return sample(kind, n * 10);
}

/** Checks the encoded bytes of `value` (a `message`) field by field against the spec table. */
function checkWire(message: string, bytes: Uint8Array, value: Record<string, unknown>): void {
  const fields = decodeFields(bytes);
  const specified = new Set(MESSAGES[message].map(([, n]) => n));
  for (const f of fields) {
    assert.ok(specified.has(f.field), `${message}: unexpected field number ${f.field} on the wire`);
  }
  for (const [name, number, kind, repeated] of MESSAGES[message]) {
    const found = fields.filter((f) => f.field === number);
    const expected = repeated ? value[camel(name)] as unknown[] : [value[camel(name)]];
    assert.equal(found.length, expected.length, `${message}.${name} (= ${number}) occurrences`);
    found.forEach((f, i) => checkField(`${message}.${name}`, f, kind, expected[i]));
  }
}

function checkField(
  where: string,
  f: ReturnType<typeof decodeFields>[number],
  kind: Kind,
  expected: unknown,
): void {
  if (kind === "string" || kind === "bytes") {
    assert.equal(f.wireType, WireType.LEN, `${where}: wire type`);
    const want = typeof expected === "string" ? enc.encode(expected) : expected as Uint8Array;
    assert.deepEqual([...f.bytes!], [...want], `${where}: value`);
  } else if (["uint32", "uint64", "int64", "bool"].includes(kind)) {
    assert.equal(f.wireType, WireType.VARINT, `${where}: wire type`);
    const want = kind === "bool" ? 1n : BigInt(expected as number | string);
    assert.equal(f.varint, want, `${where}: value`);
  } else if (kind.startsWith("enum:")) {
    assert.equal(f.wireType, WireType.VARINT, `${where}: wire type`);
    assert.equal(f.varint, BigInt(kind.split("=")[1]), `${where}: enum number`);
  } else {
    assert.equal(f.wireType, WireType.LEN, `${where}: wire type`);
    checkWire(kind, f.bytes!, expected as Record<string, unknown>);
  }
}

/** Buffers and Uint8Arrays compare as plain byte lists. */
function plain(value: unknown): unknown {
  if (value instanceof Uint8Array) return [...value];
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  }
  return value;
}

type MethodDef = grpc.MethodDefinition<unknown, unknown>;
type Captured = { request?: Uint8Array; response?: Uint8Array; received?: unknown };

/** Wraps each method's (de)serializers to keep the raw bytes that crossed the socket. */
function capturing(
  service: grpc.ServiceDefinition,
  captured: Map<string, Captured>,
): grpc.ServiceDefinition {
  const out: Record<string, MethodDef> = {};
  for (const [name, def] of Object.entries(service) as [string, MethodDef][]) {
    const slot = (): Captured => captured.get(name) ?? captured.set(name, {}).get(name)!;
    out[name] = {
      ...def,
      requestDeserialize: (buf: Buffer) => {
        slot().request = new Uint8Array(buf);
        return def.requestDeserialize(buf);
      },
      responseDeserialize: (buf: Buffer) => {
        slot().response = new Uint8Array(buf);
        return def.responseDeserialize(buf);
      },
    };
  }
  return out as grpc.ServiceDefinition;
}

function services(): Record<string, grpc.ServiceDefinition> {
  return {
    performer: performerProto().eigenlayer.hourglass.v1.performer.PerformerService.service,
    executor: executorProto().eigenlayer.hourglass.v1.ExecutorService.service,
    management: executorProto().eigenlayer.hourglass.v1.ExecutorManagementService.service,
    health: healthProto().grpc.health.v1.Health.service,
  };
}

Deno.test("every RPC round-trips every field with the field numbers of protocols.md", async () => {
  const captured = new Map<string, Captured>();
  const server = new grpc.Server();
  const defs = Object.fromEntries(
    Object.entries(services()).map(([k, s]) => [k, capturing(s, captured)]),
  );
  for (const [key, def] of Object.entries(defs)) {
    const handlers: grpc.UntypedServiceImplementation = {};
    for (const [, method, , response] of RPCS.filter(([s]) => s === key)) {
      handlers[method] = (
        call: grpc.ServerUnaryCall<unknown, unknown>,
        cb: grpc.sendUnaryData<unknown>,
      ) => {
        captured.get(method)!.received = call.request;
        cb(null, sample(response));
      };
    }
    if (key === "health") {
      handlers.Watch = (call: grpc.ServerWritableStream<unknown, unknown>) => {
        call.write({ status: "SERVING" });
        call.write({ status: "NOT_SERVING" });
        call.end();
      };
    }
    server.addService(def, handlers);
  }
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(
      "127.0.0.1:0",
      grpc.ServerCredentials.createInsecure(),
      (err, p) => err ? reject(err) : resolve(p),
    )
  );
  const clients = Object.fromEntries(
    Object.entries(defs).map(([key, def]) => {
      const Client = grpc.makeGenericClientConstructor(def, key);
      return [key, new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure())];
    }),
  ) as Record<string, grpc.Client & Record<string, CallableFunction>>;
  try {
    for (const [key, method, request, response] of RPCS) {
      const sent = sample(request);
      const got = await new Promise<unknown>((resolve, reject) =>
        clients[key][method](
          sent,
          { deadline: Date.now() + 5000 },
          (err: Error | null, res: unknown) => err ? reject(err) : resolve(res),
        )
      );
      const slot = captured.get(method)!;
      assert.deepEqual(
        plain(slot.received),
        plain(sent),
        `${method}: request decoded by the server`,
      );
      assert.deepEqual(
        plain(got),
        plain(sample(response)),
        `${method}: response decoded by the client`,
      );
      checkWire(request, slot.request!, sent);
      checkWire(response, slot.response!, sample(response));
    }
    const statuses = await new Promise<unknown[]>((resolve, reject) => {
      const seen: unknown[] = [];
      const stream = clients.health.Watch({ service: "" }, { deadline: Date.now() + 5000 });
      stream.on("data", (m: { status: unknown }) => seen.push(m.status));
      stream.on("end", () => resolve(seen));
      stream.on("error", reject);
    });
    assert.deepEqual(statuses, ["SERVING", "NOT_SERVING"]);
    assert.deepEqual(
      decodeFields(captured.get("Watch")!.response!).map((f) => [f.field, f.varint]),
      [[1, 2n]],
      "NOT_SERVING is 2 on the wire",
    );
  } finally {
    for (const client of Object.values(clients)) client.close();
    server.forceShutdown();
  }
});
