import { context, trace } from "@opentelemetry/api";
import { Redis } from "ioredis";
import { randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { startTelemetry, type Telemetry } from "../src/index.js";
import { startOtlpCollector, type OtlpCollector } from "./otlp-collector.js";

// Its own file, hence its own process: instrumentations patch modules once per
// process, and this test needs the patches of a telemetry that exports.

function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the tests through \`make test\` (or source .run/env)`);
  return value;
}

describe("startTelemetry with an OTLP endpoint", () => {
  let telemetry: Telemetry | undefined;
  let collector: OtlpCollector | undefined;
  afterEach(async () => {
    await telemetry?.shutdown();
    await collector?.close();
  });

  it("exports pg, ioredis and http spans over OTLP/gRPC on shutdown", async () => {
    collector = await startOtlpCollector();
    const serviceName = `telemetry-test-${randomUUID()}`;
    telemetry = startTelemetry({ serviceName, otlpEndpoint: collector.endpoint });

    // Inside a span, as in an RPC handler: the ioredis instrumentation only
    // traces commands that have a parent, so background chatter stays out.
    const probe = trace.getTracer("test").startSpan("probe");
    await context.with(trace.setSpan(context.active(), probe), async () => {
    const client = new pg.Client({ connectionString: requireEnv("POSTGRES_URL") });
    await client.connect();
    await client.query("SELECT 1 AS telemetry_probe");
    await client.end();

    const redis = new Redis(requireEnv("REDIS_URL"), { lazyConnect: true });
    await redis.connect();
    await redis.get(`telemetry-test:${randomUUID()}`);
    redis.disconnect();

    const server = http.createServer((_req, res) => res.end("ok"));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve, reject) => {
      http.get(`http://127.0.0.1:${port}/probe`, (res) => res.resume().on("end", resolve)).on("error", reject);
    });
    await new Promise<void>((resolve) => server.close(() => resolve()));
    });
    probe.end();

    await telemetry.shutdown();
    const sent = collector.received();
    expect(sent).toContain(serviceName);
    expect(sent).toContain("@opentelemetry/instrumentation-pg");
    expect(sent).toContain("telemetry_probe");
    expect(sent).toContain("@opentelemetry/instrumentation-ioredis");
    expect(sent).toContain("@opentelemetry/instrumentation-http");
  });
});
