// End to end: identity and audit-log, built and in their own processes as
// `make up` runs them, behind the gateway's production route table. A change
// made through identity reaches the trail through identity's outbox, the
// shared audit stream and audit-log's ingestion; the trail verifies, and an
// entry altered in Postgres behind the service's back is named.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { startBuiltAuditLog, startBuiltIdentity, type BuiltService } from "./fixtures/built-services.js";
import { demo, startEdge, type Edge } from "./fixtures/edge.js";

let identity: BuiltService;
let auditLog: BuiltService;
let edge: Edge;

beforeAll(async () => {
  identity = await startBuiltIdentity(demo);
  auditLog = await startBuiltAuditLog(identity.target);
  edge = await startEdge({ identity: identity.target, auditLog: auditLog.target });
}, 90_000);

afterAll(async () => {
  await edge?.close();
  await auditLog?.stop();
  await identity?.stop();
});

describe("the audit trail through the gateway, with the demo organisation", () => {
  it("shows a user created through identity, verifies, then names the entry altered behind its back", async () => {
    const token = await edge.signIn(demo.admin);
    const created = await edge.call("identity.v1.UserService/CreateUser", { username: "e2e-agent", displayName: "E2E Agent", email: "e2e@example.com", roles: ["agent"], initialPassword: "Quiet-Meadow-7741!" }, token);
    expect(created.status).toBe(200);
    const userId: string = created.json.user.id;

    const query = () => edge.call("audit.v1.AuditService/QueryEvents", { action: "identity.user.created", resourceId: userId }, token);
    await expect.poll(async () => (await query()).json.entries?.length ?? 0, { timeout: 15_000 }).toBe(1);
    const [entry] = (await query()).json.entries;
    expect(entry.event).toMatchObject({ action: "identity.user.created", resource: { type: "user", id: userId }, actor: { type: "ACTOR_TYPE_USER", roles: ["tenant-admin"] } });
    expect(entry.event.actor.clientAddress).not.toBe("");

    const clean = await edge.call("audit.v1.AuditService/VerifyChain", {}, token);
    expect(clean.json.ok).toBe(true);
    expect(Number(clean.json.entriesChecked)).toBeGreaterThanOrEqual(Number(entry.sequence));

    const superuser = new pg.Client({ connectionString: auditLog.database.adminUrl.replace(/\/[^/]*$/, `/${auditLog.database.name}`) });
    await superuser.connect();
    try {
      // Only a superuser can switch the append-only trigger off; the chain still tells.
      await superuser.query("set session_replication_role = replica");
      await superuser.query("update audit_entry set resource_id = 'someone-else' where tenant_id = $1 and sequence = $2", [entry.event.tenantId, entry.sequence]);
    } finally {
      await superuser.end();
    }
    const tampered = await edge.call("audit.v1.AuditService/VerifyChain", {}, token);
    expect(tampered.json).toMatchObject({ firstBrokenSequence: entry.sequence, problem: expect.stringContaining("hash mismatch") });
    expect(tampered.json.ok ?? false).toBe(false);
  });

  it("refuses an access token as soon as its session signs out, while a new sign-in works at once", async () => {
    const token = await edge.signIn(demo.admin);
    expect((await edge.call("audit.v1.AuditService/QueryEvents", { pageSize: 1 }, token)).status).toBe(200);
    expect((await edge.call("identity.v1.AuthService/Logout", {}, token)).status).toBe(200);
    // audit-log learns of the revocation from identity's stream; the token itself would be valid for minutes.
    await expect.poll(async () => (await edge.call("audit.v1.AuditService/QueryEvents", { pageSize: 1 }, token)).status, { timeout: 10_000 }).toBe(401);
    const refused = await edge.call("audit.v1.AuditService/QueryEvents", { pageSize: 1 }, token);
    expect(refused.json).toMatchObject({ code: "unauthenticated" });
    expect(refused.json.message).toContain("sign in again");
    expect((await edge.call("audit.v1.AuditService/QueryEvents", { pageSize: 1 }, await edge.signIn(demo.admin))).status).toBe(200);
  });

  it("shows an agent nothing", async () => {
    const denied = await edge.call("audit.v1.AuditService/QueryEvents", {}, await edge.signIn(demo.agent));
    expect(denied).toMatchObject({ status: 403, json: { code: "permission_denied" } });
  });
});
