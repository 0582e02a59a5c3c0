import { request as httpRequest } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-web";
import { EchoService } from "@switchboard/proto/switchboard/diagnostics/v1/echo_pb";
import { startEchoGateway, type EchoGateway } from "./fixtures/gateway.js";

const ECHO_PATH = "/switchboard.diagnostics.v1.EchoService/Echo";
const LIMIT = 8 * 1024;
const oversizedText = "x".repeat(LIMIT + 100);

let echo: EchoGateway;
beforeAll(async () => {
  echo = await startEchoGateway({ maxRequestBytes: LIMIT });
});
afterAll(async () => {
  await echo.stop();
});

async function connectErrorOf(call: Promise<unknown>): Promise<ConnectError> {
  try {
    await call;
  } catch (error) {
    return ConnectError.from(error);
  }
  throw new Error("expected the call to fail");
}

/** POSTs `body` with chunked transfer encoding, so no Content-Length announces its size. */
function postChunked(url: string, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { method: "POST", headers: { "Content-Type": "application/json" } }, (response) => {
      let text = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => (text += chunk));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body: text }));
    });
    request.on("error", reject);
    for (let offset = 0; offset < body.length; offset += 1024) request.write(body.slice(offset, offset + 1024));
    request.end();
  });
}

describe("request size limit", () => {
  it("refuses an oversized Connect JSON body with 413 resource_exhausted, without calling the upstream", async () => {
    const before = echo.upstream.calls();
    const response = await fetch(`${echo.gateway.url}${ECHO_PATH}`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ text: oversizedText }),
    });
    expect(response.status).toBe(413);
    const body = (await response.json()) as { code: string; message: string };
    expect(body.code).toBe("resource_exhausted");
    expect(body.message).toMatch(/exceeds the limit of 8192 bytes/);
    expect(echo.upstream.calls()).toBe(before);
  });

  it("refuses oversized requests from Connect and gRPC-web clients with ResourceExhausted, streams included", async () => {
    const before = echo.upstream.calls();
    const connect = createClient(EchoService, createConnectTransport({ baseUrl: echo.gateway.url }));
    const grpcWeb = createClient(EchoService, createGrpcWebTransport({ baseUrl: echo.gateway.url }));
    const drain = async (messages: AsyncIterable<unknown>) => {
      for await (const message of messages) void message;
    };
    const errors = await Promise.all([
      connectErrorOf(connect.echo({ text: oversizedText })),
      connectErrorOf(grpcWeb.echo({ text: oversizedText })),
      connectErrorOf(drain(connect.echoStream({ text: oversizedText, repeat: 1 }))),
      connectErrorOf(drain(grpcWeb.echoStream({ text: oversizedText, repeat: 1 }))),
    ]);
    expect(errors.map((e) => Code[e.code])).toEqual(["ResourceExhausted", "ResourceExhausted", "ResourceExhausted", "ResourceExhausted"]);
    expect(echo.upstream.calls()).toBe(before);
  });

  it("refuses an oversized body sent without Content-Length while reading it", async () => {
    const before = echo.upstream.calls();
    const response = await postChunked(`${echo.gateway.url}${ECHO_PATH}`, JSON.stringify({ text: oversizedText }));
    expect(response.status).toBe(429); // Connect's HTTP status for resource_exhausted
    expect((JSON.parse(response.body) as { code: string }).code).toBe("resource_exhausted");
    expect(echo.upstream.calls()).toBe(before);
  });

  it("lets a request just under the limit through", async () => {
    const client = createClient(EchoService, createConnectTransport({ baseUrl: echo.gateway.url }));
    const text = "y".repeat(LIMIT - 100);
    expect((await client.echo({ text })).text).toBe(text);
  });
});

describe("CORS", () => {
  const preflight = (origin: string) =>
    fetch(`${echo.gateway.url}${ECHO_PATH}`, {
      method: "OPTIONS",
      headers: {
        Origin: origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type,connect-protocol-version,authorization",
      },
    });

  it("answers a preflight from an allowed origin with the Connect headers", async () => {
    const response = await preflight("https://app.example.com");
    expect(response.status).toBe(204);
    expect(response.headers.get("access-control-allow-origin")).toBe("https://app.example.com");
    expect(response.headers.get("access-control-allow-methods")).toBe("POST, GET");
    const allowed = (response.headers.get("access-control-allow-headers") ?? "").toLowerCase().split(/,\s*/);
    expect(allowed).toEqual(expect.arrayContaining(["content-type", "connect-protocol-version", "connect-timeout-ms", "x-grpc-web", "authorization", "traceparent"]));
    expect(response.headers.get("vary")).toBe("Origin");
  });

  it("gives another origin no CORS headers, on preflight and on the call itself", async () => {
    const response = await preflight("https://evil.example.net");
    expect(response.status).toBe(403);
    expect(response.headers.get("access-control-allow-origin")).toBeNull();
    expect(response.headers.get("access-control-allow-headers")).toBeNull();

    const call = await fetch(`${echo.gateway.url}${ECHO_PATH}`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Origin: "https://evil.example.net" },
      body: JSON.stringify({ text: "x" }),
    });
    expect(call.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("lets an allowed origin read the response and the gRPC-web status headers", async () => {
    const response = await fetch(`${echo.gateway.url}${ECHO_PATH}`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Origin: "https://app.example.com" },
      body: JSON.stringify({ text: "x" }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("access-control-allow-origin")).toBe("https://app.example.com");
    expect((response.headers.get("access-control-expose-headers") ?? "").toLowerCase()).toContain("grpc-status");
  });
});
