// End to end: identity, recognition, telephony-gateway and screenpop, built
// and in their own processes as `make up` runs them, behind the gateway's
// production route table, with a fake Asterisk speaking AMI over a real
// socket. The demo admin writes scripts and syncs a contact; the agent's
// client apps watch pops through the gateway (Connect and gRPC-web); an
// inbound call ringing the agent's extension pops on each of them.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import { createClient, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-web";
import { ScreenPopService, ScreenPopState, type ScreenPop } from "@switchboard/proto/switchboard/screenpop/v1/screen_pops_pb";
import { FakeAmi, inboundCall } from "../../telephony-gateway/test/support/fake-ami.js";
import { startBuiltIdentity, startBuiltRecognition, startBuiltScreenPop, startBuiltTelephony, telephonyRegionLearnt, type BuiltService } from "./fixtures/built-services.js";
import { demo, startEdge, type Edge } from "./fixtures/edge.js";

let identity: BuiltService;
let recognition: BuiltService;
let telephony: BuiltService;
let screenpop: BuiltService;
let edge: Edge;
let pbx: FakeAmi;
let admin: string;
let agent: string;

/** A client app's stream through the gateway; resolves once the stream is live (its first heartbeat). */
async function watch(transport: Transport, token: string) {
  const controller = new AbortController();
  const pops: ScreenPop[] = [];
  let live!: () => void;
  const started = new Promise<void>((resolve) => (live = resolve));
  const done = (async () => {
    try {
      const stream = createClient(ScreenPopService, transport).watchScreenPops({}, { signal: controller.signal, headers: { authorization: `Bearer ${token}` } });
      for await (const message of stream) {
        if (message.event.case === "pop") pops.push(message.event.value);
        else live();
      }
    } catch {
      live();
    }
  })();
  await started;
  return { pops, async close() { controller.abort(); await done; } };
}

async function ring(caller: string) {
  const linkedid = `${Date.now()}.${randomUUID().slice(0, 4)}`;
  for (const event of inboundCall(linkedid, caller, "1001").slice(0, 4)) await pbx.emit(event);
  return linkedid;
}

beforeAll(async () => {
  pbx = await FakeAmi.start("switchboard", "Amp-Secret-31");
  identity = await startBuiltIdentity(demo);
  [recognition, telephony] = await Promise.all([startBuiltRecognition(identity.target), startBuiltTelephony(identity.target)]);
  screenpop = await startBuiltScreenPop(identity.target, recognition.target);
  edge = await startEdge({ identity: identity.target, recognition: recognition.target, telephony: telephony.target, screenpop: screenpop.target });

  admin = await edge.signIn(demo.admin);
  expect(await telephonyRegionLearnt(telephony, admin)).toBe("NL");
  agent = await edge.signIn(demo.agent);
  const created = await edge.call("telephony.v1.PbxConnectionService/CreatePbxConnection", { name: "Office", vendor: "PBX_VENDOR_ASTERISK_AMI", host: "127.0.0.1", port: pbx.port, username: "switchboard", secret: "Amp-Secret-31" }, admin);
  const connectionId: string = created.json.connection.id;
  const users = await edge.call("identity.v1.UserService/ListUsers", {}, admin);
  const agentId: string = users.json.users.find((u: { username: string }) => u.username === "agent").id;
  expect((await edge.call("telephony.v1.PbxConnectionService/AssignExtension", { userId: agentId, connectionId, extension: "1001" }, admin)).status).toBe(200);
  const status = async () => (await edge.call("telephony.v1.PbxConnectionService/ListPbxConnections", {}, admin)).json.connections?.[0]?.status;
  for (let waited = 0; (await status()) !== "PBX_CONNECTION_STATUS_CONNECTED"; waited += 200) {
    if (waited > 15_000) throw new Error("the fake PBX never connected");
    await new Promise((r) => setTimeout(r, 200));
  }

  const source = await edge.call("recognition.v1.DataSourceService/CreateDataSource", { name: "CRM", displayFields: ["name"], scriptFields: ["customerId"] }, admin);
  const sourceId: string = source.json.dataSource.id;
  const sync = await edge.call("recognition.v1.SyncService/BeginSync", { dataSourceId: sourceId, full: true }, admin);
  await edge.call("recognition.v1.SyncService/PushRecords", { syncId: sync.json.syncId, batchId: "1", upserts: [{ externalId: "c-17", phoneNumbers: ["+31356990230"], fields: { name: "Ada Lovelace", customerId: "C-17/../x" } }] }, admin);
  expect((await edge.call("recognition.v1.SyncService/CommitSync", { syncId: sync.json.syncId }, admin)).status).toBe(200);

  const scripts = [
    { name: "Open contact", trigger: "SCRIPT_TRIGGER_RECOGNIZED", urlTemplate: "https://crm.example.com/contacts/{customerId}", autoOpen: true },
    { name: "New contact", trigger: "SCRIPT_TRIGGER_UNRECOGNIZED", urlTemplate: "https://crm.example.com/new?phone={number}&ext={extension}", position: 1 },
  ];
  for (const script of scripts) expect((await edge.call("screenpop.v1.ScriptService/CreateScript", script, admin)).status).toBe(200);
}, 120_000);

afterAll(async () => {
  await edge?.close();
  await screenpop?.stop();
  await telephony?.stop();
  await recognition?.stop();
  await identity?.stop();
  await pbx?.close();
});

describe("screen pops through the gateway, with the demo organisation", () => {
  it("pops a recognised inbound call on two client apps of the agent, over Connect and gRPC-web", async () => {
    const connect = await watch(createConnectTransport({ baseUrl: edge.gateway.url }), agent);
    const grpcWeb = await watch(createGrpcWebTransport({ baseUrl: edge.gateway.url }), agent);
    const callId = await ring("0356990230");
    for (const client of [connect, grpcWeb]) {
      await expect.poll(() => client.pops.length, { timeout: 10_000 }).toBe(1);
      // Exactly one each: several streams of one user do not share (or steal) a pop.
      expect(client.pops[0]).toMatchObject({
        callId,
        state: ScreenPopState.RINGING,
        callerNumber: "+31356990230",
        extension: "1001",
        recognized: true,
        displayFields: { name: "Ada Lovelace" },
        actions: [{ name: "Open contact", url: "https://crm.example.com/contacts/C-17%2F..%2Fx", autoOpen: true }],
      });
    }
    await Promise.all([connect.close(), grpcWeb.close()]);
  });

  it("pops an unknown caller with the new-contact form", async () => {
    const client = await watch(createConnectTransport({ baseUrl: edge.gateway.url }), agent);
    const callId = await ring("0201234567");
    const pop = () => client.pops.find((p) => p.callId === callId);
    await expect.poll(pop, { timeout: 10_000 }).toBeDefined();
    expect(pop()).toMatchObject({ recognized: false, actions: [{ name: "New contact", url: "https://crm.example.com/new?phone=%2B31201234567&ext=1001" }] });
    await client.close();
  });

  it("refuses script changes by an agent, and a javascript: template", async () => {
    const denied = await edge.call("screenpop.v1.ScriptService/ListScripts", {}, agent);
    expect(denied).toMatchObject({ status: 403, json: { code: "permission_denied" } });
    const invalid = await edge.call("screenpop.v1.ScriptService/CreateScript", { name: "x", trigger: "SCRIPT_TRIGGER_ALWAYS", urlTemplate: "javascript:alert({number})" }, admin);
    expect(invalid).toMatchObject({ status: 400, json: { code: "invalid_argument" } });
    expect(invalid.json.message).toContain("never allowed");
  });

  // Last: it stops recognition.
  it("still pops, unrecognised, when recognition is down", async () => {
    await recognition.stop();
    const client = await watch(createConnectTransport({ baseUrl: edge.gateway.url }), agent);
    const callId = await ring("0356990230");
    // Earlier calls still ringing within the replay window arrive too: look at this one.
    const pop = () => client.pops.find((p) => p.callId === callId);
    await expect.poll(pop, { timeout: 10_000 }).toBeDefined();
    expect(pop()).toMatchObject({ callerNumber: "+31356990230", recognized: false, actions: [{ name: "New contact" }] });
    await client.close();
  });
});
