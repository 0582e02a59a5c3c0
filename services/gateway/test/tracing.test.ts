import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { context, trace } from "@opentelemetry/api";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import { createClient } from "@connectrpc/connect";
import { createGrpcWebTransport } from "@connectrpc/connect-web";
import { EchoService } from "@switchboard/proto/switchboard/diagnostics/v1/echo_pb";
import { startEchoGateway, type EchoGateway } from "./fixtures/gateway.js";

// Registered for this file only (files run in separate workers), as a service's startTelemetry would.
let provider: NodeTracerProvider;
let echo: EchoGateway;
beforeAll(async () => {
  provider = new NodeTracerProvider();
  provider.register();
  echo = await startEchoGateway();
});
afterAll(async () => {
  await echo.stop();
  await provider.shutdown();
  trace.disable();
  context.disable();
});

const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
const traceparent = `00-${traceId}-00f067aa0ba902b7-01`;

describe("trace context", () => {
  it("continues the caller's traceparent in the upstream handler", async () => {
    const response = await fetch(`${echo.gateway.url}/switchboard.diagnostics.v1.EchoService/Echo`, {
      method: "POST",
      headers: { "Content-Type": "application/json", traceparent },
      body: JSON.stringify({ text: "traced" }),
    });
    expect(((await response.json()) as { traceId: string }).traceId).toBe(traceId);

    const client = createClient(EchoService, createGrpcWebTransport({ baseUrl: echo.gateway.url }));
    expect((await client.echo({ text: "traced" }, { headers: { traceparent } })).traceId).toBe(traceId);
  });

  it("starts a fresh trace for a caller without traceparent", async () => {
    const client = createClient(EchoService, createGrpcWebTransport({ baseUrl: echo.gateway.url }));
    const first = await client.echo({ text: "a" });
    const second = await client.echo({ text: "b" });
    expect(first.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(first.traceId).not.toBe(second.traceId);
  });
});
