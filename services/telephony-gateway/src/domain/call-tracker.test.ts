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

  describe("calls in progress when the link comes up", () => {
    const later = new Date(t.getTime() + 60_000);
    const inProgress = (callId: string, answered: boolean, extension = "1001") => ({ ring: ring(callId, extension), answered });

    it("reports a call that ended while the link was down as ended, once", () => {
      const tracker = new CallTracker();
      tracker.observe(ring("gone"));
      tracker.observe(ring("still"));
      const changes = tracker.reconcile([inProgress("still", false)], later);
      expect(changes.map((c) => [c.callId, c.state])).toEqual([["gone", "ended"]]);
      expect(changes[0]).toMatchObject({ caller: "0356990230", extension: "1001", time: later, startTime: t });
      expect(tracker.observe({ kind: "ended", callId: "gone", time: later })).toBeUndefined();
      expect(tracker.size).toBe(1);
    });

    it("reports an answer that happened while the link was down, and nothing for what it already reported", () => {
      const tracker = new CallTracker();
      tracker.observe(ring("c1"));
      tracker.observe(ring("c2"));
      tracker.observe({ kind: "answered", callId: "c2", time: t });
      const changes = tracker.reconcile([inProgress("c1", true), inProgress("c2", true)], later);
      expect(changes.map((c) => [c.callId, c.state])).toEqual([["c1", "answered"]]);
    });

    it("reports a ringing call it did not know as ringing, and takes on an answered one silently so its end is reported", () => {
      const tracker = new CallTracker();
      const changes = tracker.reconcile([inProgress("new-ring", false), inProgress("mid-call", true, "1002")], later);
      expect(changes.map((c) => [c.callId, c.state])).toEqual([["new-ring", "ringing"]]);
      expect(tracker.observe({ kind: "answered", callId: "mid-call", time: later })).toBeUndefined();
      expect(tracker.observe({ kind: "ended", callId: "mid-call", time: later })).toMatchObject({ state: "ended", extension: "1002", caller: "0356990230", startTime: t });
    });

    it("keeps Dial's numbers for a click-to-dial call answered while the link was down", () => {
      const tracker = new CallTracker();
      tracker.expectOutbound("d1", "1001", "+31356990230");
      tracker.reconcile([inProgress("d1", true)], later);
      expect(tracker.observe({ kind: "ended", callId: "d1", time: later })).toMatchObject({ direction: "outbound", caller: "1001", callee: "+31356990230" });
    });

    it("does not bring back a call whose end it saw while the list was being taken", () => {
      const tracker = new CallTracker();
      expect(tracker.observe({ kind: "ended", callId: "short", time: t })).toBeUndefined();
      expect(tracker.reconcile([inProgress("short", false)], later)).toEqual([]);
      expect(tracker.size).toBe(0);
    });
  });
});
