import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import { sql } from "kysely";
import { CallDirection, CallState } from "@switchboard/proto/switchboard/telephony/v1/events_pb";
import { PbxConnectionStatus, PbxVendor } from "@switchboard/proto/switchboard/telephony/v1/resources_pb";
import { EXTENSIONS_CHANGED } from "../src/store/extensions.js";
import { FakeEsl, inboundEslCall, outboundHandsetEslCall } from "./support/fake-esl.js";
import { eventually, Harness } from "./support/harness.js";

let harness: Harness;
let esl: FakeEsl;
let connectionId: string;
const userId = randomUUID();

async function statusOf(id: string) {
  const { connections } = await harness.connections.listPbxConnections({}, await harness.admin());
  return connections.find((c) => c.id === id);
}

async function createEslConnection(password: string, name = "FreeSWITCH") {
  const { connection } = await harness.connections.createPbxConnection(
    { name, vendor: PbxVendor.FREESWITCH_ESL, host: "127.0.0.1", port: esl.port, secret: password, settings: { context: "public-dial" } },
    await harness.admin(),
  );
  return connection!;
}

beforeAll(async () => {
  harness = await Harness.start("esl");
  esl = await FakeEsl.start();
  await harness.setRegion("DE");
  await harness.startReplica();
  connectionId = (await createEslConnection("ClueCon")).id;
  await harness.connections.assignExtension({ userId, connectionId, extension: "1001" }, await harness.admin());
});

afterAll(async () => {
  await harness?.close();
  await esl?.close();
});

describe("FreeSWITCH event socket", () => {
  it("authenticates, subscribes to channel events and shows CONNECTED", async () => {
    await eventually("CONNECTED", async () => (await statusOf(connectionId))?.status === PbxConnectionStatus.CONNECTED);
    expect(esl.commands).toEqual(expect.arrayContaining(["auth ClueCon", "event plain CHANNEL_CREATE CHANNEL_ANSWER CHANNEL_HANGUP_COMPLETE BACKGROUND_JOB"]));
  });

  it("shows FAILED when the password is refused", async () => {
    const wrong = await createEslConnection("nope", "Wrong password");
    const failed = await eventually("FAILED", async () => {
      const status = await statusOf(wrong.id);
      return status?.status === PbxConnectionStatus.FAILED && status;
    });
    expect(failed.lastError).toMatch(/refused the password/);
    await harness.connections.deletePbxConnection({ id: wrong.id }, await harness.admin());
  });

  it("turns channel events into RINGING, ANSWERED and ENDED with E.164 numbers, even split across reads", async () => {
    await eventually("auth", () => esl.live.length > 0);
    const callId = randomUUID();
    esl.splitWrites = true;
    try {
      for (const event of inboundEslCall(callId, "030 1234567", "1001")) await esl.emit(event);
    } finally {
      esl.splitWrites = false;
    }
    const events = await harness.wholeCall(callId);
    expect(events.map((e) => e.state)).toEqual([CallState.RINGING, CallState.ANSWERED, CallState.ENDED]);
    expect(events[0]).toMatchObject({ direction: CallDirection.INBOUND, extension: "1001", userIds: [userId] });
    expect(events[0]?.caller).toMatchObject({ raw: "030 1234567", e164: "+49301234567" });
  });

  it("reports a number dialled from the handset as the extension's OUTBOUND call, not a ring at the gateway", async () => {
    await eventually("auth", () => esl.live.length > 0);
    const callId = randomUUID();
    for (const event of outboundHandsetEslCall(callId, "1001", "030 9876543")) await esl.emit(event);
    await harness.expectOutboundHandsetCall(callId, "1001", userId, { raw: "030 9876543", e164: "+49309876543" });
  });

  it("learns an extension assigned while its notification connection was down", async () => {
    await eventually("auth", () => esl.live.length > 0);
    const colleague = randomUUID();
    // Cut the supervisor's LISTEN connection: the assignment's NOTIFY reaches nobody,
    // and only the listener's catch-up after reconnecting can tell the replica.
    const { rows } = await sql<{ cut: boolean }>`SELECT pg_terminate_backend(pid) AS cut FROM pg_stat_activity
      WHERE datname = current_database() AND query = ${`LISTEN "${EXTENSIONS_CHANGED}"`}`.execute(harness.database.db);
    expect(rows.length).toBeGreaterThan(0);
    await harness.connections.assignExtension({ userId: colleague, connectionId, extension: "1002" }, await harness.admin());
    const events = await eventually("the ring at 1002 with its user", async () => {
      const callId = randomUUID();
      for (const event of inboundEslCall(callId, "030 1234567", "1002")) await esl.emit(event);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const found = await harness.callEvents((e) => e.callId === callId && e.state === CallState.RINGING);
      return found[0]?.userIds.length ? found : false;
    });
    expect(events[0]).toMatchObject({ extension: "1002", userIds: [colleague] });
  });

  it("places Dial with bgapi originate: the extension first, then the number in the configured context", async () => {
    await eventually("auth", () => esl.live.length > 0);
    const { callId } = await harness.telephony.dial({ number: "+49 30 1234567" }, await harness.agent(userId));
    const command = await eventually("bgapi originate", () => esl.commands.find((c) => c.startsWith("bgapi originate") && c.includes(callId)));
    expect(command).toMatch(new RegExp(`^bgapi originate \\{origination_uuid=${callId},[^}]*\\}user/1001 0301234567 XML public-dial\\nJob-UUID: `));
  });

  it("reconnects after FreeSWITCH drops the socket", async () => {
    await eventually("auth", () => esl.live.length > 0);
    const logins = esl.logins;
    esl.dropAll();
    await eventually("re-auth", () => esl.logins > logins && esl.live.length > 0);
    await eventually("CONNECTED", async () => (await statusOf(connectionId))?.status === PbxConnectionStatus.CONNECTED);
  });

  it("cuts a peer that sends garbage or lies about Content-Length, then retries", async () => {
    await eventually("auth", () => esl.live.length > 0);
    const logins = esl.logins;
    await esl.raw("Content-Length: lots\n\n");
    await eventually("re-auth after garbage", () => esl.logins > logins && esl.live.length > 0);
    const again = esl.logins;
    await esl.raw("Content-Length: 99999999\nContent-Type: text/event-plain\n\n");
    await eventually("re-auth after an oversized frame", () => esl.logins > again && esl.live.length > 0);
  });
});
