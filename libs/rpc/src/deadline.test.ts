import { describe, expect, it } from "vitest";
import { abortAt, effectiveDeadline } from "./deadline.js";

describe("effectiveDeadline", () => {
  it("keeps the client's deadline when it sent one", () => {
    expect(effectiveDeadline(new Date(5_000), 100, 1_000)).toBe(5_000);
    expect(effectiveDeadline(7_000, 100, 1_000)).toBe(7_000);
  });

  it("applies the default when the client sent none", () => {
    expect(effectiveDeadline(Infinity, 250, 1_000)).toBe(1_250);
  });
});

describe("abortAt", () => {
  it("aborts with the given reason when the deadline passes", async () => {
    const controller = new AbortController();
    abortAt(controller, Date.now() + 20, () => "late");
    await new Promise((r) => setTimeout(r, 60));
    expect(controller.signal.reason).toBe("late");
  });

  it("never aborts without a deadline, and can be cancelled", async () => {
    const none = new AbortController();
    abortAt(none, Infinity, () => "late");
    const cancelled = new AbortController();
    abortAt(cancelled, Date.now() + 10, () => "late")();
    await new Promise((r) => setTimeout(r, 40));
    expect(none.signal.aborted).toBe(false);
    expect(cancelled.signal.aborted).toBe(false);
  });
});
