import { defineEvent } from "@switchboard/events";
import { CallEventSchema } from "@switchboard/proto/switchboard/telephony/v1/events_pb";

/** telephony-gateway's stream and events (proto/switchboard/telephony/v1/events.proto). */
export const callsStream = { name: "SWITCHBOARD_CALLS", subjects: ["switchboard.calls.>"] };

export function callEvents(prefix = "switchboard.calls") {
  return {
    ringing: defineEvent(`${prefix}.call.ringing`, CallEventSchema),
    answered: defineEvent(`${prefix}.call.answered`, CallEventSchema),
    ended: defineEvent(`${prefix}.call.ended`, CallEventSchema),
  };
}
