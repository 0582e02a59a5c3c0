import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-web";
import { EchoService } from "@switchboard/proto/switchboard/diagnostics/v1/echo_pb";
import { startEchoGateway, type EchoGateway } from "./fixtures/gateway.js";

let echo: EchoGateway;
beforeAll(async () => {
  echo = await startEchoGateway();
});
afterAll(async () => {
  await echo.stop();
});

function postJson(path: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${echo.gateway.url}${path}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
}

async function collect<T>(messages: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const message of messages) all.push(message);
  return all;
}

describe("forwarding to an internal service", () => {
  it("answers a plain Connect JSON POST, as curl sends it, with camelCase JSON", async () => {
    const response = await postJson("/switchboard.diagnostics.v1.EchoService/Echo", { text: "hello", delayMs: 0 });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/json");
    const body = (await response.json()) as Record<string, unknown>;
    expect(body.text).toBe("hello");
    expect(body).toHaveProperty("deadlineMs");
  });

  it("serves a connect-web client, unary and server-streaming", async () => {
    const client = createClient(EchoService, createConnectTransport({ baseUrl: echo.gateway.url }));
    expect((await client.echo({ text: "connect" })).text).toBe("connect");
    const stream = await collect(client.echoStream({ text: "tick", repeat: 3, intervalMs: 5 }));
    expect(stream.map((m) => [m.text, m.index])).toEqual([
      ["tick", 0],
      ["tick", 1],
      ["tick", 2],
    ]);
  });

  it("serves gRPC-web, unary and server-streaming, binary and JSON", async () => {
    for (const useBinaryFormat of [true, false]) {
      const client = createClient(EchoService, createGrpcWebTransport({ baseUrl: echo.gateway.url, useBinaryFormat }));
      expect((await client.echo({ text: "grpc-web" })).text).toBe("grpc-web");
      const stream = await collect(client.echoStream({ text: "w", repeat: 4 }));
      expect(stream.map((m) => m.index)).toEqual([0, 1, 2, 3]);
    }
  });

  it("cancels the upstream stream when the client stops listening", async () => {
    const client = createClient(EchoService, createConnectTransport({ baseUrl: echo.gateway.url }));
    const received: number[] = [];
    const cancel = new AbortController();
    await expect(
      (async () => {
        for await (const message of client.echoStream({ text: "long", repeat: 1_000, intervalMs: 20 }, { signal: cancel.signal })) {
          received.push(message.index);
          if (received.length === 2) cancel.abort();
        }
      })(),
    ).rejects.toThrow();
    expect(received).toEqual([0, 1]);
    await expect.poll(() => echo.upstream.openStreams(), { timeout: 3_000 }).toBe(0);
  });

  it("passes the Authorization header on to the upstream", async () => {
    const response = await postJson("/switchboard.diagnostics.v1.EchoService/Echo", { text: "who" }, { Authorization: "Bearer token-123" });
    expect(((await response.json()) as { caller: string }).caller).toBe("Bearer token-123");

    const client = createClient(EchoService, createGrpcWebTransport({ baseUrl: echo.gateway.url }));
    const viaGrpcWeb = await client.echo({ text: "who" }, { headers: { Authorization: "Bearer token-456" } });
    expect(viaGrpcWeb.caller).toBe("Bearer token-456");

    const anonymous = await client.echo({ text: "who" });
    expect(anonymous.caller).toBe("");
  });

  it("passes the caller's deadline on, and gives unary calls without one the default", async () => {
    const client = createClient(EchoService, createConnectTransport({ baseUrl: echo.gateway.url }));
    const withTimeout = await client.echo({ text: "t" }, { timeoutMs: 1_500 });
    expect(withTimeout.deadlineMs).toBeGreaterThan(0);
    expect(withTimeout.deadlineMs).toBeLessThanOrEqual(1_500);

    const withoutTimeout = await client.echo({ text: "t" });
    expect(withoutTimeout.deadlineMs).toBeGreaterThan(1_500);
    expect(withoutTimeout.deadlineMs).toBeLessThanOrEqual(5_000); // the gateway's defaultTimeoutMs
  });

  it("answers deadline_exceeded when the Connect timeout is shorter than the upstream takes", async () => {
    const response = await postJson(
      "/switchboard.diagnostics.v1.EchoService/Echo",
      { text: "slow", delayMs: 3_000 },
      { "Connect-Timeout-Ms": "150" },
    );
    expect(response.status).toBe(504);
    expect(((await response.json()) as { code: string }).code).toBe("deadline_exceeded");
  });
});
