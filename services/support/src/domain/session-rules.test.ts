import { describe, expect, it } from "vitest";
import { extendedExpiry, sessionState, startDurationViolation, ticketViolation } from "./session-rules.js";

const hour = 3_600_000;

describe("session rules", () => {
  it("accepts durations from 1 minute to 24 hours and none at all", () => {
    expect(startDurationViolation(undefined)).toBeUndefined();
    expect(startDurationViolation(60_000)).toBeUndefined();
    expect(startDurationViolation(24 * hour)).toBeUndefined();
    expect(startDurationViolation(24 * hour + 1)?.description).toContain("at most 24 hours");
    expect(startDurationViolation(59_000)?.description).toContain("at least 1 minute");
  });

  it("extends within 24 hours of the start and says how much is left otherwise", () => {
    const startedAt = new Date(0);
    expect(extendedExpiry({ startedAt, expiresAt: new Date(hour) }, 23 * hour)).toEqual({ expiresAt: new Date(24 * hour) });
    expect(extendedExpiry({ startedAt, expiresAt: new Date(20 * hour) }, 5 * hour)).toEqual({
      problem: "a session lasts at most 24 hours from its start: it can be extended by at most 4 h 0 min more",
    });
  });

  it("checks ticket references", () => {
    expect(ticketViolation("SUP-1234")).toBeUndefined();
    expect(ticketViolation("")?.description).toContain("required");
    expect(ticketViolation("SUP 1234")?.description).toContain("1-64 characters");
    expect(ticketViolation("x".repeat(65))).toBeDefined();
  });

  it("tells active, ended and expired apart", () => {
    const expiresAt = new Date(1_000);
    expect(sessionState({ endedAt: null, endReason: null, expiresAt }, 999)).toBe("active");
    expect(sessionState({ endedAt: null, endReason: null, expiresAt }, 1_000)).toBe("expired");
    expect(sessionState({ endedAt: new Date(5), endReason: "ended", expiresAt }, 6)).toBe("ended");
    expect(sessionState({ endedAt: new Date(5), endReason: "expired", expiresAt }, 6)).toBe("expired");
  });
});
