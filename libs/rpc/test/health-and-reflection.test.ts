import { afterAll, describe, expect, it } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { credentials, loadPackageDefinition, type ServiceClientConstructor } from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import { Redis } from "ioredis";
import { checkHealth, LIVENESS_SERVICE, serve, type RunningServer } from "../src/index.js";
import { echoRegistration } from "./fixtures/echo-service.js";

const cleanups: Array<() => unknown> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** A Redis of the test's own, so it can be killed without touching anyone else's. */
async function startOwnRedis(): Promise<{ port: number; process: ChildProcess }> {
  const port = await freePort();
  const child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
  cleanups.push(() => child.kill("SIGKILL"));
  for (let attempt = 0; attempt < 50; attempt++) {
    const client = new Redis({ port, host: "127.0.0.1", lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on("error", () => {}); // refused while redis-server starts: the loop retries
    try {
      await client.connect();
      await client.ping();
      return { port, process: child };
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    } finally {
      client.disconnect();
    }
  }
  throw new Error("redis-server did not start");
}

describe("grpc.health.v1", () => {
  it("reports SERVING while dependencies answer and NOT_SERVING when one goes away", async () => {
    const redis = await startOwnRedis();
    const client = new Redis({ port: redis.port, host: "127.0.0.1", maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => 200 });
    client.on("error", () => {}); // connection errors are what this test provokes
    cleanups.push(() => client.disconnect());
    await once(client, "ready");
    const server: RunningServer = await serve({
      host: "127.0.0.1",
      port: 0,
      services: [echoRegistration],
      readiness: { redis: () => client.ping() },
      readinessIntervalMs: 100,
      readinessTimeoutMs: 300,
    });
    cleanups.push(() => server.close(500));
    const target = `127.0.0.1:${server.port}`;

    expect(await checkHealth(target)).toBe("SERVING");
    expect(await checkHealth(target, "switchboard.diagnostics.v1.EchoService")).toBe("SERVING");

    redis.process.kill("SIGKILL");
    await once(redis.process, "exit");
    await expect.poll(() => checkHealth(target), { timeout: 5_000, interval: 100 }).toBe("NOT_SERVING");
    expect(await checkHealth(target, "switchboard.diagnostics.v1.EchoService")).toBe("NOT_SERVING");
    // Not ready, but alive: the liveness probe must not restart a pod for its database's outage.
    expect(await checkHealth(target, LIVENESS_SERVICE)).toBe("SERVING");
  });

  it("reports NOT_SERVING as soon as shutdown begins", async () => {
    const server = await serve({ host: "127.0.0.1", port: 0, services: [echoRegistration] });
    expect(server.health.status).toBe("SERVING");
    const closing = server.close(500);
    expect(server.health.status).toBe("NOT_SERVING");
    await closing;
  });
});

describe("server reflection", () => {
  it("lists the registered services and describes their files, as grpcurl asks", async () => {
    const server = await serve({ host: "127.0.0.1", port: 0, services: [echoRegistration] });
    cleanups.push(() => server.close(500));

    const protoPath = fileURLToPath(import.meta.resolve("@grpc/reflection")).replace(/build\/src\/index\.js$/, "build/proto/grpc/reflection/v1/reflection.proto");
    const definition = loadSync(protoPath, { keepCase: true, defaults: true, oneofs: true });
    const pkg = loadPackageDefinition(definition) as unknown as { grpc: { reflection: { v1: { ServerReflection: ServiceClientConstructor } } } };
    const client = new pkg.grpc.reflection.v1.ServerReflection(`127.0.0.1:${server.port}`, credentials.createInsecure());
    cleanups.push(() => client.close());

    const ask = (request: object) =>
      new Promise<Record<string, any>>((resolve, reject) => {
        const call = (client as any).ServerReflectionInfo();
        call.on("data", (response: Record<string, any>) => {
          resolve(response);
          call.end();
        });
        call.on("error", reject);
        call.write(request);
      });

    const listing = await ask({ list_services: "" });
    const names = listing.list_services_response.service.map((s: { name: string }) => s.name);
    expect(names).toContain("switchboard.diagnostics.v1.EchoService");
    expect(names).toContain("grpc.health.v1.Health");

    const files = await ask({ file_containing_symbol: "switchboard.diagnostics.v1.EchoService" });
    expect(files.file_descriptor_response.file_descriptor_proto.length).toBeGreaterThan(0);
    const health = await ask({ file_containing_symbol: "grpc.health.v1.Health" });
    const healthFiles = health.file_descriptor_response.file_descriptor_proto.map((bytes: Buffer) => bytes.toString("latin1"));
    expect(healthFiles.some((file: string) => file.includes("grpc/health/v1/health.proto"))).toBe(true);
  });
});
