import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { EchoService } from "@switchboard/proto/switchboard/diagnostics/v1/echo_pb";
import { startEchoGateway, type EchoGateway } from "./fixtures/gateway.js";

let directory: string;
let cert: Buffer;
let echo: EchoGateway;
beforeAll(async () => {
  // A throw-away self-signed certificate for 127.0.0.1.
  directory = mkdtempSync(join(tmpdir(), "gateway-tls-"));
  execFileSync("openssl", [
    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
    "-keyout", join(directory, "key.pem"), "-out", join(directory, "cert.pem"),
  ], { stdio: "ignore" });
  cert = readFileSync(join(directory, "cert.pem"));
  echo = await startEchoGateway({ tls: { cert, key: readFileSync(join(directory, "key.pem")) } });
});
afterAll(async () => {
  await echo.stop();
  rmSync(directory, { recursive: true, force: true });
});

describe("with TLS configured", () => {
  it("serves gRPC over HTTP/2, unary and streaming", async () => {
    const client = createClient(EchoService, createGrpcTransport({ baseUrl: echo.gateway.url, nodeOptions: { ca: cert } }));
    expect(echo.gateway.url).toMatch(/^https:/);
    expect((await client.echo({ text: "h2" })).text).toBe("h2");
    const indexes: number[] = [];
    for await (const message of client.echoStream({ text: "h2", repeat: 3 })) indexes.push(message.index);
    expect(indexes).toEqual([0, 1, 2]);
  });

  it("still serves Connect over HTTP/1.1", async () => {
    const client = createClient(
      EchoService,
      createConnectTransport({ baseUrl: echo.gateway.url, httpVersion: "1.1", nodeOptions: { ca: cert } }),
    );
    expect((await client.echo({ text: "h1" })).text).toBe("h1");
  });
});
