import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomBytes, randomUUID } from "node:crypto";
import { fromBinary } from "@bufbuild/protobuf";
import { withTenant } from "@switchboard/db";
import { publishEvent, type EventConsumer } from "@switchboard/events";
import { AuditEventSchema } from "@switchboard/proto/switchboard/audit/v1/audit_event_pb";
import { PbxConnectionStatus } from "@switchboard/proto/switchboard/telephony/v1/resources_pb";
import { Code, RpcError, silentLogger } from "@switchboard/rpc";
import { organizationEvents, startOrganizationConsumer } from "../src/events/organization-events.js";
import { startUserErasure } from "../src/events/user-events.js";
import { regionOf } from "../src/store/tenant-regions.js";
import { defineEvent } from "@switchboard/events";
import { UserDeletedSchema } from "@switchboard/proto/switchboard/identity/v1/events_pb";
import { FakeAmi } from "./support/fake-ami.js";
import { eventually, Harness } from "./support/harness.js";

let harness: Harness;
let ami: FakeAmi;
const consumers: EventConsumer[] = [];
const tag = randomBytes(5).toString("hex");
// identity's events on a stream and subjects of this file's own.
const prefix = `switchboard.t${tag}`;
const stream = { name: `T_${tag}_ID`, subjects: [`${prefix}.>`] };
const organization = organizationEvents(prefix);
const userDeleted = defineEvent(`${prefix}.user.deleted`, UserDeletedSchema);

beforeAll(async () => {
  harness = await Harness.start("identity-events");
  ami = await FakeAmi.start();
  await harness.startReplica();
  const deps = { db: harness.database.db, keyring: harness.keyring, events: harness.events, log: silentLogger };
  consumers.push(await startOrganizationConsumer(deps, { durable: `orgs-${tag}`, stream, prefix }));
  consumers.push(await startUserErasure(deps, { durable: `users-${tag}`, stream, prefix }));
});

afterAll(async () => {
  for (const consumer of consumers) await consumer.stop();
  await harness?.events.jsm.streams.delete(stream.name).catch(() => {});
  await harness?.close();
  await ami?.close();
});

async function connectedTenant(region = "NL") {
  const tenantId = randomUUID();
  await harness.setRegion(region, tenantId);
  const connectionId = (await harness.createAmiConnection(ami.port, { tenantId })).id;
  await eventually("CONNECTED", async () => {
    const { connections } = await harness.connections.listPbxConnections({}, await harness.admin(tenantId));
    return connections.find((c) => c.id === connectionId)?.status === PbxConnectionStatus.CONNECTED;
  });
  return { tenantId, connectionId };
}

async function rowsOf(tenantId: string) {
  return withTenant(harness.database.db, tenantId, async (trx) => ({
    connections: (await trx.selectFrom("pbx_connection").select("id").execute()).length,
    extensions: (await trx.selectFrom("extension").select("user_id").execute()).length,
    keys: (await trx.selectFrom("tenant_key").select("tenant_id").execute()).length,
    region: await regionOf(trx),
  }));
}

async function auditOf(tenantId: string, action: string) {
  const rows = await harness.database.db.selectFrom("event_outbox").select(["payload"]).orderBy("id").execute();
  return rows.map((row) => fromBinary(AuditEventSchema, row.payload)).filter((event) => event.tenantId === tenantId && event.action === action);
}

describe("identity's organisation events", () => {
  it("learns each organisation's default region from organization.created", async () => {
    const nl = randomUUID();
    const unknown = randomUUID();
    await publishEvent(harness.events.js, organization.created, { organizationId: nl, defaultRegion: "NL" }, { msgId: randomUUID() });
    await publishEvent(harness.events.js, organization.created, { organizationId: unknown, defaultRegion: "ZZ" }, { msgId: randomUUID() });
    const region = (tenantId: string) => withTenant(harness.database.db, tenantId, (trx) => regionOf(trx));
    await eventually("NL learnt", async () => (await region(nl)) === "NL");
    expect(await region(unknown)).toBeUndefined();
  });

  it("destroys a terminated organisation's connections, extensions, region and keys, and closes its PBX link", async () => {
    const doomed = await connectedTenant();
    const kept = await connectedTenant("BE");
    await harness.connections.assignExtension({ userId: randomUUID(), connectionId: doomed.connectionId, extension: "1001" }, await harness.admin(doomed.tenantId));
    await harness.connections.assignExtension({ userId: randomUUID(), connectionId: kept.connectionId, extension: "1001" }, await harness.admin(kept.tenantId));
    expect(ami.live).toHaveLength(2);
    expect(await rowsOf(doomed.tenantId)).toMatchObject({ connections: 1, extensions: 1, keys: 1, region: "NL" });

    const msgId = randomUUID();
    await publishEvent(harness.events.js, organization.terminated, { organizationId: doomed.tenantId }, { msgId });
    await eventually("the purge", async () => (await rowsOf(doomed.tenantId)).connections === 0);

    expect(await rowsOf(doomed.tenantId)).toEqual({ connections: 0, extensions: 0, keys: 0, region: undefined });
    expect(await rowsOf(kept.tenantId)).toEqual({ connections: 1, extensions: 1, keys: 1, region: "BE" });
    await eventually("the doomed link closed", () => ami.live.length === 1);
    const [purged, ...again] = await auditOf(doomed.tenantId, "telephony.tenant.purged");
    expect(purged?.details).toEqual({ connections: "1", extensions: "1" });
    expect(again).toHaveLength(0);
    const { connections } = await harness.connections.listPbxConnections({}, await harness.admin(doomed.tenantId));
    expect(connections).toEqual([]);
  });
});

describe("identity's user.deleted", () => {
  it("removes the deleted user's extension, so they can no longer dial, and keeps everyone else's", async () => {
    const { tenantId, connectionId } = await connectedTenant();
    const erased = randomUUID();
    const colleague = randomUUID();
    await harness.connections.assignExtension({ userId: erased, connectionId, extension: "1001" }, await harness.admin(tenantId));
    await harness.connections.assignExtension({ userId: colleague, connectionId, extension: "1002" }, await harness.admin(tenantId));

    await publishEvent(harness.events.js, userDeleted, { organizationId: tenantId, userId: erased }, { msgId: randomUUID() });
    await eventually("the erasure", async () => (await auditOf(tenantId, "telephony.extension.erased")).length === 1);

    const users = await withTenant(harness.database.db, tenantId, (trx) => trx.selectFrom("extension").select("user_id").execute());
    expect(users.map((u) => u.user_id)).toEqual([colleague]);
    const dial = await harness.telephony.dial({ number: "+31356990230" }, await harness.agent(erased, tenantId)).then(() => undefined, (e: unknown) => e);
    expect(dial).toBeInstanceOf(RpcError);
    expect((dial as RpcError).code).toBe(Code.FailedPrecondition);
    const [event] = await auditOf(tenantId, "telephony.extension.erased");
    expect(event?.resource?.id).toBe(erased);
    expect(event?.details).toEqual({ connection_id: connectionId });
  });
});
