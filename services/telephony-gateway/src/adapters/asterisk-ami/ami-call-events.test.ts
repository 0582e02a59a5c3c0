import { describe, expect, it } from "vitest";
import { amiCallsInProgress } from "./ami-call-events.js";

// CoreShowChannel events as the framing reads them: keys lower-cased.
const channel = (fields: Record<string, string>) => Object.fromEntries(Object.entries(fields).map(([k, v]) => [k.toLowerCase(), v]));
const now = new Date("2026-12-05T10:00:00Z");

describe("amiCallsInProgress", () => {
  it("reads a ringing inbound call as DialBegin would: caller and dialled number from the call's first channel", () => {
    const calls = amiCallsInProgress(
      [
        channel({ Channel: "PJSIP/trunk-00000001", ChannelState: "4", Uniqueid: "c1", Linkedid: "c1", CallerIDNum: "0356990230", Exten: "0201234567", BridgeId: "", Duration: "00:00:07" }),
        channel({ Channel: "PJSIP/1001-00000002", ChannelState: "5", Uniqueid: "c1.2", Linkedid: "c1", CallerIDNum: "1001", ConnectedLineNum: "0356990230", BridgeId: "", Duration: "00:00:05" }),
      ],
      now,
    );
    expect(calls).toEqual([
      {
        ring: { kind: "ringing", callId: "c1", extension: "1001", caller: "0356990230", callee: "0201234567", from: "trunk", time: new Date("2026-12-05T09:59:55Z") },
        answered: false,
      },
    ]);
  });

  it("reads a bridged call as answered at the extension that took it", () => {
    const calls = amiCallsInProgress([
      channel({ Channel: "PJSIP/trunk-00000003", ChannelState: "6", Uniqueid: "c2", Linkedid: "c2", CallerIDNum: "+3225551212", Exten: "0201234567", BridgeId: "b-9", Duration: "00:03:00" }),
      channel({ Channel: "PJSIP/1002-00000004", ChannelState: "6", Uniqueid: "c2.2", Linkedid: "c2", CallerIDNum: "1002", ConnectedLineNum: "+3225551212", BridgeId: "b-9", Duration: "00:02:50" }),
    ]);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ answered: true, ring: { callId: "c2", extension: "1002", caller: "+3225551212", callee: "0201234567" } });
  });

  it("leaves out calls that ring nobody yet, and channels without a Linkedid", () => {
    expect(
      amiCallsInProgress([
        channel({ Channel: "PJSIP/trunk-00000005", ChannelState: "6", Uniqueid: "c3", Linkedid: "c3", CallerIDNum: "0356990230", Application: "Queue", BridgeId: "" }),
        channel({ Channel: "PJSIP/1003-00000006", ChannelState: "5", Uniqueid: "x" }),
      ]),
    ).toEqual([]);
  });

  it("takes the ring time as now when the duration is unreadable", () => {
    const [call] = amiCallsInProgress([channel({ Channel: "PJSIP/1001-0000000a", ChannelState: "5", Uniqueid: "c4.2", Linkedid: "c4", ConnectedLineNum: "0356990230", Duration: "soon" })], now);
    expect(call!.ring).toMatchObject({ time: now, caller: "0356990230", callee: "1001", from: "0356990230" });
  });
});
