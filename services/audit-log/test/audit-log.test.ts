import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHash, randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { create } from "@bufbuild/protobuf";
import { timestampNow } from "@bufbuild/protobuf/wkt";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import pg from "pg";
import { auditEventRecorded } from "@switchboard/audit";
import { createAuthHook, createTokenVerifier } from "@switchboard/authz";
import { withTenant } from "@switchboard/db";
import { createTestDatabase } from "@switchboard/db/testing";
import { connectEvents, publishEvent, type EventsConnection } from "@switchboard/events";
import { ActorType, AuditEventSchema, AuditOutcome, type AuditEvent } from "@switchboard/proto/switchboard/audit/v1/audit_event_pb";
import { AuditService, ExportFormat } from "@switchboard/proto/switchboard/audit/v1/audit_pb";
import { Code, RpcError, createClient, openChannel, serve, silentLogger, type Channel, type RunningServer } from "@switchboard/rpc";
import { startAuditIngestion } from "../src/events/audit-consumer.js";
import { auditService } from "../src/rpc/audit-service.js";
import { auditPolicies } from "../src/rpc/policies.js";
import { verifyEntries, genesisHash } from "../src/domain/chain.js";
import { appendEntry, entriesInRange, toChainEntry } from "../src/store/entries.js";
import type { AuditDatabase } from "../src/store/schema.js";

const migrationsFolder = fileURLToPath(new URL("../migrations/", import.meta.url));
const tenantA = randomUUID();
const tenantB = randomUUID();
const staffTenant = randomUUID();

let database: Awaited<ReturnType<typeof createTestDatabase<AuditDatabase>>>;
let server: RunningServer;
let channel: Channel;
let events: EventsConnection;
let sign: (claims: { tid: string; roles: string[]; amr?: string[] }) => Promise<string>;

function auditEvent(tenantId: string, action = "identity.user.created", resourceId = randomUUID()): AuditEvent {
  return create(AuditEventSchema, {
    eventId: randomUUID(),
    tenantId,
    actor: { type: ActorType.USER, id: "admin-1", roles: ["tenant-admin"], clientAddress: "192.0.2.1", tenantId },
    action,
    resource: { type: "user", id: resourceId },
    personalDataCategories: ["contact"],
    outcome: AuditOutcome.SUCCESS,
    time: timestampNow(),
    details: { roles: "agent", note: 'comma, "quote"' },
  });
}

async function append(tenantId: string, count: number) {
  for (let i = 0; i < count; i++) await withTenant(database.db, tenantId, (trx) => appendEntry(trx, auditEvent(tenantId)));
}

const withToken = async (claims: { tid: string; roles: string[]; amr?: string[] }) => ({ metadata: { authorization: `Bearer ${await sign(claims)}` } });
const admin = () => withToken({ tid: tenantA, roles: ["tenant-admin"] });

async function failure(promise: Promise<unknown>): Promise<RpcError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(RpcError);
  return error as RpcError;
}

beforeAll(async () => {
  database = await createTestDatabase<AuditDatabase>({ migrationsFolder, name: "audit_log" });
  const { publicKey, privateKey } = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
  const kid = randomUUID();
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: "EdDSA" };
  sign = (claims) =>
    new SignJWT({ tid: claims.tid, roles: claims.roles, amr: claims.amr ?? ["pwd"], typ: "user" })
      .setProtectedHeader({ alg: "EdDSA", kid })
      .setIssuer("switchboard-identity")
      .setAudience("switchboard")
      .setSubject(randomUUID())
      .setIssuedAt()
      .setExpirationTime("5m")
      .sign(privateKey);
  server = await serve({
    host: "127.0.0.1",
    port: 0,
    services: [auditService(database.db)],
    authenticate: createAuthHook({ verifier: createTokenVerifier({ fetchJwks: async () => [jwk] }), policies: auditPolicies }),
  });
  channel = openChannel(`127.0.0.1:${server.port}`);
  events = await connectEvents({ url: process.env.NATS_URL!, name: "audit-log-test" });
});

afterAll(async () => {
  channel?.close();
  await server?.close(500);
  await events?.close();
  await database?.destroy();
});

describe("ingestion", () => {
  it("stores each event of the audit stream once, even when it arrives twice", async () => {
    const tenant = randomUUID();
    const consumer = await startAuditIngestion(database.db, events, silentLogger, `audit-log-test-${randomUUID()}`);
    try {
      const sent = [auditEvent(tenant), auditEvent(tenant), auditEvent(tenant)];
      for (const event of sent) await publishEvent(events.js, auditEventRecorded, event, { msgId: event.eventId });
      // The same event again under another message id: a redelivery JetStream cannot deduplicate.
      await publishEvent(events.js, auditEventRecorded, sent[0]!, { msgId: randomUUID() });
      const stored = () => withTenant(database.db, tenant, (trx) => trx.selectFrom("audit_entry").select(["sequence", "event_id"]).orderBy("sequence").execute());
      await expect.poll(async () => (await stored()).length, { timeout: 10_000 }).toBe(3);
      await new Promise((r) => setTimeout(r, 300));
      const rows = await stored();
      expect(rows.map((r) => r.event_id)).toEqual(sent.map((e) => e.eventId));
      expect(rows.map((r) => Number(r.sequence))).toEqual([1, 2, 3]);
    } finally {
      await consumer.stop();
    }
  });

  it("ingests a backlog in batches: per tenant in stream order, gap-free, each event once, with two replicas", async () => {
    const tenants = [randomUUID(), randomUUID(), randomUUID()];
    const sent = Array.from({ length: 900 }, (_, i) => auditEvent(tenants[i % 3]!));
    // Published in order before the replicas start, so they meet a backlog.
    for (let i = 0; i < sent.length; i += 100) {
      await Promise.all(sent.slice(i, i + 100).map((event) => publishEvent(events.js, auditEventRecorded, event, { msgId: event.eventId })));
    }
    const durable = `audit-log-test-${randomUUID()}`;
    const replicas = [await startAuditIngestion(database.db, events, silentLogger, durable), await startAuditIngestion(database.db, events, silentLogger, durable)];
    try {
      const stored = (tenant: string) => withTenant(database.db, tenant, (trx) => trx.selectFrom("audit_entry").select(["sequence", "event_id"]).orderBy("sequence").execute());
      for (const tenant of tenants) {
        await expect.poll(async () => (await stored(tenant)).length, { timeout: 20_000 }).toBe(300);
        const rows = await stored(tenant);
        expect(rows.map((r) => Number(r.sequence))).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
        expect(new Set(rows.map((r) => r.event_id))).toEqual(new Set(sent.filter((e) => e.tenantId === tenant).map((e) => e.eventId)));
        const chain = await withTenant(database.db, tenant, async (trx) => verifyEntries((await entriesInRange(trx, 1, undefined)).map(toChainEntry), genesisHash, 1));
        expect(chain).toMatchObject({ ok: true, checked: 300 });
      }
    } finally {
      await Promise.all(replicas.map((replica) => replica.stop()));
    }
  });

  it("keeps one tenant's stream order in its chain", async () => {
    const tenant = randomUUID();
    const sent = Array.from({ length: 50 }, () => auditEvent(tenant));
    for (const event of sent) await publishEvent(events.js, auditEventRecorded, event, { msgId: event.eventId });
    const consumer = await startAuditIngestion(database.db, events, silentLogger, `audit-log-test-${randomUUID()}`);
    try {
      const stored = () => withTenant(database.db, tenant, (trx) => trx.selectFrom("audit_entry").select("event_id").orderBy("sequence").execute());
      await expect.poll(async () => (await stored()).length, { timeout: 10_000 }).toBe(50);
      expect((await stored()).map((r) => r.event_id)).toEqual(sent.map((e) => e.eventId));
    } finally {
      await consumer.stop();
    }
  });

  it("keeps one gap-free chain under concurrent appends for a tenant", async () => {
    const tenant = randomUUID();
    await Promise.all(Array.from({ length: 40 }, () => withTenant(database.db, tenant, (trx) => appendEntry(trx, auditEvent(tenant)))));
    const sequences = await withTenant(database.db, tenant, (trx) => trx.selectFrom("audit_entry").select("sequence").orderBy("sequence").execute());
    expect(sequences.map((r) => Number(r.sequence))).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
  });
});

describe("append-only storage and chain verification", () => {
  beforeAll(() => append(tenantA, 8));

  it("refuses UPDATE and DELETE to the service's own role", async () => {
    await expect(withTenant(database.db, tenantA, (trx) => trx.updateTable("audit_entry").set({ action: "x.y.z" }).where("sequence", "=", "1" as never).execute())).rejects.toThrow(/append-only/);
    await expect(withTenant(database.db, tenantA, (trx) => trx.deleteFrom("audit_entry").where("sequence", "=", "1" as never).execute())).rejects.toThrow(/append-only/);
  });

  it("verifies a clean chain, then names the entry a superuser altered or deleted behind its back", async () => {
    const client = createClient(AuditService, channel);
    expect(await client.verifyChain({}, await admin())).toMatchObject({ ok: true, entriesChecked: 8n, firstBrokenSequence: 0n });

    const superuser = new pg.Client({ connectionString: database.adminUrl.replace(/\/[^/]*$/, `/${database.name}`) });
    await superuser.connect();
    try {
      // session_replication_role = replica switches off the append-only trigger: only a superuser can.
      await superuser.query("set session_replication_role = replica");
      await superuser.query("update audit_entry set actor_id = 'someone-else' where tenant_id = $1 and sequence = 3", [tenantA]);
      const altered = await client.verifyChain({}, await admin());
      expect(altered).toMatchObject({ ok: false, firstBrokenSequence: 3n, entriesChecked: 2n });
      expect(altered.problem).toContain("hash mismatch");
      const fromFour = await client.verifyChain({ fromSequence: 4n }, await admin());
      expect(fromFour.ok).toBe(true);

      await superuser.query("delete from audit_entry where tenant_id = $1 and sequence = 6", [tenantA]);
      const gap = await client.verifyChain({ fromSequence: 4n }, await admin());
      expect(gap).toMatchObject({ ok: false, firstBrokenSequence: 6n });
      expect(gap.problem).toContain("missing entry");
    } finally {
      await superuser.end();
    }
  });
});

describe("reading the trail", () => {
  beforeAll(() => append(tenantB, 5));
  const adminB = () => withToken({ tid: tenantB, roles: ["tenant-auditor"] });

  it("pages newest first with filters, and records the query itself", async () => {
    const client = createClient(AuditService, channel);
    const first = await client.queryEvents({ pageSize: 2 }, await adminB());
    expect(first.entries.map((e) => e.sequence)).toEqual([5n, 4n]);
    const second = await client.queryEvents({ pageSize: 2, pageToken: first.nextPageToken }, await adminB());
    expect(second.entries.map((e) => e.sequence)).toEqual([3n, 2n]);
    expect(second.entries[0]?.event?.actor).toMatchObject({ id: "admin-1", clientAddress: "192.0.2.1" });
    const none = await client.queryEvents({ action: "identity.user.deleted" }, await adminB());
    expect(none.entries).toEqual([]);
    const outbox = await database.db.selectFrom("event_outbox").select("subject").execute();
    expect(outbox.some((row) => row.subject === "switchboard.audit.event.recorded")).toBe(true);
  });

  it("exports JSON Lines that anyone can verify without this service", async () => {
    const client = createClient(AuditService, channel);
    let text = "";
    for await (const part of client.exportEvents({ format: ExportFormat.JSON_LINES }, await adminB())) text += part.chunk;
    const lines = text.trim().split("\n").map((line) => JSON.parse(line));
    expect(lines).toHaveLength(5);
    // The recipe of README.md: sha256(previous hash + "\n" + canonical JSON array), starting from 64 zeros.
    let previous = "0".repeat(64);
    for (const e of lines) {
      const details = Object.keys(e.details).sort().map((k) => [k, e.details[k]]);
      const canonical = JSON.stringify([1, e.tenantId, e.sequence, e.eventId, e.action, e.actorType, e.actorId, e.actorRoles, e.actorClientAddress, e.actorTenantId, e.resourceType, e.resourceId, e.personalDataCategories, e.outcome, e.occurredAt, e.traceId, details]);
      const hash = createHash("sha256").update(`${previous}\n${canonical}`).digest("hex");
      expect(hash).toBe(e.hash);
      previous = hash;
    }
  });

  it("exports CSV a spreadsheet reads back", async () => {
    const client = createClient(AuditService, channel);
    let text = "";
    for await (const part of client.exportEvents({ format: ExportFormat.CSV }, await adminB())) text += part.chunk;
    const [header, firstRow] = text.split("\n");
    expect(header?.split(",")).toContain("hash");
    expect(firstRow).toContain('"note=comma, ""quote"";roles=agent"');
    expect(text.trim().split("\n")).toHaveLength(6);
  });

  it("shows agents nothing, refuses other tenants to tenant staff, and lets staff-dpo with a second factor read any tenant", async () => {
    const client = createClient(AuditService, channel);
    expect((await failure(client.queryEvents({}, await withToken({ tid: tenantB, roles: ["agent"] })))).code).toBe(Code.PermissionDenied);
    expect((await failure(client.queryEvents({ tenantId: tenantA }, await adminB()))).code).toBe(Code.PermissionDenied);
    expect((await failure(client.queryEvents({ tenantId: tenantB }, await withToken({ tid: staffTenant, roles: ["staff-dpo"], amr: ["pwd"] })))).code).toBe(Code.PermissionDenied);
    const dpo = await client.queryEvents({ tenantId: tenantB, pageSize: 1 }, await withToken({ tid: staffTenant, roles: ["staff-dpo"], amr: ["pwd", "otp"] }));
    expect(dpo.entries[0]?.event?.tenantId).toBe(tenantB);
  });
});
