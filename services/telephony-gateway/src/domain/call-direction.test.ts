import { describe, expect, it } from "vitest";
import { withDirection } from "./call-direction.js";
import type { CallSignal } from "./call-signals.js";

const extensions = new Set(["1001", "1002"]);
const isExtension = (endpoint: string) => extensions.has(endpoint);
const ring = (fields: Partial<Extract<CallSignal, { kind: "ringing" }>>): CallSignal => ({
  kind: "ringing",
  callId: "c1",
  extension: "1001",
  caller: "+31201234567",
  callee: "1001",
  time: new Date(0),
  ...fields,
});

describe("a ring's direction", () => {
  it("is outbound from the dialling extension when a known extension rings a trunk", () => {
    const signal = withDirection(ring({ extension: "trunk", from: "1001", caller: "1001", callee: "0356990230" }), isExtension);
    expect(signal).toMatchObject({ direction: "outbound", extension: "1001", caller: "1001", callee: "0356990230" });
  });

  it("stays inbound when an outside caller rings an extension", () => {
    const signal = withDirection(ring({ extension: "1001", from: "trunk" }), isExtension);
    expect(signal).toMatchObject({ extension: "1001" });
    expect(signal).not.toHaveProperty("direction");
  });

  it("stays a ring at the called extension for a colleague's internal call", () => {
    const signal = withDirection(ring({ extension: "1002", from: "1001" }), isExtension);
    expect(signal).toMatchObject({ extension: "1002" });
    expect(signal).not.toHaveProperty("direction");
  });

  it("keeps what the vendor said, and leaves rings without a known origin alone", () => {
    expect(withDirection(ring({ extension: "trunk", from: "1001", direction: "inbound" }), isExtension)).toMatchObject({ extension: "trunk", direction: "inbound" });
    expect(withDirection(ring({ extension: "trunk", from: "9999" }), isExtension)).toMatchObject({ extension: "trunk" });
    expect(withDirection(ring({ extension: "trunk" }), isExtension)).toMatchObject({ extension: "trunk" });
    expect(withDirection({ kind: "answered", callId: "c1", time: new Date(0) }, isExtension)).toEqual({ kind: "answered", callId: "c1", time: new Date(0) });
  });
});
