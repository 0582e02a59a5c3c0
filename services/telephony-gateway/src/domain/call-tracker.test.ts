import { describe, expect, it } from "vitest";
import { CallTracker } from "./call-tracker.js";

const t = new Date("2026-11-26T10:00:00Z");
const ring = (callId: string, extension = "1001") => ({ kind: "ringing" as const, callId, extension, caller: "0356990230", callee: "0201234567", time: t });

describe("call tracker", () => {
  it("reports each state once and in order", () => {
    const tracker = new CallTracker();
    const states = [
      tracker.observe(ring("c1")),
      tracker.observe(ring("c1", "1002")),
      tracker.observe({ kind: "answered", callId: "c1", time: t }),
      tracker.observe(ring("c1")),
      tracker.observe({ kind: "answered", callId: "c1", time: t }),
      tracker.observe({ kind: "ended", callId: "c1", time: t }),
      tracker.observe({ kind: "ended", callId: "c1", time: t }),
      tracker.observe(ring("c1")),
    ].filter(Boolean);
    expect(states.map((s) => s!.state)).toEqual(["ringing", "answered", "ended"]);
    expect(states.every((s) => s!.extension === "1001" && s!.direction === "inbound")).toBe(true);
    expect(tracker.size).toBe(0);
  });

  it("ignores calls it never saw ring", () => {
    const tracker = new CallTracker();
    expect(tracker.observe({ kind: "answered", callId: "x", time: t })).toBeUndefined();
    expect(tracker.observe({ kind: "ended", callId: "x", time: t })).toBeUndefined();
  });

  it("keeps Dial's numbers and direction for a click-to-dial call", () => {
    const tracker = new CallTracker();
    tracker.expectOutbound("d1", "1001", "+31356990230");
    expect(tracker.observe({ kind: "answered", callId: "d1", time: t })).toBeUndefined();
    expect(tracker.observe(ring("d1"))).toMatchObject({ state: "ringing", direction: "outbound", caller: "1001", callee: "+31356990230" });
  });

  it("stays bounded when calls never end", () => {
    const tracker = new CallTracker(100);
    for (let i = 0; i < 1000; i++) tracker.observe(ring(`c${i}`));
    expect(tracker.size).toBe(100);
  });
});
