import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { withTenant } from "@switchboard/db";
import { AttestationDecision } from "@switchboard/proto/switchboard/identity/v1/access_reviews_pb";
import { Code } from "@switchboard/rpc";
import { closeDueReviews } from "../src/jobs/close-due-reviews.js";
import { failure } from "./support/rpc-failure.js";
import { bearer, startIdentity, type Identity } from "./support/identity-harness.js";
import { passwords, seedAccounts, tokensFor } from "./support/accounts.js";

let identity: Identity;
let accounts: Awaited<ReturnType<typeof seedAccounts>>;
let admin: string;


async function person(username: string, roles: string[], managerId?: string) {
  const password = "Quartz-Lantern-4242!";
  const created = await identity.clients.users.createUser(
    { username, displayName: username, email: `${username}@acme.test`, roles, managerId, initialPassword: password },
    bearer(admin),
  );
  await withTenant(identity.deps.db, accounts.acme.id, (trx) => trx.updateTable("app_user").set({ password_change_required: false }).where("id", "=", created.user!.id).execute());
  return { id: created.user!.id, password };
}

async function rolesOf(userId: string): Promise<string[]> {
  const row = await withTenant(identity.deps.db, accounts.acme.id, (trx) => trx.selectFrom("app_user").select("roles").where("id", "=", userId).executeTakeFirstOrThrow());
  return row.roles;
}

beforeAll(async () => {
  identity = await startIdentity();
  accounts = await seedAccounts(identity);
  admin = (await tokensFor(identity, "acme", "ada", passwords.admin)).accessToken;
});
afterAll(() => identity?.stop());

describe("access reviews", () => {
  it("has managers attest or revoke their reports' grants, and closes at the due time revoking what nobody attested", async () => {
    const mona = await person("mona", ["agent"]);
    const rex = await person("rex", ["agent"], mona.id);
    const ria = await person("ria", ["agent", "tenant-auditor"], mona.id);
    const dueAt = new Date(Date.now() + 3_600_000);

    const started = await identity.clients.accessReviews.startAccessReview({ dueTime: timestampFromDate(dueAt), revokeUnattested: true }, bearer(admin));
    // Every active user's every role: ada, alice, mona, rex (1 each) and ria (2).
    expect(started.attestationCount).toBe(6);
    const reviewId = started.review!.id;

    const monaToken = (await tokensFor(identity, "acme", "mona", mona.password)).accessToken;
    const mine = await identity.clients.accessReviews.listAttestations({ reviewId }, bearer(monaToken));
    expect(mine.attestations.map((a) => `${a.userId === rex.id ? "rex" : "ria"}:${a.role}`).sort()).toEqual(["rex:agent", "ria:agent", "ria:tenant-auditor"]);
    const everything = await identity.clients.accessReviews.listAttestations({ reviewId }, bearer(admin));
    expect(everything.attestations).toHaveLength(6);

    const byGrant = (userId: string, role: string) => mine.attestations.find((a) => a.userId === userId && a.role === role)!;
    const riaSession = await tokensFor(identity, "acme", "ria", ria.password);
    await identity.clients.accessReviews.attest({ id: byGrant(rex.id, "agent").id, decision: AttestationDecision.KEEP, comment: "still on the phones" }, bearer(monaToken));
    const revoked = await identity.clients.accessReviews.attest(
      { id: byGrant(ria.id, "tenant-auditor").id, decision: AttestationDecision.REVOKE, comment: "moved teams" },
      bearer(monaToken),
    );
    expect(revoked.attestation?.decision).toBe(AttestationDecision.REVOKE);
    expect(await rolesOf(ria.id)).toEqual(["agent"]);
    expect((await failure(identity.clients.auth.refreshToken({ refreshToken: riaSession.refreshToken }))).code).toBe(Code.Unauthenticated);

    const twice = await failure(identity.clients.accessReviews.attest({ id: byGrant(rex.id, "agent").id, decision: AttestationDecision.REVOKE, comment: "" }, bearer(monaToken)));
    expect(twice.code).toBe(Code.FailedPrecondition);
    const aliceToken = (await tokensFor(identity, "acme", "alice", passwords.agent)).accessToken;
    const notHers = await failure(identity.clients.accessReviews.attest({ id: byGrant(ria.id, "agent").id, decision: AttestationDecision.REVOKE, comment: "" }, bearer(aliceToken)));
    expect(notHers.code).toBe(Code.NotFound);

    // Before the due time nothing closes; after it the four unattested grants are reported and revoked.
    expect(await closeDueReviews(identity.deps, new Date(dueAt.getTime() - 1_000))).toEqual([]);
    const closed = await closeDueReviews(identity.deps, new Date(dueAt.getTime() + 1_000));
    expect(closed).toEqual([{ reviewId, tenantId: accounts.acme.id, unattested: 4, revoked: 4 }]);
    expect(await rolesOf(ria.id)).toEqual([]);
    expect(await rolesOf(rex.id)).toEqual(["agent"]);
    expect(await rolesOf(accounts.acmeAgent.id)).toEqual([]);

    const late = await failure(identity.clients.accessReviews.attest({ id: byGrant(ria.id, "agent").id, decision: AttestationDecision.KEEP, comment: "" }, bearer(monaToken)));
    expect(late.code).toBe(Code.FailedPrecondition);
    expect(late.message).toContain("closed");
  });

  it("refuses a due time in the past and callers who may not run reviews", async () => {
    const past = await failure(identity.clients.accessReviews.startAccessReview({ dueTime: timestampFromDate(new Date(Date.now() - 1_000)), revokeUnattested: false }, bearer(admin)));
    expect(past.code).toBe(Code.InvalidArgument);
    expect(past.message).toContain("due_time");
    const auditor = await person("ted", ["tenant-auditor"]);
    const auditorToken = (await tokensFor(identity, "acme", "ted", auditor.password)).accessToken;
    const denied = await failure(identity.clients.accessReviews.startAccessReview({ dueTime: timestampFromDate(new Date(Date.now() + 60_000)), revokeUnattested: false }, bearer(auditorToken)));
    expect(denied.code).toBe(Code.PermissionDenied);
    // Row-level security: no review is visible outside its tenant.
    expect(await identity.deps.db.selectFrom("access_review").select("id").execute()).toEqual([]);
  });
});
