import type { CallSignal } from "../../domain/call-signals.js";

/**
 * Call signals from FreeSWITCH channel events. The call is the A-leg's
 * UUID (`Channel-Call-UUID`, shared by the B-legs bridged to it; for
 * click-to-dial the origination_uuid Dial set).
 */
export function eslSignal(event: Readonly<Record<string, string>>, time = new Date()): CallSignal | undefined {
  const legId = event["unique-id"];
  const callId = event["channel-call-uuid"] || legId;
  if (!callId) return undefined;
  switch (event["event-name"]) {
    case "CHANNEL_CREATE":
      // FreeSWITCH places an outbound leg towards the phone that now rings.
      if (event["call-direction"] !== "outbound") return undefined;
      return {
        kind: "ringing",
        callId,
        extension: event["caller-destination-number"] ?? "",
        caller: event["caller-caller-id-number"] ?? "",
        callee: event["caller-destination-number"] ?? "",
        // The leg's caller profile is copied from the A-leg, so on a leg
        // towards a gateway Caller-Username is the phone that dialled (its
        // directory user, the extension), even when the caller id presented
        // outside is the company's number.
        from: event["caller-username"] || event["caller-caller-id-number"] || undefined,
        time,
      };
    case "CHANNEL_ANSWER":
      // A B-leg answering is a person picking up; the A-leg answering is the
      // PBX taking the call (IVR) or, for click-to-dial, the user's own phone.
      return legId !== callId ? { kind: "answered", callId, time } : undefined;
    case "CHANNEL_HANGUP_COMPLETE":
      return legId === callId ? { kind: "ended", callId, time } : undefined;
    default:
      return undefined;
  }
}
