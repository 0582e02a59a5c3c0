import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Metadata } from "@grpc/grpc-js";
import { EchoService } from "@switchboard/proto/switchboard/diagnostics/v1/echo_pb";
import { Code, RpcError, createClient, openChannel, registerService, serve, type Channel, type RunningServer } from "../src/index.js";
import { echoHandlers, echoRegistration } from "./fixtures/echo-service.js";

const logged: Array<Record<string, unknown>> = [];
const log = {
  debug() {},
  info: (obj: object) => logged.push(obj as Record<string, unknown>),
  warn: (obj: object) => logged.push(obj as Record<string, unknown>),
  error: (obj: object) => logged.push(obj as Record<string, unknown>),
};

let server: RunningServer;
let channel: Channel;

beforeAll(async () => {
  server = await serve({
    host: "127.0.0.1",
    port: 0,
    services: [echoRegistration],
    log,
    defaultDeadlineMs: 300,
    authenticate: ({ metadata }) => {
      const token = metadata.get("authorization")[0];
      if (token === undefined) return undefined;
      if (token !== "Bearer good") throw new RpcError(Code.Unauthenticated, "access token is invalid: sign in again");
      return { subject: "user-1", tenantId: "00000000-0000-4000-8000-000000000001", roles: ["agent"], amr: ["pwd"] };
    },
  });
  channel = openChannel(`dns:///127.0.0.1:${server.port}`);
});

afterAll(async () => {
  channel?.close();
  await server?.close(1_000);
});

async function failureOf(promise: Promise<unknown>): Promise<RpcError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RpcError);
  return error as RpcError;
}

describe("unary calls through the typed client", () => {
  it("returns the handler's answer", async () => {
    const echo = createClient(EchoService, channel);
    const response = await echo.echo({ text: "hello" }, { timeoutMs: 2_000 });
    expect(response.text).toBe("hello");
    expect(response.$typeName).toBe("switchboard.diagnostics.v1.EchoResponse");
  });

  it("hands the handler the caller established by the auth hook", async () => {
    const echo = createClient(EchoService, channel);
    const response = await echo.echo({ text: "who" }, { metadata: { authorization: "Bearer good" } });
    expect(response.caller).toBe("user-1");
  });

  it("refuses a bad token with UNAUTHENTICATED before the handler runs", async () => {
    const echo = createClient(EchoService, channel);
    const error = await failureOf(echo.echo({ text: "x" }, { metadata: { authorization: "Bearer forged" } }));
    expect(error.code).toBe(Code.Unauthenticated);
    expect(error.message).toContain("sign in again");
  });

  it("refuses an invalid request with INVALID_ARGUMENT naming the field", async () => {
    const echo = createClient(EchoService, channel);
    const error = await failureOf(echo.echo({ text: "  " }));
    expect(error.code).toBe(Code.InvalidArgument);
    expect(error.message).toBe("invalid request: text: must not be empty");
  });

  it("passes a handler's RpcError through with its code and message", async () => {
    const echo = createClient(EchoService, channel);
    const error = await failureOf(echo.echo({ text: "ghost", failWith: "not_found" }));
    expect(error.code).toBe(Code.NotFound);
    expect(error.message).toBe("no echo named ghost");
  });

  it("turns an unexpected exception into INTERNAL with a correlation id and no internals", async () => {
    const echo = createClient(EchoService, channel);
    const error = await failureOf(echo.echo({ text: "boom", failWith: "crash" }));
    expect(error.code).toBe(Code.Internal);
    const id = /correlation id ([0-9a-f-]{36})/.exec(error.message)?.[1];
    expect(id).toBeDefined();
    expect(error.message).not.toMatch(/db-7|password|svc|\bat \w/);
    // The operator can find the full error, stack included, under the same id.
    const entry = logged.find((line) => line.correlationId === id);
    expect(entry?.event).toBe("rpc.failed");
    expect((entry?.err as Error).stack).toContain("echo-service.ts");
  });

  it("ends a call with DEADLINE_EXCEEDED when the client's deadline passes", async () => {
    const echo = createClient(EchoService, channel);
    const error = await failureOf(echo.echo({ text: "slow", delayMs: 2_000 }, { timeoutMs: 100 }));
    expect(error.code).toBe(Code.DeadlineExceeded);
  });

  it("applies the server's default deadline when the client sets none", async () => {
    const echo = createClient(EchoService, channel);
    const started = Date.now();
    const error = await failureOf(echo.echo({ text: "slow", delayMs: 5_000 }));
    expect(error.code).toBe(Code.DeadlineExceeded);
    expect(error.message).toContain("deadline exceeded after 300 ms");
    expect(Date.now() - started).toBeLessThan(4_000);
  });

  it("tells the handler how much time the client's deadline leaves", async () => {
    const echo = createClient(EchoService, channel);
    const response = await echo.echo({ text: "t" }, { timeoutMs: 10_000 });
    expect(response.deadlineMs).toBeGreaterThan(8_000);
    expect(response.deadlineMs).toBeLessThanOrEqual(10_000);
  });

  it("accepts grpc-js Metadata as call metadata", async () => {
    const echo = createClient(EchoService, channel);
    const metadata = new Metadata();
    metadata.set("authorization", "Bearer good");
    expect((await echo.echo({ text: "m" }, { metadata })).caller).toBe("user-1");
  });

  it("cancels a call when the caller's signal aborts", async () => {
    const echo = createClient(EchoService, channel);
    const controller = new AbortController();
    const pending = echo.echo({ text: "c", delayMs: 2_000 }, { signal: controller.signal, timeoutMs: 5_000 });
    setTimeout(() => controller.abort(), 50);
    expect((await failureOf(pending)).code).toBe(Code.Cancelled);
  });
});

describe("server-streaming calls through the typed client", () => {
  it("delivers every message in order", async () => {
    const echo = createClient(EchoService, channel);
    const received: number[] = [];
    for await (const message of echo.echoStream({ text: "s", repeat: 5 })) received.push(message.index);
    expect(received).toEqual([0, 1, 2, 3, 4]);
  });

  it("validates a streaming request before streaming", async () => {
    const echo = createClient(EchoService, channel);
    const consume = async () => {
      for await (const _ of echo.echoStream({ text: "s", repeat: 0 })) void _;
    };
    const error = await failureOf(consume());
    expect(error.code).toBe(Code.InvalidArgument);
    expect(error.message).toContain("repeat: must be between 1 and 1000");
  });

  it("stops the server's stream when the consumer stops early", async () => {
    let released = false;
    const streaming = await serve({
      host: "127.0.0.1",
      port: 0,
      services: [
        registerService(EchoService, {
          ...echoHandlers,
          async *echoStream(request) {
            try {
              for (let index = 0; index < 1000; index++) {
                yield { text: request.text, index };
                await new Promise((r) => setTimeout(r, 5));
              }
            } finally {
              released = true;
            }
          },
        }),
      ],
    });
    const streamChannel = openChannel(`127.0.0.1:${streaming.port}`);
    const echo = createClient(EchoService, streamChannel);
    let seen = 0;
    for await (const _ of echo.echoStream({ text: "s", repeat: 1000 })) {
      void _;
      if (++seen === 3) break;
    }
    expect(seen).toBe(3);
    await expect.poll(() => released, { timeout: 2_000 }).toBe(true);
    streamChannel.close();
    await streaming.close(500);
  });
});
