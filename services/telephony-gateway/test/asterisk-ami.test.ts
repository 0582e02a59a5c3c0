import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import { fromBinary } from "@bufbuild/protobuf";
import { withTenant } from "@switchboard/db";
import { AuditEventSchema } from "@switchboard/proto/switchboard/audit/v1/audit_event_pb";
import { CallDirection, CallState } from "@switchboard/proto/switchboard/telephony/v1/events_pb";
import { PbxConnectionStatus, PbxVendor } from "@switchboard/proto/switchboard/telephony/v1/resources_pb";
import { Code, RpcError } from "@switchboard/rpc";
import { FakeAmi, inboundCall, outboundHandsetCall } from "./support/fake-ami.js";
import { eventually, Harness } from "./support/harness.js";

let harness: Harness;
let ami: FakeAmi;
let connectionId: string;
const userId = randomUUID();

async function failure(promise: Promise<unknown>): Promise<RpcError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(RpcError);
  return error as RpcError;
}

async function statusOf(id: string, tenantId = harness.tenantId) {
  const { connections } = await harness.connections.listPbxConnections({}, await harness.admin(tenantId));
  return connections.find((c) => c.id === id);
}

/** Drops the PBX's connections, as a restart would, and waits until the gateway has logged in again. */
async function dropAndWaitForLogin(): Promise<void> {
  const logins = ami.logins;
  ami.dropAll();
  await eventually("a new login", () => ami.logins > logins && ami.live.length > 0);
}

async function auditActions(tenantId = harness.tenantId) {
  // The outbox is the service's own, not per tenant: the tenant is in each event.
  const rows = await harness.database.db.selectFrom("event_outbox").select(["payload"]).orderBy("id").execute();
  return rows.map((row) => fromBinary(AuditEventSchema, row.payload)).filter((event) => event.tenantId === tenantId);
}

beforeAll(async () => {
  harness = await Harness.start("ami");
  ami = await FakeAmi.start();
  await harness.setRegion("NL");
  await harness.startReplica();
  connectionId = (await harness.createAmiConnection(ami.port)).id;
  await harness.connections.assignExtension({ userId, connectionId, extension: "1001" }, await harness.admin());
});

afterAll(async () => {
  await harness?.close();
  await ami?.close();
});

describe("connections", () => {
  it("logs in and shows CONNECTED, never returning the credentials", async () => {
    const connected = await eventually("CONNECTED", async () => (await statusOf(connectionId))?.status === PbxConnectionStatus.CONNECTED && statusOf(connectionId));
    expect(connected).toMatchObject({ name: "Head office", vendor: PbxVendor.ASTERISK_AMI, host: "127.0.0.1", port: ami.port, lastError: "" });
    expect(JSON.stringify(connected, (_, v) => (typeof v === "bigint" ? String(v) : v))).not.toContain("amp111");
    expect(ami.actions.find((a) => a.Action === "Login")).toMatchObject({ Username: "switchboard", Secret: "amp111", Events: "call" });
    const stored = await withTenant(harness.database.db, harness.tenantId, (trx) => trx.selectFrom("pbx_connection").select("credentials").where("id", "=", connectionId).executeTakeFirstOrThrow());
    expect(stored.credentials.toString("latin1")).not.toContain("amp111");
  });

  it("shows FAILED with the PBX's reason when the login is refused, and keeps retrying", async () => {
    const wrong = await harness.createAmiConnection(ami.port, { secret: "wrong", name: "Wrong secret" });
    const failed = await eventually("FAILED", async () => {
      const status = await statusOf(wrong.id);
      return status?.status === PbxConnectionStatus.FAILED && status;
    });
    expect(failed.lastError).toMatch(/refused the login \(Authentication failed\).*secret/);
    const attempts = () => ami.actions.filter((a) => a.Action === "Login" && a.Secret === "wrong").length;
    await eventually("a retry", () => attempts() >= 2);
    await harness.connections.deletePbxConnection({ id: wrong.id }, await harness.admin());
  });

  it("refuses bad connection requests with the field to fix", async () => {
    const admin = await harness.admin();
    const bad = await failure(harness.connections.createPbxConnection({ name: "", vendor: PbxVendor.UNSPECIFIED, host: "x", port: 1, username: "", secret: "" }, admin));
    expect(bad.code).toBe(Code.InvalidArgument);
    expect(bad.message).toMatch(/name/);
    expect(bad.message).toMatch(/vendor/);
    const settings = await failure(
      harness.connections.createPbxConnection({ name: "x", vendor: PbxVendor.ASTERISK_AMI, host: "pbx.example", port: 70_000, username: "u", secret: "s", settings: { colour: "blue" } }, admin),
    );
    expect(settings.message).toMatch(/port/);
    expect(settings.message).toMatch(/settings/);
  });

  it("lets only tenant admins manage connections and keeps tenants apart", async () => {
    const agent = await failure(harness.connections.listPbxConnections({}, await harness.agent(userId)));
    expect(agent.code).toBe(Code.PermissionDenied);
    const otherTenant = randomUUID();
    const { connections } = await harness.connections.listPbxConnections({}, await harness.admin(otherTenant));
    expect(connections).toEqual([]);
    const deleted = await failure(harness.connections.deletePbxConnection({ id: connectionId }, await harness.admin(otherTenant)));
    expect(deleted.code).toBe(Code.NotFound);
  });
});

describe("inbound calls", () => {
  it("publishes RINGING, ANSWERED and ENDED once each, with E.164 numbers and the extension's user", async () => {
    await eventually("login", () => ami.live.length > 0);
    const callId = `1700000000.${Math.floor(Math.random() * 1e6)}`;
    for (const event of inboundCall(callId, "0356990230", "1001")) await ami.emit(event);
    const events = await harness.wholeCall(callId);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await harness.callEvents((e) => e.callId === callId)).length).toBe(3);
    expect(events.map((e) => e.state)).toEqual([CallState.RINGING, CallState.ANSWERED, CallState.ENDED]);
    for (const event of events) {
      expect(event).toMatchObject({ tenantId: harness.tenantId, connectionId, direction: CallDirection.INBOUND, extension: "1001", userIds: [userId] });
      expect(event.caller).toMatchObject({ raw: "0356990230", e164: "+31356990230" });
      expect(event.callee).toMatchObject({ raw: "0201234567", e164: "+31201234567" });
    }
  });

  it("reports a number dialled from the handset as the extension's OUTBOUND call, not a ring at the trunk", async () => {
    const callId = `1700000002.${Math.floor(Math.random() * 1e6)}`;
    for (const event of outboundHandsetCall(callId, "1001", "0356990230")) await ami.emit(event);
    await harness.expectOutboundHandsetCall(callId, "1001", userId, { raw: "0356990230", e164: "+31356990230" });
  });

  it("recognises a ring from Newstate ChannelState 5 alone, caller in ConnectedLineNum", async () => {
    const callId = `1700000001.${Math.floor(Math.random() * 1e6)}`;
    await ami.emit({ Event: "Newstate", Channel: "PJSIP/1001-0000000a", Uniqueid: `${callId}.9`, Linkedid: callId, ChannelState: 5, ChannelStateDesc: "Ringing", CallerIDNum: "1001", ConnectedLineNum: "+32 2 555 12 12" });
    await ami.emit({ Event: "Hangup", Channel: "PJSIP/trunk-0000000b", Uniqueid: callId, Linkedid: callId, Cause: 16 });
    const events = await eventually("ring and end", async () => {
      const found = await harness.callEvents((e) => e.callId === callId);
      return found.length >= 2 && found;
    });
    expect(events.map((e) => e.state)).toEqual([CallState.RINGING, CallState.ENDED]);
    expect(events[0]!.caller).toMatchObject({ raw: "+32 2 555 12 12", e164: "+3225551212" });
    expect(events[0]!.userIds).toEqual([userId]);
  });

  it("reads messages split across many TCP reads", async () => {
    const callId = `1700000002.${Math.floor(Math.random() * 1e6)}`;
    ami.splitWrites = true;
    try {
      for (const event of inboundCall(callId, "+31 6 12345678", "1001")) await ami.emit(event);
    } finally {
      ami.splitWrites = false;
    }
    const events = await harness.wholeCall(callId);
    expect(events[0]?.caller?.e164).toBe("+31612345678");
  });
});

describe("click-to-dial", () => {
  it("sends an Originate that rings the agent's extension first, then dials the number", async () => {
    await eventually("login", () => ami.live.length > 0);
    const response = await harness.telephony.dial({ number: "035 699 02 30" }, await harness.agent(userId));
    expect(response).toMatchObject({ normalizedNumber: "+31356990230", connectionId });
    const originate = await eventually("Originate", () => ami.actions.find((a) => a.Action === "Originate" && a.ChannelId === response.callId));
    expect(originate).toMatchObject({ Channel: "PJSIP/1001", Context: "from-internal", Exten: "0356990230", Priority: "1", Async: "true" });

    // The agent's phone rings first: an outbound call, with Dial's numbers.
    await ami.emit({ Event: "Newstate", Channel: "PJSIP/1001-00000010", Uniqueid: response.callId, Linkedid: response.callId, ChannelState: 5, CallerIDNum: "1001", ConnectedLineNum: "0356990230" });
    const [ringing] = await eventually("ringing", async () => {
      const found = await harness.callEvents((e) => e.callId === response.callId);
      return found.length >= 1 && found;
    });
    expect(ringing).toMatchObject({ direction: CallDirection.OUTBOUND, extension: "1001", userIds: [userId] });
    expect(ringing?.callee?.e164).toBe("+31356990230");
  });

  it("audits every dial without the number in clear", async () => {
    const { callId } = await harness.telephony.dial({ number: "+31 35 699 02 31" }, await harness.agent(userId));
    const audit = (await auditActions()).find((e) => e.action === "telephony.call.dialled" && e.resource?.id === callId);
    expect(audit).toBeDefined();
    expect(audit!.actor?.id).toBe(userId);
    expect(audit!.details.connection_id).toBe(connectionId);
    expect(audit!.details.number_index).toMatch(/^[0-9a-f]{64}$/);
    // The index and the connection id are hex, so a short digit run like "699" turns up in them
    // by chance (about 1 run in 50): short forms are looked for only in the other details.
    const { number_index: _index, connection_id: _connection, ...rest } = audit!.details as Record<string, unknown>;
    expect(JSON.stringify(rest)).not.toMatch(/699|\+31/);
    expect(JSON.stringify(audit!.details)).not.toMatch(/356990231|3569902|\+31/);
    const actions = (await auditActions()).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(["telephony.connection.created", "telephony.extension.assigned", "telephony.connection.deleted"]));
  });

  it("answers INVALID_ARGUMENT for garbage and FAILED_PRECONDITION without an extension", async () => {
    const garbage = await failure(harness.telephony.dial({ number: "call me maybe" }, await harness.agent(userId)));
    expect(garbage.code).toBe(Code.InvalidArgument);
    expect(garbage.message).toMatch(/number/);
    const stranger = await failure(harness.telephony.dial({ number: "+31356990230" }, await harness.agent(randomUUID())));
    expect(stranger.code).toBe(Code.FailedPrecondition);
    expect(stranger.message).toMatch(/AssignExtension/);
    const denied = await failure(harness.telephony.dial({ number: "+31356990230" }, await harness.as(["tenant-auditor"])));
    expect(denied.code).toBe(Code.PermissionDenied);
  });

  it("answers UNAVAILABLE when the agent's PBX is down", async () => {
    const down = await FakeAmi.start();
    const port = down.port;
    await down.close();
    const tenantId = randomUUID();
    const agentId = randomUUID();
    const connection = await harness.createAmiConnection(port, { tenantId });
    await harness.connections.assignExtension({ userId: agentId, connectionId: connection.id, extension: "2001" }, await harness.admin(tenantId));
    await eventually("FAILED", async () => (await statusOf(connection.id, tenantId))?.status === PbxConnectionStatus.FAILED);
    const error = await failure(harness.telephony.dial({ number: "+31356990230" }, await harness.agent(agentId, tenantId)));
    expect(error.code).toBe(Code.Unavailable);
    expect(error.message).toMatch(/connection refused/);
    const audit = (await auditActions(tenantId)).find((e) => e.action === "telephony.call.dialled");
    expect(audit?.details.reason).toBe("unavailable");
  });
});

describe("supervision", () => {
  it("reconnects after the PBX drops the connection, and events flow again", async () => {
    await eventually("login", () => ami.live.length > 0);
    await dropAndWaitForLogin();
    await eventually("CONNECTED", async () => (await statusOf(connectionId))?.status === PbxConnectionStatus.CONNECTED);
    const callId = `1700000003.${Math.floor(Math.random() * 1e6)}`;
    for (const event of inboundCall(callId, "0356990230", "1001")) await ami.emit(event);
    await eventually("events after the reconnect", async () => (await harness.callEvents((e) => e.callId === callId)).length === 3);
  });

  it("asks the PBX for its calls when the link comes back: one that ended meanwhile is ENDED, one answered meanwhile ANSWERED", async () => {
    await eventually("login", () => ami.live.length > 0);
    const gone = `1700000004.${Math.floor(Math.random() * 1e6)}`;
    const answered = `1700000005.${Math.floor(Math.random() * 1e6)}`;
    // Both ring while the link is up: DialBegin and Newstate, no more.
    for (const callId of [gone, answered]) for (const event of inboundCall(callId, "0356990230", "1001").slice(0, 4)) await ami.emit(event);
    await eventually("two rings", async () => (await harness.callEvents((e) => e.callId === gone || e.callId === answered)).length === 2);

    // The link drops; meanwhile one call ends and the other is answered (the phone and the trunk now share a bridge).
    ami.channels = [
      { Channel: "PJSIP/trunk-00000001", ChannelState: 6, ChannelStateDesc: "Up", Uniqueid: answered, Linkedid: answered, CallerIDNum: "0356990230", Exten: "0201234567", BridgeId: "b-7", Duration: "00:00:42" },
      { Channel: "PJSIP/1001-00000002", ChannelState: 6, ChannelStateDesc: "Up", Uniqueid: `${answered}.2`, Linkedid: answered, CallerIDNum: "1001", ConnectedLineNum: "0356990230", BridgeId: "b-7", Duration: "00:00:40" },
    ];
    try {
      await dropAndWaitForLogin();
      expect(ami.actions.filter((a) => a.Action === "CoreShowChannels").length).toBeGreaterThan(0);
      const states = async (callId: string) => (await harness.callEvents((e) => e.callId === callId)).map((e) => e.state);
      await eventually("the missed end", async () => (await states(gone)).length === 2);
      await eventually("the missed answer", async () => (await states(answered)).length === 2);
      expect(await states(gone)).toEqual([CallState.RINGING, CallState.ENDED]);
      expect(await states(answered)).toEqual([CallState.RINGING, CallState.ANSWERED]);
      const [ended] = await harness.callEvents((e) => e.callId === gone && e.state === CallState.ENDED);
      expect(ended).toMatchObject({ extension: "1001", userIds: [userId], caller: { raw: "0356990230", e164: "+31356990230" } });

      // Its hang-up is reported as usual.
      ami.channels = [];
      await ami.emit({ Event: "Hangup", Channel: "PJSIP/trunk-00000001", Uniqueid: answered, Linkedid: answered, Cause: 16 });
      await eventually("the end", async () => (await states(answered)).length === 3);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await states(answered)).toEqual([CallState.RINGING, CallState.ANSWERED, CallState.ENDED]);
    } finally {
      ami.channels = [];
    }
  });

  it("applies events that arrive while the calls are being listed after the list, in order", async () => {
    await eventually("login", () => ami.live.length > 0);
    const callId = `1700000007.${Math.floor(Math.random() * 1e6)}`;
    const [trunk, phone] = [
      { Channel: "PJSIP/trunk-00000001", Uniqueid: callId, Linkedid: callId },
      { Channel: "PJSIP/1001-00000002", Uniqueid: `${callId}.2`, Linkedid: callId },
    ];
    // Ringing when listed (first seen now), answered by an event written in the middle of the list.
    ami.channels = [
      { ...trunk, ChannelState: 4, ChannelStateDesc: "Ring", CallerIDNum: "0356990230", Exten: "0201234567", BridgeId: "", Duration: "00:00:03" },
      { ...phone, ChannelState: 5, ChannelStateDesc: "Ringing", CallerIDNum: "1001", ConnectedLineNum: "0356990230", BridgeId: "", Duration: "00:00:02" },
    ];
    ami.duringChannelList = [{ Event: "BridgeEnter", ...phone, BridgeUniqueid: "b-8" }];
    try {
      await dropAndWaitForLogin();
      await eventually("ring and answer", async () => (await harness.callEvents((e) => e.callId === callId)).length === 2);
      expect((await harness.callEvents((e) => e.callId === callId)).map((e) => e.state)).toEqual([CallState.RINGING, CallState.ANSWERED]);
    } finally {
      ami.channels = [];
      ami.duringChannelList = [];
    }
  });

  it("keeps the link when the manager user may not list channels, and events still flow", async () => {
    ami.refuseChannelList = true;
    try {
      await dropAndWaitForLogin();
      await eventually("CONNECTED", async () => (await statusOf(connectionId))?.status === PbxConnectionStatus.CONNECTED);
      const callId = `1700000006.${Math.floor(Math.random() * 1e6)}`;
      for (const event of inboundCall(callId, "0356990230", "1001")) await ami.emit(event);
      await eventually("events without the list", async () => (await harness.callEvents((e) => e.callId === callId)).length === 3);
    } finally {
      ami.refuseChannelList = false;
    }
  });

  it("cuts a PBX that sends garbage, retries it, and leaves other tenants' links alone", async () => {
    const other = await FakeAmi.start();
    const otherTenant = randomUUID();
    try {
      await harness.createAmiConnection(other.port, { tenantId: otherTenant });
      await eventually("other login", () => other.live.length === 1);
      await eventually("login", () => ami.live.length > 0);
      const logins = ami.logins;
      await ami.raw("\u0000\u0001 this is not AMI\r\n\r\n");
      await eventually("a new login after the garbage", () => ami.logins > logins && ami.live.length > 0);
      const status = await statusOf(connectionId);
      expect(status?.lastError === "" || /garbage/.test(status!.lastError)).toBe(true);
      expect(other.logins).toBe(1);
      expect(other.live.length).toBe(1);
    } finally {
      await other.close();
    }
  });

  it("cuts an oversized message", async () => {
    await eventually("login", () => ami.live.length > 0);
    const logins = ami.logins;
    await ami.raw(`Event: Newchannel\r\nPadding: ${"x".repeat(20_000)}\r\n\r\n`);
    await eventually("a new login after the oversized frame", () => ami.logins > logins && ami.live.length > 0);
  });
});
