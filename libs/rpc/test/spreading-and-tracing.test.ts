import { afterAll, describe, expect, it } from "vitest";
import { context, trace } from "@opentelemetry/api";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import { EchoService } from "@switchboard/proto/switchboard/diagnostics/v1/echo_pb";
import { createClient, openChannel, registerService, serve, type RunningServer } from "../src/index.js";
import { echoHandlers } from "./fixtures/echo-service.js";

const servers: RunningServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close(500)));
});

describe("client load spreading", () => {
  it("spreads calls over every address of the target (round_robin), as over pods of a headless Service", async () => {
    const hits = [0, 0];
    for (const index of [0, 1]) {
      const server = await serve({
        host: "127.0.0.1",
        port: 0,
        services: [
          registerService(EchoService, {
            ...echoHandlers,
            echo: (request) => {
              hits[index]! += 1;
              return { text: request.text };
            },
          }),
        ],
      });
      servers.push(server);
    }
    // `ipv4:` lists addresses statically; `dns:///` does the same from DNS records.
    const channel = openChannel(`ipv4:127.0.0.1:${servers[0]!.port},127.0.0.1:${servers[1]!.port}`);
    const echo = createClient(EchoService, channel);
    for (let i = 0; i < 20; i++) await echo.echo({ text: "x" }, { timeoutMs: 2_000 });
    channel.close();
    expect(hits[0]).toBeGreaterThanOrEqual(5);
    expect(hits[1]).toBeGreaterThanOrEqual(5);
  });
});

describe("trace context propagation", () => {
  it("continues the caller's trace in the handler", async () => {
    const provider = new NodeTracerProvider();
    provider.register();
    try {
      const server = await serve({ host: "127.0.0.1", port: 0, services: [registerService(EchoService, echoHandlers)] });
      servers.push(server);
      const channel = openChannel(`127.0.0.1:${server.port}`);
      const echo = createClient(EchoService, channel);
      const span = trace.getTracer("test").startSpan("caller");
      const response = await context.with(trace.setSpan(context.active(), span), () => echo.echo({ text: "traced" }, { timeoutMs: 2_000 }));
      span.end();
      channel.close();
      expect(response.traceId).toBe(span.spanContext().traceId);
      expect(response.traceId).not.toBe("");
    } finally {
      await provider.shutdown();
      trace.disable();
      context.disable();
    }
  });
});
