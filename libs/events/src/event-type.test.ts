import { ProbeRecordedSchema } from "@switchboard/proto/switchboard/diagnostics/v1/events_pb";
import { describe, expect, it } from "vitest";
import { decodeEvent, defineEvent, domainOf, encodeEvent } from "./event-type.js";
import { domainStream } from "./streams.js";

describe("defineEvent", () => {
  it("accepts switchboard.<domain>.<entity>.<verb>", () => {
    const event = defineEvent("switchboard.telephony-gateway.call.ringing", ProbeRecordedSchema);
    expect(event.subject).toBe("switchboard.telephony-gateway.call.ringing");
    expect(domainOf(event.subject)).toBe("telephony-gateway");
  });

  it.each([
    "identity.user.created",
    "switchboard.identity.user",
    "switchboard.identity.user.created.extra",
    "switchboard.Identity.user.created",
    "switchboard.identity.*.created",
    "switchboard.identity.>",
  ])("refuses %s with the expected shape in the message", (subject) => {
    expect(() => defineEvent(subject, ProbeRecordedSchema)).toThrow(/switchboard\.<domain>\.<entity>\.<verb>/);
  });

  it("round-trips a message through its protobuf encoding", () => {
    const event = defineEvent("switchboard.diagnostics.probe.recorded", ProbeRecordedSchema);
    const decoded = decodeEvent(event, encodeEvent(event, { probeId: "p-1", note: "hello" }));
    expect(decoded).toMatchObject({ probeId: "p-1", note: "hello" });
  });
});

describe("domainStream", () => {
  it("names one stream per domain", () => {
    expect(domainStream("identity")).toEqual({ name: "SWITCHBOARD_IDENTITY", subjects: ["switchboard.identity.>"] });
    expect(domainStream("privacy-requests").name).toBe("SWITCHBOARD_PRIVACY_REQUESTS");
  });
});
