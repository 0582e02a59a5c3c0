import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CallState } from "@switchboard/proto/switchboard/telephony/v1/events_pb";
import { PbxConnectionStatus } from "@switchboard/proto/switchboard/telephony/v1/resources_pb";
import { FakeAmi, inboundCall } from "./support/fake-ami.js";
import { preferredReplica } from "../src/supervision/rendezvous.js";
import { eventually, Harness } from "./support/harness.js";

let harness: Harness;
let ami: FakeAmi;

beforeAll(async () => {
  harness = await Harness.start("ownership");
  ami = await FakeAmi.start();
  await harness.setRegion("NL");
});

afterAll(async () => {
  await harness?.close();
  await ami?.close();
});

describe("two replicas", () => {
  it("hold each connection once: one login, one event stream, and a takeover when the holder dies", async () => {
    const first = await harness.startReplica("replica-a", { leaseTtlMs: 1_500 });
    const second = await harness.startReplica("replica-b", { leaseTtlMs: 1_500 });
    const id = (await harness.createAmiConnection(ami.port, { name: "Shared" })).id;
    await eventually("login", () => ami.live.length === 1);
    // Several reconciliations later there is still exactly one holder and one link.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(ami.live.length).toBe(1);
    const holders = [first, second].filter((r) => r.supervisor.held().includes(id));
    expect(holders.length).toBe(1);

    const callId = `1700000100.${Math.floor(Math.random() * 1e6)}`;
    for (const event of inboundCall(callId, "0356990230", "1001")) await ami.emit(event);
    await eventually("three events", async () => (await harness.callEvents((e) => e.callId === callId)).length >= 3);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await harness.callEvents((e) => e.callId === callId)).map((e) => e.state)).toEqual([CallState.RINGING, CallState.ANSWERED, CallState.ENDED]);

    // The holder goes away; the other replica takes the connection over.
    const holder = holders[0]!;
    const survivor = holder === first ? second : first;
    await holder.stop();
    await eventually("takeover", () => survivor.supervisor.held().includes(id) && ami.live.length === 1, 10_000);
    const { connections } = await harness.connections.listPbxConnections({}, await harness.admin());
    await eventually("CONNECTED after takeover", async () => {
      const list = await harness.connections.listPbxConnections({}, await harness.admin());
      return list.connections.find((c) => c.id === id)?.status === PbxConnectionStatus.CONNECTED;
    });
    expect(connections.length).toBe(1);
  });

  it("a replica that takes a connection over mid-call reports that call's answer and end, and its ring only once", async () => {
    for (const replica of [...harness.replicas]) await replica.stop();
    const pbx = await FakeAmi.start();
    try {
      const first = await harness.startReplica("midcall-a", { leaseTtlMs: 1_500 });
      const second = await harness.startReplica("midcall-b", { leaseTtlMs: 1_500 });
      const id = (await harness.createAmiConnection(pbx.port, { name: "Mid-call" })).id;
      await eventually("login", () => pbx.live.length === 1);
      const callId = `1700000200.${Math.floor(Math.random() * 1e6)}`;
      const events = inboundCall(callId, "0356990230", "1001");
      // The call rings at the first holder (DialBegin, Newstate Ringing) …
      for (const event of events.slice(0, 4)) await pbx.emit(event);
      await eventually("the ring", async () => (await harness.callEvents((e) => e.callId === callId)).length === 1);
      // … which goes away while the phone still rings.
      pbx.channels = [
        { Channel: "PJSIP/trunk-00000001", ChannelState: 4, ChannelStateDesc: "Ring", Uniqueid: callId, Linkedid: callId, CallerIDNum: "0356990230", Exten: "0201234567", BridgeId: "", Duration: "00:00:09" },
        { Channel: "PJSIP/1001-00000002", ChannelState: 5, ChannelStateDesc: "Ringing", Uniqueid: `${callId}.2`, Linkedid: callId, CallerIDNum: "1001", ConnectedLineNum: "0356990230", BridgeId: "", Duration: "00:00:08" },
      ];
      const holder = [first, second].find((r) => r.supervisor.held().includes(id))!;
      const survivor = holder === first ? second : first;
      const lists = () => pbx.actions.filter((a) => a.Action === "CoreShowChannels").length;
      const listedBefore = lists();
      await holder.stop();
      await eventually("takeover", () => survivor.supervisor.held().includes(id) && pbx.live.length === 1, 10_000);
      // The new holder's own list (the first holder asked too, when it logged in).
      await eventually("the new holder's list", () => lists() > listedBefore);
      // Its answer is written before the next events, so they reach the adapter after the list.

      // The new holder sees the answer and the hang-up.
      pbx.channels = [];
      for (const event of events.slice(4)) await pbx.emit(event);
      await eventually("answer and end", async () => (await harness.callEvents((e) => e.callId === callId)).length >= 3);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const seen = await harness.callEvents((e) => e.callId === callId);
      // The survivor reported the ring as well, under the same event id: the stream kept one.
      expect(seen.map((e) => e.state)).toEqual([CallState.RINGING, CallState.ANSWERED, CallState.ENDED]);
      for (const event of seen) expect(event.caller).toMatchObject({ raw: "0356990230", e164: "+31356990230" });
    } finally {
      await pbx.close();
    }
  });

  it("spreads connections over replicas as rendezvous hashing says", async () => {
    for (const replica of [...harness.replicas]) await replica.stop();
    const replicas = [await harness.startReplica("spread-1"), await harness.startReplica("spread-2")];
    const names = replicas.map((r) => r.owner);
    const fakes = await Promise.all([1, 2, 3, 4, 5, 6].map(() => FakeAmi.start()));
    try {
      const ids: string[] = [];
      for (const [index, fake] of fakes.entries()) {
        ids.push((await harness.createAmiConnection(fake.port, { name: `PBX ${index}` })).id);
      }
      // Once the stopped replicas' heartbeats have expired, each connection
      // sits with the replica rendezvous hashing prefers among the live two.
      await eventually(
        "connections with their preferred replicas",
        () => replicas.every((r) => ids.filter((id) => preferredReplica(id, names) === r.owner).every((id) => r.supervisor.held().includes(id))),
        15_000,
      );
      await eventually("every PBX logged in once", () => fakes.every((fake) => fake.live.length === 1), 10_000);
      const all = replicas.flatMap((r) => r.supervisor.held()).filter((id) => ids.includes(id));
      expect(all.sort()).toEqual([...ids].sort());
    } finally {
      await Promise.all(fakes.map((fake) => fake.close()));
    }
  });
});
