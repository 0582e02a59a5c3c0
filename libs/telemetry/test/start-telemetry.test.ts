import { ROOT_CONTEXT, context, propagation, trace } from "@opentelemetry/api";
import { afterEach, describe, expect, it } from "vitest";
import { startTelemetry, type Telemetry } from "../src/index.js";

describe("startTelemetry", () => {
  let telemetry: Telemetry | undefined;
  afterEach(async () => {
    await telemetry?.shutdown();
    telemetry = undefined;
  });

  it("without an endpoint, records nothing but mints and propagates W3C trace context", () => {
    telemetry = startTelemetry({ serviceName: "telemetry-test" });
    const tracer = trace.getTracer("test");

    const root = tracer.startSpan("root");
    expect(trace.isSpanContextValid(root.spanContext())).toBe(true);
    expect(root.isRecording()).toBe(false);

    const carrier: Record<string, string> = {};
    propagation.inject(trace.setSpan(ROOT_CONTEXT, root), carrier);
    expect(carrier.traceparent).toBe(`00-${root.spanContext().traceId}-${root.spanContext().spanId}-00`);

    const incoming = { traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" };
    const child = context.with(propagation.extract(ROOT_CONTEXT, incoming), () => tracer.startSpan("child"));
    expect(child.spanContext().traceId).toBe("4bf92f3577b34da6a3ce929d0e0e4736");
    root.end();
    child.end();
  });

  it("shuts down idempotently and releases the global tracer for a later start", async () => {
    const first = startTelemetry({ serviceName: "telemetry-test" });
    await first.shutdown();
    await first.shutdown();
    telemetry = startTelemetry({ serviceName: "telemetry-test" });
    expect(trace.isSpanContextValid(trace.getTracer("t").startSpan("again").spanContext())).toBe(true);
  });

});
