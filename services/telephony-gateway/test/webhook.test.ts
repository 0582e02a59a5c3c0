import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomBytes, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { CallDirection, CallState } from "@switchboard/proto/switchboard/telephony/v1/events_pb";
import { PbxConnectionStatus, PbxVendor } from "@switchboard/proto/switchboard/telephony/v1/resources_pb";
import { Code, RpcError, silentLogger } from "@switchboard/rpc";
import { signWebhook, verifyWebhook } from "../src/domain/webhook-signature.js";
import { startWebhookServer, type WebhookServer } from "../src/adapters/webhook/webhook-server.js";
import { eventually, Harness } from "./support/harness.js";

let harness: Harness;
let webhooks: WebhookServer;
let platform: Server;
const received: { headers: IncomingMessage["headers"]; body: string }[] = [];
const secret = randomBytes(24).toString("base64");
const userId = randomUUID();
let connectionId: string;
let path: string;

async function post(body: string, options: { timestamp?: number; signature?: string; to?: string } = {}) {
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  return fetch(`http://127.0.0.1:${webhooks.port}${options.to ?? path}`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-switchboard-timestamp": String(timestamp), "x-switchboard-signature": options.signature ?? signWebhook(secret, timestamp, body) },
    body,
  });
}

beforeAll(async () => {
  harness = await Harness.start("webhook");
  await harness.setRegion("NL");
  platform = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (c: Buffer) => chunks.push(c));
    request.on("end", () => {
      received.push({ headers: request.headers, body: Buffer.concat(chunks).toString() });
      response.writeHead(202).end();
    });
  });
  await new Promise<void>((resolve) => platform.listen(0, "127.0.0.1", resolve));
  webhooks = await startWebhookServer({ host: "127.0.0.1", port: 0, db: harness.database.db, keyring: harness.keyring, publisher: harness.publisher, log: silentLogger });
  await harness.startReplica();
  const { connection } = await harness.connections.createPbxConnection(
    { name: "Hosted", vendor: PbxVendor.WEBHOOK, secret, settings: { dial_url: `http://127.0.0.1:${(platform.address() as AddressInfo).port}/dial` } },
    await harness.admin(),
  );
  connectionId = connection!.id;
  path = connection!.webhookPath;
  await harness.connections.assignExtension({ userId, connectionId, extension: "agent-7" }, await harness.admin());
});

afterAll(async () => {
  await webhooks?.close();
  await new Promise<void>((resolve) => (platform ? platform.close(() => resolve()) : resolve()));
  await harness?.close();
});

describe("webhook connections", () => {
  it("accepts signed call events and publishes each state once", async () => {
    expect(path).toBe(`/v1/webhooks/${connectionId}`);
    const callId = randomUUID();
    const event = (state: string) => JSON.stringify({ call_id: callId, state, caller: "035 699 0230", callee: "+31 20 123 4567", extension: "agent-7" });
    for (const state of ["ringing", "ringing", "answered", "ended"]) expect((await post(event(state))).status).toBe(202);
    const events = await harness.wholeCall(callId);
    expect(events.map((e) => e.state)).toEqual([CallState.RINGING, CallState.ANSWERED, CallState.ENDED]);
    expect(events[0]).toMatchObject({ connectionId, direction: CallDirection.INBOUND, extension: "agent-7", userIds: [userId] });
    expect(events[0]?.caller).toMatchObject({ raw: "035 699 0230", e164: "+31356990230" });
  });

  it("refuses a bad signature, a stale or future timestamp, and unknown connections, all with 401", async () => {
    const body = JSON.stringify({ call_id: randomUUID(), state: "ringing", caller: "0356990230" });
    const now = Math.floor(Date.now() / 1000);
    expect((await post(body, { signature: signWebhook("another secret of sufficient length!", now, body) })).status).toBe(401);
    expect((await post(body, { signature: signWebhook(secret, now, `${body} `) })).status).toBe(401);
    expect((await post(body, { signature: "sha256=00" })).status).toBe(401);
    const stale = await post(body, { timestamp: now - 301 });
    expect(stale.status).toBe(401);
    expect(await stale.json()).toMatchObject({ error: expect.stringContaining("window") });
    expect((await post(body, { timestamp: now + 400 })).status).toBe(401);
    expect((await post(body, { to: `/v1/webhooks/${randomUUID()}` })).status).toBe(401);
    expect((await harness.callEvents((e) => e.connectionId === connectionId && e.caller?.raw === "0356990230")).length).toBe(0);
  });

  it("refuses a signed but malformed event with 400 naming the field", async () => {
    const response = await post(JSON.stringify({ call_id: "x", state: "on hold" }));
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: expect.stringContaining("state") });
  });

  it("shows CONNECTED and places Dial as a signed request to the platform", async () => {
    await eventually("CONNECTED", async () => {
      const { connections } = await harness.connections.listPbxConnections({}, await harness.admin());
      return connections.find((c) => c.id === connectionId)?.status === PbxConnectionStatus.CONNECTED;
    });
    const { callId } = await harness.telephony.dial({ number: "035 699 02 30" }, await harness.agent(userId));
    const request = await eventually("dial request", () => received.find((r) => r.body.includes(callId)));
    expect(JSON.parse(request.body)).toEqual({ call_id: callId, extension: "agent-7", number: "+31356990230", e164: "+31356990230" });
    const verdict = verifyWebhook(secret, request.headers["x-switchboard-timestamp"] as string, request.headers["x-switchboard-signature"] as string, Buffer.from(request.body));
    expect(verdict).toEqual({ ok: true });
  });

  it("asks for a long secret and an https dial URL", async () => {
    const error = await harness.connections
      .createPbxConnection({ name: "Weak", vendor: PbxVendor.WEBHOOK, secret: "short", settings: { dial_url: "http://voice.example/dial" } }, await harness.admin())
      .then(() => undefined, (e: unknown) => e as RpcError);
    expect(error?.code).toBe(Code.InvalidArgument);
    expect(error?.message).toMatch(/secret/);
    expect(error?.message).toMatch(/dial_url/);
  });
});
