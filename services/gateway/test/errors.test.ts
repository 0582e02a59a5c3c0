import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-web";
import { EchoService } from "@switchboard/proto/switchboard/diagnostics/v1/echo_pb";
import { openChannel } from "@switchboard/rpc";
import { startGateway } from "../src/http-server.js";
import { expose } from "../src/routes.js";
import { startEchoGateway, type EchoGateway } from "./fixtures/gateway.js";

let echo: EchoGateway;
beforeAll(async () => {
  echo = await startEchoGateway();
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

describe("errors from the internal service", () => {
  it("turns an internal NOT_FOUND into Connect not_found with the upstream's message", async () => {
    const response = await fetch(`${echo.gateway.url}/switchboard.diagnostics.v1.EchoService/Echo`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ text: "ghost", failWith: "not_found" }),
    });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ code: "not_found", message: "no echo named ghost" });

    for (const transport of [createConnectTransport({ baseUrl: echo.gateway.url }), createGrpcWebTransport({ baseUrl: echo.gateway.url })]) {
      const error = await connectErrorOf(createClient(EchoService, transport).echo({ text: "ghost", failWith: "not_found" }));
      expect(error.code).toBe(Code.NotFound);
      expect(error.rawMessage).toBe("no echo named ghost");
    }
  });

  it("turns an upstream crash into internal without the internal message", async () => {
    const response = await fetch(`${echo.gateway.url}/switchboard.diagnostics.v1.EchoService/Echo`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ text: "boom", failWith: "crash" }),
    });
    expect(response.status).toBe(500);
    const body = (await response.json()) as { code: string; message: string };
    expect(body.code).toBe("internal");
    expect(body.message).toMatch(/correlation id/);
    expect(body.message).not.toMatch(/db-7|password|5432/);
  });

  it("keeps a deliberate upstream INTERNAL's message, which the service chose to send", async () => {
    const client = createClient(EchoService, createConnectTransport({ baseUrl: echo.gateway.url }));
    const error = await connectErrorOf(client.echo({ text: "x", failWith: "internal" }));
    expect(error.code).toBe(Code.Internal);
    expect(error.rawMessage).toBe("deliberate internal failure");
  });

  it("ends a stream with deadline_exceeded when the caller's timeout passes mid-stream", async () => {
    const client = createClient(EchoService, createGrpcWebTransport({ baseUrl: echo.gateway.url }));
    const received: number[] = [];
    const error = await connectErrorOf(
      (async () => {
        for await (const message of client.echoStream({ text: "slow", repeat: 5, intervalMs: 2_000 }, { timeoutMs: 300 })) {
          received.push(message.index);
        }
      })(),
    );
    expect(received).toEqual([0]);
    expect(error.code).toBe(Code.DeadlineExceeded);
  });

  it("answers a procedure that is not in the route table with 404 unimplemented", async () => {
    const response = await fetch(`${echo.gateway.url}/switchboard.identity.v1.UserService/ListUsers`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: "{}",
    });
    expect(response.status).toBe(404);
    expect(((await response.json()) as { code: string }).code).toBe("unimplemented");
  });

  it("answers unavailable, without internal addresses, when the upstream cannot be reached", async () => {
    const channel = openChannel("127.0.0.1:1");
    const gateway = await startGateway({
      host: "127.0.0.1",
      port: 0,
      routes: [expose(EchoService, channel)],
      allowedOrigins: [],
      maxRequestBytes: 1024,
      defaultTimeoutMs: 2_000,
      readinessTargets: {},
    });
    try {
      const error = await connectErrorOf(createClient(EchoService, createConnectTransport({ baseUrl: gateway.url })).echo({ text: "x" }));
      expect(error.code).toBe(Code.Unavailable);
      expect(error.rawMessage).toBe("EchoService is unavailable right now: try again shortly");
    } finally {
      await gateway.close(500);
      channel.close();
    }
  });
});
