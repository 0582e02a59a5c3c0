import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fromBinary } from "@bufbuild/protobuf";
import { ActorType, AuditEventSchema, type AuditEvent } from "@switchboard/proto/switchboard/audit/v1/audit_event_pb";
import { bearer, startIdentity, type Identity } from "./support/identity-harness.js";
import { passwords, seedAccounts, tokensFor } from "./support/accounts.js";

let identity: Identity;
let accounts: Awaited<ReturnType<typeof seedAccounts>>;

beforeAll(async () => {
  identity = await startIdentity();
  accounts = await seedAccounts(identity);
});
afterAll(() => identity?.stop());

/** Audit events written to the outbox (no relay runs in these tests, so they stay there). */
async function auditTrail(): Promise<{ raw: string; event: AuditEvent }[]> {
  const rows = await identity.deps.db.selectFrom("event_outbox").select(["subject", "payload"]).where("subject", "=", "switchboard.audit.event.recorded").orderBy("id").execute();
  return rows.map((row) => ({ raw: Buffer.from(row.payload).toString("latin1"), event: fromBinary(AuditEventSchema, row.payload) }));
}

describe("audit trail", () => {
  it("records every change with actor, tenant, action and target, and no clear personal data", async () => {
    const admin = await tokensFor(identity, "acme", "ada", passwords.admin);
    const created = await identity.clients.users.createUser(
      { username: "olga", displayName: "Olga Secretname", email: "olga.private@example.test", roles: ["agent"] },
      bearer(admin.accessToken),
    );
    const userId = created.user!.id;
    await identity.clients.users.updateUserRoles({ id: userId, roles: ["tenant-auditor"] }, bearer(admin.accessToken));
    await identity.clients.users.disableUser({ id: userId }, bearer(admin.accessToken));
    await identity.clients.users.deleteUser({ id: userId }, bearer(admin.accessToken));

    const trail = await auditTrail();
    const forOlga = trail.filter(({ event }) => event.resource?.id === userId).map(({ event }) => event);
    expect(forOlga.map((e) => e.action)).toEqual(["identity.user.created", "identity.user.roles_changed", "identity.user.disabled", "identity.user.deleted"]);
    for (const event of forOlga) {
      expect(event.tenantId).toBe(accounts.acme.id);
      expect(event.actor).toMatchObject({ type: ActorType.USER, id: accounts.acmeAdmin.id, tenantId: accounts.acme.id, roles: ["tenant-admin"] });
      expect(event.resource?.type).toBe("user");
      expect(event.eventId).toMatch(/^[0-9a-f-]{36}$/);
    }
    expect(forOlga[1]?.details).toEqual({ roles: "tenant-auditor" });
    for (const { raw } of trail) {
      expect(raw).not.toContain("Secretname");
      expect(raw).not.toContain("olga.private");
      expect(raw).not.toContain(passwords.admin);
    }
    // Sign-ins are recorded as the user's own act, with the address they came from.
    const signIn = trail.map(({ event }) => event).find((e) => e.action === "identity.session.created" && e.actor?.id === accounts.acmeAdmin.id);
    expect(signIn?.actor?.clientAddress).toMatch(/127\.0\.0\.1/);
  });
});
