import type { CallSignal } from "../../domain/call-signals.js";
import type { AmiMessage } from "./ami-framing.js";

/** Asterisk's channel state 5: the device rings. */
const RINGING_STATE = "5";

/**
 * The endpoint of a channel name: "PJSIP/1001-0000002a" → "1001",
 * "SIP/alice-00000001" → "alice", "Local/1001@from-internal-00000003;1" → "1001".
 */
export function endpointOf(channel: string | undefined): string {
  if (!channel) return "";
  const slash = channel.indexOf("/");
  let rest = slash >= 0 ? channel.slice(slash + 1) : channel;
  rest = rest.replace(/;\d+$/, "").replace(/-[0-9a-f]+$/i, "");
  const at = rest.indexOf("@");
  return at >= 0 ? rest.slice(0, at) : rest;
}

const unknown = (value: string | undefined) => (!value || value === "<unknown>" ? "" : value);

/**
 * Call signals from AMI events (Asterisk 12+ names). The call is its
 * Linkedid: the Uniqueid of the call's first channel, shared by every
 * channel of the call (and set to Dial's call id through Originate's ChannelId).
 */
export function amiSignal(message: AmiMessage, time = new Date()): CallSignal | undefined {
  const callId = message.linkedid;
  if (!callId) return undefined;
  switch (message.event) {
    case "DialBegin":
      // The caller's channel dials DestChannel: that endpoint rings.
      return {
        kind: "ringing",
        callId,
        extension: endpointOf(message.destchannel),
        caller: unknown(message.calleridnum),
        callee: unknown(message.exten) || unknown(message.dialstring),
        from: endpointOf(message.channel),
        time,
      };
    case "Newstate":
      // A ringing device's own channel: the caller is its connected line.
      if (message.channelstate !== RINGING_STATE) return undefined;
      return {
        kind: "ringing",
        callId,
        extension: endpointOf(message.channel),
        caller: unknown(message.connectedlinenum),
        callee: unknown(message.calleridnum) || endpointOf(message.channel),
        from: unknown(message.connectedlinenum),
        time,
      };
    case "DialEnd":
      return message.dialstatus === "ANSWER" ? { kind: "answered", callId, time } : undefined;
    case "BridgeEnter":
      return { kind: "answered", callId, time };
    case "Hangup":
      // The call ends with its first channel; other channels hang up around it.
      return message.uniqueid === callId ? { kind: "ended", callId, time } : undefined;
    default:
      return undefined;
  }
}
