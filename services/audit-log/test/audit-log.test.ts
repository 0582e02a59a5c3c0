import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHash, randomUUID } from "node:crypto";
import pg from "pg";
import { withTenant } from "@switchboard/db";
import { connectEvents, publishEvent, type EventsConnection } from "@switchboard/events";
import { AuditService, ExportFormat } from "@switchboard/proto/switchboard/audit/v1/audit_pb";
import { Code, RpcError, createClient, silentLogger } from "@switchboard/rpc";
import { startAuditIngestion } from "../src/events/audit-consumer.js";
import { verifyEntries, genesisHash } from "../src/domain/chain.js";
import { appendEntries, appendEntry, entriesInRange, toChainEntry } from "../src/store/entries.js";
import { auditEvent, createAuditTestStream, startAuditLog, type AuditLogUnderTest, type Claims } from "./fixtures.js";

const tenantA = randomUUID();
const tenantB = randomUUID();
const staffTenant = randomUUID();

let auditLog: AuditLogUnderTest;
let events: EventsConnection;
let audit: Awaited<ReturnType<typeof createAuditTestStream>>;

async function append(tenantId: string, count: number) {
  for (let i = 0; i < count; i++) await withTenant(auditLog.runtime, tenantId, (trx) => appendEntry(trx, auditEvent(tenantId)));
}

const withToken = (claims: Claims) => auditLog.callAs(claims);
const admin = () => withToken({ tid: tenantA, roles: ["tenant-admin"] });

async function failure(promise: Promise<unknown>): Promise<RpcError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(RpcError);
  return error as RpcError;
}

beforeAll(async () => {
  auditLog = await startAuditLog("audit_log");
  events = await connectEvents({ url: process.env.NATS_URL!, name: "audit-log-test" });
  audit = await createAuditTestStream(events.jsm);
});

afterAll(async () => {
  await audit?.delete();
  await events?.close();
  await auditLog?.close();
});

describe("ingestion", () => {
  it("stores each event of the audit stream once, even when it arrives twice", async () => {
    const tenant = randomUUID();
    const consumer = await startAuditIngestion(auditLog.runtime, events, silentLogger, { durable: `audit-log-test-${randomUUID()}`, source: audit.source, startAt: "new" });
    try {
      const sent = [auditEvent(tenant), auditEvent(tenant), auditEvent(tenant)];
      for (const event of sent) await publishEvent(events.js, audit.source.event, event, { msgId: event.eventId });
      // The same event again under another message id: a redelivery JetStream cannot deduplicate.
      await publishEvent(events.js, audit.source.event, sent[0]!, { msgId: randomUUID() });
      const stored = () => withTenant(auditLog.runtime, tenant, (trx) => trx.selectFrom("audit_entry").select(["sequence", "event_id"]).orderBy("sequence").execute());
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
      await Promise.all(sent.slice(i, i + 100).map((event) => publishEvent(events.js, audit.source.event, event, { msgId: event.eventId })));
    }
    const options = { durable: `audit-log-test-${randomUUID()}`, source: audit.source };
    const replicas = [await startAuditIngestion(auditLog.runtime, events, silentLogger, options), await startAuditIngestion(auditLog.runtime, events, silentLogger, options)];
    try {
      const stored = (tenant: string) => withTenant(auditLog.runtime, tenant, (trx) => trx.selectFrom("audit_entry").select(["sequence", "event_id"]).orderBy("sequence").execute());
      for (const tenant of tenants) {
        await expect.poll(async () => (await stored(tenant)).length, { timeout: 20_000 }).toBe(300);
        const rows = await stored(tenant);
        expect(rows.map((r) => Number(r.sequence))).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
        expect(new Set(rows.map((r) => r.event_id))).toEqual(new Set(sent.filter((e) => e.tenantId === tenant).map((e) => e.eventId)));
        const chain = await withTenant(auditLog.runtime, tenant, async (trx) => verifyEntries((await entriesInRange(trx, 1, undefined)).map(toChainEntry), genesisHash, 1));
        expect(chain).toMatchObject({ ok: true, checked: 300 });
      }
    } finally {
      await Promise.all(replicas.map((replica) => replica.stop()));
    }
  });

  it("keeps one tenant's stream order in its chain", async () => {
    const tenant = randomUUID();
    const sent = Array.from({ length: 50 }, () => auditEvent(tenant));
    for (const event of sent) await publishEvent(events.js, audit.source.event, event, { msgId: event.eventId });
    const consumer = await startAuditIngestion(auditLog.runtime, events, silentLogger, { durable: `audit-log-test-${randomUUID()}`, source: audit.source });
    try {
      const stored = () => withTenant(auditLog.runtime, tenant, (trx) => trx.selectFrom("audit_entry").select("event_id").orderBy("sequence").execute());
      await expect.poll(async () => (await stored()).length, { timeout: 10_000 }).toBe(50);
      expect((await stored()).map((r) => r.event_id)).toEqual(sent.map((e) => e.eventId));
    } finally {
      await consumer.stop();
    }
  });

  it("stores awkward text exactly (quotes, backslashes, unicode, empty lists), a lone surrogate or NUL as U+FFFD, and the chain verifies", async () => {
    const tenant = randomUUID();
    const awkward = auditEvent(tenant, { resourceId: 'Zoë "Q" \\ud800 \\\\ 😀', categories: [] });
    awkward.actor!.roles = [];
    awkward.details = { note: 'back\\slash, "quote", \u00e9, \n newline', lone: "x\ud800y", nul: "a\u0000b", json: '{"a":[1]}' };
    await withTenant(auditLog.runtime, tenant, (trx) => appendEntries(trx, tenant, [awkward, auditEvent(tenant)]));
    const rows = await withTenant(auditLog.runtime, tenant, (trx) => entriesInRange(trx, 1, undefined));
    expect(rows[0]).toMatchObject({ resource_id: 'Zoë "Q" \\ud800 \\\\ 😀', actor_roles: [], personal_data_categories: [] });
    expect(rows[0]!.details).toEqual({ note: 'back\\slash, "quote", \u00e9, \n newline', lone: "x\ufffdy", nul: "a\ufffdb", json: '{"a":[1]}' });
    expect(verifyEntries(rows.map(toChainEntry), genesisHash, 1)).toMatchObject({ ok: true, checked: 2 });
  });

  it("keeps one gap-free chain under concurrent appends for a tenant", async () => {
    const tenant = randomUUID();
    await Promise.all(Array.from({ length: 40 }, () => withTenant(auditLog.runtime, tenant, (trx) => appendEntry(trx, auditEvent(tenant)))));
    const sequences = await withTenant(auditLog.runtime, tenant, (trx) => trx.selectFrom("audit_entry").select("sequence").orderBy("sequence").execute());
    expect(sequences.map((r) => Number(r.sequence))).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
  });
});

describe("append-only storage and chain verification", () => {
  beforeAll(() => append(tenantA, 8));

  it("gives the service's runtime role no UPDATE or DELETE at all", async () => {
    const runtime = auditLog.runtime;
    await expect(withTenant(runtime, tenantA, (trx) => trx.updateTable("audit_entry").set({ action: "x.y.z" }).where("sequence", "=", "1" as never).execute())).rejects.toThrow(/permission denied/);
    await expect(withTenant(runtime, tenantA, (trx) => trx.deleteFrom("audit_entry").where("sequence", "=", "1" as never).execute())).rejects.toThrow(/permission denied/);
    await expect(withTenant(runtime, tenantA, (trx) => trx.deleteFrom("audit_checkpoint").execute())).rejects.toThrow(/permission denied/);
    await expect(withTenant(runtime, tenantA, (trx) => trx.selectFrom("audit_entry").select("sequence").execute())).resolves.toHaveLength(8);
  });

  it("refuses UPDATE and DELETE to the owner too, through the trigger", async () => {
    const owner = auditLog.database.db;
    await expect(withTenant(owner, tenantA, (trx) => trx.updateTable("audit_entry").set({ action: "x.y.z" }).where("sequence", "=", "1" as never).execute())).rejects.toThrow(/append-only/);
    await expect(withTenant(owner, tenantA, (trx) => trx.deleteFrom("audit_entry").where("sequence", "=", "1" as never).execute())).rejects.toThrow(/append-only/);
  });

  it("verifies a clean chain, then names the entry a superuser altered or deleted behind its back", async () => {
    const client = createClient(AuditService, auditLog.channel);
    expect(await client.verifyChain({}, await admin())).toMatchObject({ ok: true, entriesChecked: 8n, firstBrokenSequence: 0n });

    const superuser = new pg.Client({ connectionString: auditLog.database.adminUrl.replace(/\/[^/]*$/, `/${auditLog.database.name}`) });
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
    const client = createClient(AuditService, auditLog.channel);
    const first = await client.queryEvents({ pageSize: 2 }, await adminB());
    expect(first.entries.map((e) => e.sequence)).toEqual([5n, 4n]);
    const second = await client.queryEvents({ pageSize: 2, pageToken: first.nextPageToken }, await adminB());
    expect(second.entries.map((e) => e.sequence)).toEqual([3n, 2n]);
    expect(second.entries[0]?.event?.actor).toMatchObject({ id: "admin-1", clientAddress: "192.0.2.1" });
    const none = await client.queryEvents({ action: "identity.user.deleted" }, await adminB());
    expect(none.entries).toEqual([]);
    const outbox = await auditLog.runtime.selectFrom("event_outbox").select("subject").execute();
    expect(outbox.some((row) => row.subject === "switchboard.audit.event.recorded")).toBe(true);
  });

  it("exports JSON Lines that anyone can verify without this service", async () => {
    const client = createClient(AuditService, auditLog.channel);
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
    const client = createClient(AuditService, auditLog.channel);
    let text = "";
    for await (const part of client.exportEvents({ format: ExportFormat.CSV }, await adminB())) text += part.chunk;
    const [header, firstRow] = text.split("\n");
    expect(header?.split(",")).toContain("hash");
    expect(firstRow).toContain('"note=comma, ""quote"";roles=agent"');
    expect(text.trim().split("\n")).toHaveLength(6);
  });

  it("shows agents nothing, refuses other tenants to tenant staff, and lets staff-dpo with a second factor read any tenant", async () => {
    const client = createClient(AuditService, auditLog.channel);
    expect((await failure(client.queryEvents({}, await withToken({ tid: tenantB, roles: ["agent"] })))).code).toBe(Code.PermissionDenied);
    expect((await failure(client.queryEvents({ tenantId: tenantA }, await adminB()))).code).toBe(Code.PermissionDenied);
    expect((await failure(client.queryEvents({ tenantId: tenantB }, await withToken({ tid: staffTenant, roles: ["staff-dpo"], amr: ["pwd"] })))).code).toBe(Code.PermissionDenied);
    const dpo = await client.queryEvents({ tenantId: tenantB, pageSize: 1 }, await withToken({ tid: staffTenant, roles: ["staff-dpo"], amr: ["pwd", "otp"] }));
    expect(dpo.entries[0]?.event?.tenantId).toBe(tenantB);
  });
});
