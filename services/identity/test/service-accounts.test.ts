import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import { decodeJwt } from "jose";
import { withTenant } from "@switchboard/db";
import { Code } from "@switchboard/rpc";
import { failure } from "./support/rpc-failure.js";
import { bearer, startIdentity, type Identity } from "./support/identity-harness.js";
import { passwords, seedAccounts, tokensFor } from "./support/accounts.js";

let identity: Identity;
let accounts: Awaited<ReturnType<typeof seedAccounts>>;
let adminToken: string;

beforeAll(async () => {
  identity = await startIdentity();
  accounts = await seedAccounts(identity);
  adminToken = (await tokensFor(identity, "acme", "ada", passwords.admin)).accessToken;
});
afterAll(() => identity?.stop());


describe("ServiceAccountService", () => {
  it("creates an account tied to its responsible person and signs it in with client credentials", async () => {
    const created = await identity.clients.serviceAccounts.createServiceAccount(
      { name: "crm-sync", description: "Sync agent on the CRM server", responsibleUserId: accounts.acmeAgent.id, roles: ["sync-agent"] },
      bearer(adminToken),
    );
    expect(created.serviceAccount).toMatchObject({ name: "crm-sync", responsibleUserId: accounts.acmeAgent.id, roles: ["sync-agent"], active: true });
    expect(created.clientSecret.length).toBeGreaterThanOrEqual(43);

    const issued = await identity.clients.serviceAccounts.issueServiceToken({ clientId: created.serviceAccount!.clientId, clientSecret: created.clientSecret });
    expect(decodeJwt(issued.accessToken)).toMatchObject({ sub: created.serviceAccount!.id, tid: accounts.acme.id, roles: ["sync-agent"], typ: "service" });

    const wrong = await failure(identity.clients.serviceAccounts.issueServiceToken({ clientId: created.serviceAccount!.clientId, clientSecret: "not-the-secret" }));
    expect(wrong.code).toBe(Code.Unauthenticated);
    // Only a hash of the secret is stored, and row-level security hides it outside its tenant.
    const stored = await withTenant(identity.deps.db, accounts.acme.id, (trx) => trx.selectFrom("service_account").select("secret_hash").execute());
    expect(stored.map((r) => r.secret_hash)).toEqual([createHash("sha256").update(created.clientSecret).digest("hex")]);
    expect(await identity.deps.db.selectFrom("service_account").select("id").execute()).toEqual([]);
  });

  it("needs an active person of the same organisation as the responsible party", async () => {
    const foreign = await failure(
      identity.clients.serviceAccounts.createServiceAccount({ name: "other", description: "x", responsibleUserId: accounts.betaAdmin.id, roles: ["sync-agent"] }, bearer(adminToken)),
    );
    expect(foreign.code).toBe(Code.InvalidArgument);
    expect(foreign.message).toContain("responsible_user_id");
    const badRole = await failure(
      identity.clients.serviceAccounts.createServiceAccount({ name: "admin-bot", description: "x", responsibleUserId: accounts.acmeAdmin.id, roles: ["tenant-admin"] }, bearer(adminToken)),
    );
    expect(badRole.message).toContain("roles: must be one or more of sync-agent");
  });

  it("stops working when its responsible person is disabled", async () => {
    const person = await identity.clients.users.createUser({ username: "owner", displayName: "Owner", email: "owner@acme.test", roles: ["agent"] }, bearer(adminToken));
    const created = await identity.clients.serviceAccounts.createServiceAccount(
      { name: "erp-sync", description: "ERP export", responsibleUserId: person.user!.id, roles: ["sync-agent"] },
      bearer(adminToken),
    );
    await identity.clients.serviceAccounts.issueServiceToken({ clientId: created.serviceAccount!.clientId, clientSecret: created.clientSecret });
    await identity.clients.users.disableUser({ id: person.user!.id }, bearer(adminToken));
    const refused = await failure(identity.clients.serviceAccounts.issueServiceToken({ clientId: created.serviceAccount!.clientId, clientSecret: created.clientSecret }));
    expect(refused.code).toBe(Code.Unauthenticated);
    const listed = await identity.clients.serviceAccounts.listServiceAccounts({}, bearer(adminToken));
    expect(listed.serviceAccounts.find((a) => a.name === "erp-sync")?.active).toBe(false);
  });

  it("is managed by tenant admins only", async () => {
    const agent = (await tokensFor(identity, "acme", "alice", passwords.agent)).accessToken;
    expect((await failure(identity.clients.serviceAccounts.listServiceAccounts({}, bearer(agent)))).code).toBe(Code.PermissionDenied);
  });
});
