// End to end: identity and telephony-gateway, built and in their own
// processes as `make up` runs them, behind the gateway's production route
// table, with a fake Asterisk speaking AMI over a real socket. The demo
// admin connects the PBX and gives the agent an extension through the
// gateway; the agent's Dial reaches the PBX as an Originate; an inbound call
// reaches JetStream as normalised call events.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import { fromBinary } from "@bufbuild/protobuf";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { CallEventSchema, CallState, type CallEvent } from "@switchboard/proto/switchboard/telephony/v1/events_pb";
import { FakeAmi, inboundCall } from "../../telephony-gateway/test/support/fake-ami.js";
import { startBuiltIdentity, startBuiltTelephony, telephonyRegionLearnt, type BuiltService } from "./fixtures/built-services.js";
import { demo, startEdge, type Edge } from "./fixtures/edge.js";

let identity: BuiltService;
let telephony: BuiltService;
let edge: Edge;
let pbx: FakeAmi;
let nc: NatsConnection;

beforeAll(async () => {
  pbx = await FakeAmi.start("switchboard", "Amp-Secret-31");
  nc = await connect({ servers: process.env.NATS_URL });
  identity = await startBuiltIdentity(demo);
  telephony = await startBuiltTelephony(identity.target);
  edge = await startEdge({ identity: identity.target, telephony: telephony.target });
}, 90_000);

afterAll(async () => {
  await edge?.close();
  await telephony?.stop();
  await identity?.stop();
  await nc?.close();
  await pbx?.close();
});

describe("telephony through the gateway, with the demo organisation", () => {
  it("connects an AMI peer, dials for the agent on their extension, and publishes an inbound call normalised", async () => {
    const admin = await edge.signIn(demo.admin);
    expect(await telephonyRegionLearnt(telephony, admin)).toBe("NL");
    const created = await edge.call(
      "telephony.v1.PbxConnectionService/CreatePbxConnection",
      { name: "Office Asterisk", vendor: "PBX_VENDOR_ASTERISK_AMI", host: "127.0.0.1", port: pbx.port, username: "switchboard", secret: "Amp-Secret-31" },
      admin,
    );
    expect(created.status).toBe(200);
    const connectionId: string = created.json.connection.id;
    expect(JSON.stringify(created.json)).not.toContain("Amp-Secret-31");

    const status = async () => (await edge.call("telephony.v1.PbxConnectionService/ListPbxConnections", {}, admin)).json.connections?.find((c: { id: string }) => c.id === connectionId)?.status;
    await expect.poll(status, { timeout: 15_000 }).toBe("PBX_CONNECTION_STATUS_CONNECTED");

    const users = await edge.call("identity.v1.UserService/ListUsers", {}, admin);
    const agentId: string = users.json.users.find((u: { username: string }) => u.username === "agent").id;
    const assigned = await edge.call("telephony.v1.PbxConnectionService/AssignExtension", { userId: agentId, connectionId, extension: "1001" }, admin);
    expect(assigned.status).toBe(200);
    // identity answers for the admin's own organisation: an unknown user gets no extension.
    const nobody = await edge.call("telephony.v1.PbxConnectionService/AssignExtension", { userId: "00000000-0000-4000-8000-000000000001", connectionId, extension: "1009" }, admin);
    expect(nobody).toMatchObject({ status: 404, json: { code: "not_found" } });
    expect(nobody.json.message).toContain("00000000-0000-4000-8000-000000000001");

    // Click-to-dial: the agent's own extension rings first, then the number (national form, NL) is dialled.
    const agent = await edge.signIn(demo.agent);
    const dialled = await edge.call("telephony.v1.TelephonyService/Dial", { number: "+31 35 699 0230" }, agent);
    expect(dialled.status).toBe(200);
    await expect.poll(() => pbx.actions.filter((a) => a.Action === "Originate").length, { timeout: 10_000 }).toBe(1);
    const originate = pbx.actions.find((a) => a.Action === "Originate")!;
    expect(String(originate.Channel)).toContain("1001");
    expect(String(originate.Exten)).toBe("0356990230");
    const garbage = await edge.call("telephony.v1.TelephonyService/Dial", { number: "call me maybe" }, agent);
    expect(garbage).toMatchObject({ status: 400, json: { code: "invalid_argument" } });

    // Inbound: an outside caller rings extension 1001.
    const received: CallEvent[] = [];
    const subscription = nc.subscribe("switchboard.calls.call.*", {
      callback: (_error, message) => {
        const event = fromBinary(CallEventSchema, message.data);
        if (event.connectionId === connectionId) received.push(event);
      },
    });
    try {
      const linkedid = `${Date.now()}.${randomUUID().slice(0, 4)}`;
      for (const event of inboundCall(linkedid, "0356990230", "1001")) await pbx.emit(event);
      await expect.poll(() => received.map((e) => e.state), { timeout: 10_000 }).toEqual([CallState.RINGING, CallState.ANSWERED, CallState.ENDED]);
      expect(received[0]).toMatchObject({ extension: "1001", userIds: [agentId], caller: { raw: "0356990230", e164: "+31356990230" } });
    } finally {
      subscription.unsubscribe();
    }
  });

  it("refuses an agent who tries to manage PBX connections", async () => {
    const denied = await edge.call("telephony.v1.PbxConnectionService/ListPbxConnections", {}, await edge.signIn(demo.agent));
    expect(denied).toMatchObject({ status: 403, json: { code: "permission_denied" } });
  });
});
