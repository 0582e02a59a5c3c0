import { describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { EchoService } from "@switchboard/proto/switchboard/diagnostics/v1/echo_pb";
import { Code, RpcError, createClient, openChannel, serve } from "../src/index.js";
import { echoRegistration } from "./fixtures/echo-service.js";

const fixture = fileURLToPath(new URL("./fixtures/echo-server-process.ts", import.meta.url));

describe("graceful shutdown", () => {
  it("drains an in-flight call on SIGTERM, refuses new ones, and exits 0", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", fixture], { stdio: ["ignore", "pipe", "inherit"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    await expect.poll(() => /listening (\d+)/.test(output), { timeout: 15_000 }).toBe(true);
    const port = Number(/listening (\d+)/.exec(output)?.[1]);

    const channel = openChannel(`127.0.0.1:${port}`);
    const echo = createClient(EchoService, channel);
    const inFlight = echo.echo({ text: "finish me", delayMs: 800 }, { timeoutMs: 5_000 });
    await new Promise((r) => setTimeout(r, 150));
    const exited = once(child, "exit");
    child.kill("SIGTERM");

    expect((await inFlight).text).toBe("finish me");
    const [code] = await exited;
    expect(code).toBe(0);
    expect(output).toContain('"event":"shutdown.finished","clean":true');
    const late = await echo.echo({ text: "too late" }, { timeoutMs: 1_000 }).catch((e: unknown) => e);
    expect(late).toBeInstanceOf(RpcError);
    expect([Code.Unavailable, Code.DeadlineExceeded]).toContain((late as RpcError).code);
    channel.close();
  });

  it("ends open streams with UNAVAILABLE so clients reconnect elsewhere", async () => {
    const server = await serve({ host: "127.0.0.1", port: 0, services: [echoRegistration] });
    const channel = openChannel(`127.0.0.1:${server.port}`);
    const echo = createClient(EchoService, channel);
    let received = 0;
    const consume = (async () => {
      for await (const _ of echo.echoStream({ text: "live", repeat: 1000, intervalMs: 20 })) {
        void _;
        received++;
      }
    })().catch((e: unknown) => e);
    await expect.poll(() => received).toBeGreaterThan(2);
    await server.close(2_000);
    const error = await consume;
    expect(error).toBeInstanceOf(RpcError);
    expect((error as RpcError).code).toBe(Code.Unavailable);
    expect((error as RpcError).message).toContain("reconnect");
    channel.close();
  });
});
