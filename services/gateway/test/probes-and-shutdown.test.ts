import { afterAll, describe, expect, it } from "vitest";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { EchoService } from "@switchboard/proto/switchboard/diagnostics/v1/echo_pb";
import { startEchoGateway, type EchoGateway } from "./fixtures/gateway.js";

const started: EchoGateway[] = [];
afterAll(async () => {
  await Promise.all(started.map((echo) => echo.stop()));
});

async function start(): Promise<EchoGateway> {
  const echo = await startEchoGateway();
  started.push(echo);
  return echo;
}

describe("probes", () => {
  it("answers /healthz, and /readyz only while every upstream is SERVING", async () => {
    const echo = await start();
    const health = await fetch(`${echo.gateway.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: "ok" });

    const ready = await fetch(`${echo.gateway.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: "ok", upstreams: { echo: "SERVING" } });

    await echo.upstream.server.close(200);
    const notReady = await fetch(`${echo.gateway.url}/readyz`);
    expect(notReady.status).toBe(503);
    const body = (await notReady.json()) as { status: string; upstreams: Record<string, string> };
    expect(body.status).toBe("unavailable");
    expect(body.upstreams.echo).not.toBe("SERVING");
    // Liveness does not depend on upstreams: restarting the gateway would not help.
    expect((await fetch(`${echo.gateway.url}/healthz`)).status).toBe(200);
  });
});

describe("graceful shutdown", () => {
  it("ends open streams with unavailable, lets an in-flight unary call finish, and refuses new connections", async () => {
    const echo = await start();
    const client = createClient(EchoService, createConnectTransport({ baseUrl: echo.gateway.url }));

    const received: number[] = [];
    const stream = (async () => {
      for await (const message of client.echoStream({ text: "live", repeat: 100, intervalMs: 100 })) received.push(message.index);
    })().then(
      () => undefined,
      (error: unknown) => ConnectError.from(error),
    );
    const unary = client.echo({ text: "in flight", delayMs: 300 });
    while (received.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));

    await echo.gateway.close(5_000);

    const streamError = await stream;
    expect(streamError?.code).toBe(Code.Unavailable);
    expect(streamError?.rawMessage).toMatch(/shutting down/);
    expect((await unary).text).toBe("in flight");
    await expect(fetch(`${echo.gateway.url}/healthz`)).rejects.toThrow();
  });
});
