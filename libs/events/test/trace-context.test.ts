import { randomBytes, randomUUID } from "node:crypto";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { context, propagation, ROOT_CONTEXT, trace, TraceFlags } from "@opentelemetry/api";
import { withTenant } from "@switchboard/db";
import { createTestDatabase, type TestDatabase } from "@switchboard/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  connectEvents,
  consumeEvents,
  enqueueEvent,
  publishEvent,
  startOutboxRelay,
  type EventsConnection,
} from "../src/index.js";
import { probeMigrations, type ProbeDatabase } from "./fixtures/probe-database.js";
import { createTestStream, natsUrl, waitFor, type TestStream } from "./fixtures/test-stream.js";

// What @switchboard/telemetry's SDK registers in a service; this file's worker only.
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
propagation.setGlobalPropagator(new W3CTraceContextPropagator());

describe("trace context across NATS", () => {
  let test: TestDatabase<ProbeDatabase>;
  let events: EventsConnection;
  let stream: TestStream;
  const seen = new Map<string, { activeTraceId: string | undefined; traceparent: string | undefined }>();

  beforeAll(async () => {
    test = await createTestDatabase<ProbeDatabase>({ name: "trace", migrationsFolder: probeMigrations });
    events = await connectEvents({ url: natsUrl(), name: "trace-test" });
    stream = await createTestStream(events.jsm);
  });
  afterAll(async () => {
    await stream?.delete();
    await events?.close();
    await test?.destroy();
    context.disable();
    propagation.disable();
  });

  async function consumeRecordingTrace() {
    return consumeEvents({
      js: events.js,
      jsm: events.jsm,
      stream: stream.name,
      durable: "trace-recorder",
      events: stream.probeRecorded,
      handle: async (probe, meta) => {
        seen.set(probe.probeId, {
          activeTraceId: trace.getSpanContext(context.active())?.traceId,
          traceparent: meta.traceparent,
        });
      },
    });
  }

  it("hands the handler the trace that was active when the event was enqueued", async () => {
    const traceId = randomBytes(16).toString("hex");
    const spanId = randomBytes(8).toString("hex");
    const requestContext = trace.setSpanContext(ROOT_CONTEXT, { traceId, spanId, traceFlags: TraceFlags.SAMPLED });

    const consumer = await consumeRecordingTrace();
    const relay = startOutboxRelay({ db: test.db, js: events.js, databaseUrl: test.url, pollIntervalMs: 100 });
    try {
      const tenantId = randomUUID();
      await context.with(requestContext, () =>
        withTenant(test.db, tenantId, (trx) => enqueueEvent(trx, stream.probeRecorded, { probeId: "traced" })),
      );
      await waitFor("the traced probe", () => seen.has("traced"));
      expect(seen.get("traced")).toEqual({ activeTraceId: traceId, traceparent: `00-${traceId}-${spanId}-01` });
    } finally {
      await relay.stop();
      await consumer.stop();
    }
  });

  it("sends an explicit traceparent when publishing directly", async () => {
    const traceparent = `00-${randomBytes(16).toString("hex")}-${randomBytes(8).toString("hex")}-01`;
    const consumer = await consumeRecordingTrace();
    try {
      await publishEvent(events.js, stream.probeRecorded, { probeId: "explicit" }, { msgId: randomUUID(), traceparent });
      await waitFor("the explicit probe", () => seen.has("explicit"));
      expect(seen.get("explicit")?.traceparent).toBe(traceparent);
      expect(seen.get("explicit")?.activeTraceId).toBe(traceparent.split("-")[1]);
    } finally {
      await consumer.stop();
    }
  });

  it("refuses a malformed explicit traceparent", async () => {
    await expect(
      publishEvent(events.js, stream.probeRecorded, { probeId: "x" }, { msgId: randomUUID(), traceparent: "nonsense" }),
    ).rejects.toThrow(/not a W3C traceparent/);
  });
});
