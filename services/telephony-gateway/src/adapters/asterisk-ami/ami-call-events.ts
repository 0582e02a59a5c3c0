import type { CallInProgress, CallSignal } from "../../domain/call-signals.js";
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

/** "HH:MM:SS" (CoreShowChannel's Duration) in milliseconds; 0 when unreadable. */
function durationMs(value: string | undefined): number {
  const parts = /^(\d+):(\d{2}):(\d{2})$/.exec(value ?? "");
  return parts ? ((Number(parts[1]) * 60 + Number(parts[2])) * 60 + Number(parts[3])) * 1000 : 0;
}

/**
 * The calls in progress from a CoreShowChannels list (one CoreShowChannel
 * event per channel), read as the live events would have been: a channel
 * in state Ringing is the ring (as Newstate 5), a channel in a bridge means
 * the call was answered, and the call's other channel is the extension that
 * took it; the call's first channel (Uniqueid = Linkedid) says who called
 * which number, as in DialBegin. Calls with neither (still in an IVR or a queue, not ringing
 * anyone yet) are left to their live events.
 */
export function amiCallsInProgress(channels: readonly AmiMessage[], now = new Date()): CallInProgress[] {
  const byCall = new Map<string, AmiMessage[]>();
  for (const channel of channels) {
    const callId = channel.linkedid;
    if (!callId) continue;
    const members = byCall.get(callId);
    if (members) members.push(channel);
    else byCall.set(callId, [channel]);
  }
  const calls: CallInProgress[] = [];
  for (const [callId, members] of byCall) {
    const answered = members.some((c) => !!c.bridgeid);
    // The extension's channel: the one ringing, else (answered) the bridged one that did not start the call.
    const reached = members.find((c) => c.channelstate === RINGING_STATE) ?? (answered ? members.find((c) => !!c.bridgeid && c.uniqueid !== callId) : undefined);
    if (!reached) continue;
    // The call's first channel says who called what, as DialBegin would; the reached channel's connected line otherwise.
    const origin = members.find((c) => c.uniqueid === callId && c !== reached);
    calls.push({
      ring: {
        kind: "ringing",
        callId,
        extension: endpointOf(reached.channel),
        caller: unknown(origin?.calleridnum) || unknown(reached.connectedlinenum),
        callee: unknown(origin?.exten) || unknown(reached.calleridnum) || endpointOf(reached.channel),
        from: (origin && endpointOf(origin.channel)) || unknown(reached.connectedlinenum),
        // When this channel began to ring, as near as the list tells (whole seconds).
        time: new Date(now.getTime() - durationMs(reached.duration)),
      },
      answered,
    });
  }
  return calls;
}
