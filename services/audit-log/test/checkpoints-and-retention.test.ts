import { randomBytes, randomUUID, verify } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withTenant } from "@switchboard/db";
import { AuditService, CheckpointKind } from "@switchboard/proto/switchboard/audit/v1/audit_pb";
import { Code, RpcError, createClient, silentLogger } from "@switchboard/rpc";
import { sql } from "kysely";
import { createCheckpointSigner, publicKeyFromRaw, trustedKeys } from "../src/domain/checkpoint.js";
import { signPeriodicCheckpoints } from "../src/jobs/periodic-checkpoints.js";
import { applyRetention } from "../src/jobs/retention.js";
import { appendEntry } from "../src/store/entries.js";
import { auditEvent, startAuditLog, type AuditLogUnderTest } from "./fixtures.js";

let auditLog: AuditLogUnderTest;
let superuser: pg.Client;

beforeAll(async () => {
  auditLog = await startAuditLog("audit_checkpoints");
  superuser = new pg.Client({ connectionString: auditLog.database.adminUrl.replace(/\/[^/]*$/, `/${auditLog.database.name}`) });
  await superuser.connect();
  // session_replication_role = replica switches the append-only triggers off: only a superuser can.
  await superuser.query("set session_replication_role = replica");
});

afterAll(async () => {
  await superuser?.end();
  await auditLog?.close();
});

async function append(tenantId: string, categories: string[][]) {
  for (const c of categories) await withTenant(auditLog.runtime, tenantId, (trx) => appendEntry(trx, auditEvent(tenantId, { categories: c })));
}
const client = () => createClient(AuditService, auditLog.channel);
const adminOf = (tenantId: string) => auditLog.callAs({ tid: tenantId, roles: ["tenant-admin"] });
const days = (n: number) => new Date(Date.now() + n * 86_400_000);
const sequencesOf = async (tenantId: string) =>
  (await withTenant(auditLog.runtime, tenantId, (trx) => trx.selectFrom("audit_entry").select("sequence").orderBy("sequence").execute())).map((r) => Number(r.sequence));
const outboxSubjects = async () => (await auditLog.runtime.selectFrom("event_outbox").select("subject").execute()).map((r) => r.subject);

describe("signed checkpoints", () => {
  it("signs a checkpoint when a chain head moved, publishes it, and serves it verifiably", async () => {
    const tenant = randomUUID();
    await append(tenant, [["contact"], ["contact"], ["contact"]]);
    expect(await signPeriodicCheckpoints(auditLog.runtime, auditLog.signer, silentLogger)).toBeGreaterThanOrEqual(1);
    const unchanged = await signPeriodicCheckpoints(auditLog.runtime, auditLog.signer, silentLogger);
    await append(tenant, [["contact"]]);
    await signPeriodicCheckpoints(auditLog.runtime, auditLog.signer, silentLogger);
    expect(unchanged).toBe(0);

    const { checkpoints } = await client().listCheckpoints({}, await adminOf(tenant));
    expect(checkpoints.map((c) => c.sequence)).toEqual([4n, 3n]);
    for (const c of checkpoints) {
      // Anyone can check it: the statement, the raw public key and the signature suffice.
      expect(verify(null, Buffer.from(c.statement), publicKeyFromRaw(c.publicKey), c.signature)).toBe(true);
      expect(JSON.parse(c.statement)).toEqual(["switchboard.audit.checkpoint", 1, tenant, "periodic", Number(c.sequence), c.hash, expect.any(String), 0]);
      expect(c.keyId).toBe(auditLog.signer.keyId);
    }
    expect(await outboxSubjects()).toContain("switchboard.audit.checkpoint.signed");
    const page = await client().listCheckpoints({ pageSize: 1 }, await adminOf(tenant));
    const next = await client().listCheckpoints({ pageSize: 1, pageToken: page.nextPageToken }, await adminOf(tenant));
    expect([page.checkpoints[0]?.sequence, next.checkpoints[0]?.sequence, next.nextPageToken]).toEqual([4n, 3n, ""]);
  });

  it("detects truncation of the newest entries, even with the chain head rewound", async () => {
    const tenant = randomUUID();
    await append(tenant, [["contact"], ["contact"], ["contact"], ["contact"], ["contact"], ["contact"]]);
    await signPeriodicCheckpoints(auditLog.runtime, auditLog.signer, silentLogger);
    expect(await client().verifyChain({}, await adminOf(tenant))).toMatchObject({ ok: true, entriesChecked: 6n, checkpointsChecked: 1n });

    await superuser.query("delete from audit_entry where tenant_id = $1 and sequence > 4", [tenant]);
    await superuser.query("update chain_head set sequence = 4, hash = (select hash from audit_entry where tenant_id = $1 and sequence = 4) where tenant_id = $1", [tenant]);
    const truncated = await client().verifyChain({}, await adminOf(tenant));
    expect(truncated).toMatchObject({ ok: false, entriesChecked: 4n, firstBrokenSequence: 5n });
    expect(truncated.problem).toMatch(/periodic checkpoint .* covers sequence 6 \(truncated\)/);
  });

  it("detects truncation before any checkpoint from the chain head", async () => {
    const tenant = randomUUID();
    await append(tenant, [["contact"], ["contact"], ["contact"]]);
    await superuser.query("delete from audit_entry where tenant_id = $1 and sequence = 3", [tenant]);
    const truncated = await client().verifyChain({}, await adminOf(tenant));
    expect(truncated).toMatchObject({ ok: false, firstBrokenSequence: 3n });
    expect(truncated.problem).toContain("chain head records sequence 3");
  });

  it("does not believe a checkpoint signed by a key it does not trust", async () => {
    const tenant = randomUUID();
    await append(tenant, [["contact"], ["contact"]]);
    const head = await superuser.query<{ hash: string }>("select hash from audit_entry where tenant_id = $1 and sequence = 2", [tenant]);
    const forger = createCheckpointSigner(randomBytes(32).toString("base64"));
    const forged = forger.sign({ tenantId: tenant, kind: "periodic", sequence: 2, hash: head.rows[0]!.hash, signedAt: new Date().toISOString(), removedEntries: 0 });
    await superuser.query(
      "insert into audit_checkpoint (tenant_id, kind, sequence, hash, signed_at, key_id, public_key, signature) values ($1, 'periodic', 2, $2, $3, $4, $5, $6)",
      [tenant, forged.hash, forged.signedAt, forged.keyId, Buffer.from(forged.publicKey), Buffer.from(forged.signature)],
    );
    const result = await client().verifyChain({}, await adminOf(tenant));
    expect(result).toMatchObject({ ok: false, firstBrokenSequence: 2n });
    expect(result.problem).toContain("does not trust");
  });

  it("shows checkpoints to tenant admins and auditors only", async () => {
    const tenant = randomUUID();
    const error = await client()
      .listCheckpoints({}, await auditLog.callAs({ tid: tenant, roles: ["agent"] }))
      .then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(RpcError);
    expect((error as RpcError).code).toBe(Code.PermissionDenied);
    const bad = await client()
      .listCheckpoints({ pageToken: "7.deleted" }, await adminOf(tenant))
      .then(() => undefined, (e: unknown) => e);
    expect((bad as RpcError).code).toBe(Code.InvalidArgument);
  });
});

describe("retention", () => {
  const policy = { defaultDays: 3_650, byCategory: new Map([["contact", 30]]) };
  const retain = (now: Date, batchSize?: number) =>
    applyRetention(auditLog.runtime, { signer: auditLog.signer, trusted: trustedKeys([auditLog.signer.publicKey]), policy, log: silentLogger, now: () => now, ...(batchSize ? { batchSize } : {}) });

  it("removes the expired start of a chain behind a signed checkpoint, and the rest still verifies", async () => {
    const tenant = randomUUID();
    // contact expires after 30 days; credentials after the default ten years.
    await append(tenant, [["contact"], ["contact"], ["credentials"], ["contact"]]);
    const result = await retain(days(31));
    expect(result.refused).not.toContain(tenant);
    // Entry 4 has expired too, but entry 3 has not, and retention removes a prefix only.
    expect(await sequencesOf(tenant)).toEqual([3, 4]);
    const { checkpoints } = await client().listCheckpoints({ kind: CheckpointKind.RETENTION }, await adminOf(tenant));
    expect(checkpoints.map((c) => [c.sequence, c.removedEntries])).toEqual([[2n, 2n]]);
    expect(await client().verifyChain({}, await adminOf(tenant))).toMatchObject({ ok: true, entriesChecked: 2n, checkpointsChecked: 1n });
    expect(await client().verifyChain({ fromSequence: 1n }, await adminOf(tenant))).toMatchObject({ ok: true, entriesChecked: 2n });
    expect(await outboxSubjects()).toContain("switchboard.audit.event.recorded");

    // Ten years on, everything goes; later appends continue the same chain.
    await retain(days(3_700));
    expect(await sequencesOf(tenant)).toEqual([]);
    await append(tenant, [["contact"]]);
    expect(await sequencesOf(tenant)).toEqual([5]);
    expect(await client().verifyChain({}, await adminOf(tenant))).toMatchObject({ ok: true, entriesChecked: 1n });
  });

  it("works through a long chain in batches, a checkpoint per batch", async () => {
    const tenant = randomUUID();
    await append(tenant, Array.from({ length: 7 }, () => ["contact"]));
    await retain(days(31), 3);
    expect(await sequencesOf(tenant)).toEqual([]);
    const { checkpoints } = await client().listCheckpoints({ kind: CheckpointKind.RETENTION }, await adminOf(tenant));
    expect(checkpoints.map((c) => c.sequence)).toEqual([7n, 6n, 3n]);
  });

  it("removes nothing of a tenant whose trail does not verify", async () => {
    const tenant = randomUUID();
    await append(tenant, [["contact"], ["contact"], ["contact"]]);
    await superuser.query("update audit_entry set actor_id = 'someone-else' where tenant_id = $1 and sequence = 2", [tenant]);
    const result = await retain(days(31));
    expect(result.refused).toContain(tenant);
    expect(await sequencesOf(tenant)).toEqual([1, 2, 3]);
  });

  it("lets the runtime role remove only what a retention checkpoint covers", async () => {
    const tenant = randomUUID();
    await append(tenant, [["contact"], ["contact"]]);
    const remove = () => withTenant(auditLog.runtime, tenant, (trx) => sql`select audit_remove_retained(${tenant}::uuid, 2::bigint)`.execute(trx));
    await expect(remove()).rejects.toThrow(/not covered by a signed retention checkpoint/);
    expect(await sequencesOf(tenant)).toEqual([1, 2]);
  });
});
