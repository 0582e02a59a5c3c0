import { describe, expect, it } from "vitest";
import { contextLogger, createDebugLogger, createLogger, currentLogger, runWithLogger, teeLogger, type DebugTarget } from "../src/index.js";

const target: DebugTarget = { sessionId: "s-1", tenantId: "t-1", userId: "u-1", ticket: "SUP-42", level: "trace" };

function capture() {
  const lines: Record<string, unknown>[] = [];
  return { lines, write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) };
}

describe("debug-session loggers", () => {
  it("tees: the service's log stays at its level and redacted, the debug log gets every level with the ticket and secrets removed", () => {
    const normal = capture();
    const debug = capture();
    const base = createLogger({ service: "svc", destination: { write: normal.write } });
    const log = teeLogger(base, createDebugLogger({ service: "svc", target, write: (_t, line) => debug.write(line) }));
    log.trace({ event: "x.trace", email: "jan@example.com", password: "P@ssw0rd-1" }, "trace for jan@example.com with code 123456");
    log.info({ event: "x.info", phone: "+31612345678" }, "hello");
    expect(normal.lines.map((l) => l.event)).toEqual(["x.info"]);
    expect(normal.lines[0]?.phone).toBe("[REDACTED]");
    expect(debug.lines.map((l) => l.event)).toEqual(["x.trace", "x.info"]);
    expect(debug.lines[0]).toMatchObject({ ticket: "SUP-42", debug_session_id: "s-1", user_id: "u-1", email: "jan@example.com", password: "[REDACTED]", level: "trace" });
    expect(debug.lines[0]?.msg).toBe("trace for jan@example.com with code [REDACTED]");
    expect(debug.lines[1]?.phone).toBe("+31612345678");
  });

  it("carries the request logger through awaits, and contextLogger follows it", async () => {
    const normal = capture();
    const debug = capture();
    const base = createLogger({ service: "svc", destination: { write: normal.write } });
    const domainLog = contextLogger(base).child({ module: "domain" });
    const scoped = teeLogger(base, createDebugLogger({ service: "svc", target, write: (_t, line) => debug.write(line) }));
    await runWithLogger(scoped, async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      expect(currentLogger(base)).toBe(scoped);
      domainLog.debug({ event: "inside" });
    });
    domainLog.debug({ event: "outside" });
    expect(currentLogger(base)).toBe(base);
    expect(debug.lines.map((l) => [l.event, l.module])).toEqual([["inside", "domain"]]);
    expect(normal.lines).toEqual([]);
  });
});
