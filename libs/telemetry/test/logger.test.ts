import { trace } from "@opentelemetry/api";
import { afterEach, describe, expect, it } from "vitest";
import { createLogger, startTelemetry, type Telemetry } from "../src/index.js";

function capture() {
  const lines: Record<string, unknown>[] = [];
  return { lines, destination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) } };
}

describe("createLogger", () => {
  let telemetry: Telemetry | undefined;
  afterEach(async () => {
    await telemetry?.shutdown();
    telemetry = undefined;
  });

  it("writes one JSON object per line with service, level, time and message", () => {
    const { lines, destination } = capture();
    createLogger({ service: "identity", destination }).info({ event: "identity.started", port: 50051 }, "listening");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ service: "identity", level: "info", event: "identity.started", port: 50051, msg: "listening" });
    expect(typeof lines[0]?.time).toBe("string");
    expect(lines[0]).not.toHaveProperty("trace_id");
  });

  it("honours the level", () => {
    const { lines, destination } = capture();
    const log = createLogger({ service: "x", level: "warn", destination });
    log.info("quiet");
    log.warn("loud");
    expect(lines.map((l) => l.msg)).toEqual(["loud"]);
  });

  it("adds trace_id and span_id of the active span", () => {
    telemetry = startTelemetry({ serviceName: "logger-test" });
    const { lines, destination } = capture();
    const log = createLogger({ service: "x", destination });
    trace.getTracer("test").startActiveSpan("work", (span) => {
      log.info("inside");
      span.end();
      const ids = span.spanContext();
      expect(lines[0]).toMatchObject({ trace_id: ids.traceId, span_id: ids.spanId });
    });
    expect(lines[0]?.trace_id).toMatch(/^[0-9a-f]{32}$/);
  });

  it("redacts personal data in fields at any depth, in the message and in interpolated values", () => {
    const { lines, destination } = capture();
    const log = createLogger({ service: "recognition", destination });
    log.info(
      { event: "lookup.hit", record: { fields: [{ firstName: "Jan", callerNumber: "+31612345678" }] }, note: "jan@example.com" },
      "matched %s for %s",
      "+31 6 1234 5678",
      "jan@example.com",
    );
    log.warn("call from 0612345678 failed");
    const text = JSON.stringify(lines);
    expect(text).not.toContain("Jan");
    expect(text).not.toContain("12345678");
    expect(text).not.toContain("1234 5678");
    expect(text).not.toContain("jan@example.com");
    expect(lines[0]).toMatchObject({
      event: "lookup.hit",
      record: { fields: [{ firstName: "[REDACTED]", callerNumber: "[REDACTED]" }] },
      note: "[EMAIL]",
      msg: "matched [PHONE] for [EMAIL]",
    });
    expect(lines[1]?.msg).toBe("call from [PHONE] failed");
  });

  it("redacts child bindings", () => {
    const { lines, destination } = capture();
    const child = createLogger({ service: "identity", destination }).child({ email: "a@b.nl", tenant_id: "t1" });
    child.info("signed in");
    child.child({ note: "call 0612345678" }).info("grandchild");
    expect(lines[0]).toMatchObject({ email: "[REDACTED]", tenant_id: "t1", msg: "signed in" });
    expect(lines[1]).toMatchObject({ email: "[REDACTED]", note: "call [PHONE]", msg: "grandchild" });
  });

  it("serialises errors with scrubbed message and stack", () => {
    const { lines, destination } = capture();
    const log = createLogger({ service: "x", destination });
    log.error(new Error("no contact for jan@example.com"));
    log.error({ err: new Error("dial +31612345678 refused") });
    expect(JSON.stringify(lines)).not.toMatch(/jan@example\.com|31612345678/);
    expect(lines[0]).toMatchObject({ msg: "no contact for [EMAIL]", err: { type: "Error", message: "no contact for [EMAIL]" } });
    expect(lines[1]).toMatchObject({ msg: "dial [PHONE] refused" });
    expect(String((lines[1]?.err as { stack?: string }).stack)).toContain("dial [PHONE] refused");
  });

  it("does not crash on circular objects", () => {
    const { lines, destination } = capture();
    const loop: Record<string, unknown> = { event: "x" };
    loop.self = loop;
    createLogger({ service: "x", destination }).info(loop, "loop");
    expect(lines[0]).toMatchObject({ event: "x", msg: "loop" });
    expect(JSON.stringify(lines[0])).toContain("[Circular]");
  });
});
