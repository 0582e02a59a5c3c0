import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withTenant } from "@switchboard/db";
import { Code } from "@switchboard/rpc";
import { UserState } from "@switchboard/proto/switchboard/identity/v1/resources_pb";
import { failure } from "./support/rpc-failure.js";
import { bearer, startIdentity, type Identity } from "./support/identity-harness.js";
import { passwords, seedAccounts, tokensFor } from "./support/accounts.js";

let identity: Identity;
let accounts: Awaited<ReturnType<typeof seedAccounts>>;
let acmeAdmin: string;
let betaAdmin: string;

beforeAll(async () => {
  identity = await startIdentity();
  accounts = await seedAccounts(identity);
  acmeAdmin = (await tokensFor(identity, "acme", "ada", passwords.admin)).accessToken;
  betaAdmin = (await tokensFor(identity, "beta", "bert", passwords.admin)).accessToken;
});
afterAll(() => identity?.stop());


describe("UserService", () => {
  it("creates a user with a generated initial password that must be changed, and stores personal fields encrypted", async () => {
    const created = await identity.clients.users.createUser(
      { username: "Carol", displayName: "Carol Jansen", email: "carol@acme.test", roles: ["agent"], managerId: accounts.acmeAdmin.id },
      bearer(acmeAdmin),
    );
    expect(created.user).toMatchObject({ username: "carol", displayName: "Carol Jansen", email: "carol@acme.test", roles: ["agent"], passwordChangeRequired: true, state: UserState.ACTIVE });
    expect(created.initialPassword).toHaveLength(20);

    const stored = await withTenant(identity.deps.db, accounts.acme.id, (trx) =>
      trx.selectFrom("app_user").select(["display_name_enc", "email_enc", "password_hash"]).where("id", "=", created.user!.id).executeTakeFirstOrThrow(),
    );
    expect(stored.display_name_enc!.toString("latin1")).not.toContain("Carol");
    expect(stored.email_enc!.toString("latin1")).not.toContain("carol@");
    expect(stored.password_hash).toMatch(/^\$argon2id\$/);

    const login = await identity.clients.auth.login({ organization: "acme", username: "carol", password: created.initialPassword });
    expect(login.result.case).toBe("accountSetupRequired");
  });

  it("refuses an initial password that breaks the policy, saying which rule", async () => {
    const error = await failure(
      identity.clients.users.createUser({ username: "dave", displayName: "Dave", email: "dave@acme.test", roles: ["agent"], initialPassword: "Password1!" }, bearer(acmeAdmin)),
    );
    expect(error.code).toBe(Code.InvalidArgument);
    expect(error.message).toContain("initial_password: is too common");
  });

  it("refuses bad input naming each field, and roles from the staff set", async () => {
    const error = await failure(identity.clients.users.createUser({ username: "x", displayName: "", email: "nope", roles: ["agent"] }, bearer(acmeAdmin)));
    expect(error.code).toBe(Code.InvalidArgument);
    expect(error.message).toMatch(/username: .*display_name: must not be empty; email: must be an e-mail address/);
    const staffRole = await failure(identity.clients.users.createUser({ username: "eve", displayName: "Eve", email: "eve@acme.test", roles: ["staff-admin"] }, bearer(acmeAdmin)));
    expect(staffRole.message).toContain("cannot grant staff-admin here");
  });

  it("keeps tenants apart: another organisation's user looks like no user at all", async () => {
    const foreign = await failure(identity.clients.users.getUser({ id: accounts.acmeAgent.id }, bearer(betaAdmin)));
    expect(foreign.code).toBe(Code.NotFound);
    const listed = await identity.clients.users.listUsers({}, bearer(betaAdmin));
    expect(listed.users.map((u) => u.username)).toEqual(["bert"]);
    const change = await failure(identity.clients.users.updateUserRoles({ id: accounts.acmeAgent.id, roles: ["tenant-admin"] }, bearer(betaAdmin)));
    expect(change.code).toBe(Code.NotFound);
  });

  it("refuses an agent who tries to manage users", async () => {
    const agent = (await tokensFor(identity, "acme", "alice", passwords.agent)).accessToken;
    const error = await failure(identity.clients.users.listUsers({}, bearer(agent)));
    expect(error.code).toBe(Code.PermissionDenied);
  });

  it("revokes the user's sessions at once when their roles change", async () => {
    const agentTokens = await tokensFor(identity, "acme", "alice", passwords.agent);
    const updated = await identity.clients.users.updateUserRoles({ id: accounts.acmeAgent.id, roles: ["agent", "tenant-auditor"] }, bearer(acmeAdmin));
    expect(updated.user?.roles).toEqual(["agent", "tenant-auditor"]);
    const refresh = await failure(identity.clients.auth.refreshToken({ refreshToken: agentTokens.refreshToken }));
    expect(refresh.code).toBe(Code.Unauthenticated);
    const fresh = await tokensFor(identity, "acme", "alice", passwords.agent);
    expect(fresh.accessToken).toBeTruthy();
  });

  it("pages through users in username order", async () => {
    for (const name of ["p1", "p2", "p3"]) {
      await identity.clients.users.createUser({ username: name, displayName: name, email: `${name}@acme.test`, roles: ["agent"] }, bearer(acmeAdmin));
    }
    const seen: string[] = [];
    let pageToken = "";
    do {
      const page = await identity.clients.users.listUsers({ pageSize: 2, pageToken }, bearer(acmeAdmin));
      seen.push(...page.users.map((u) => u.username));
      pageToken = page.nextPageToken;
    } while (pageToken);
    expect(seen).toEqual([...seen].sort());
    expect(seen).toEqual(expect.arrayContaining(["ada", "alice", "p1", "p2", "p3"]));
  });

  it("disables a user: sign-in stops", async () => {
    const created = await identity.clients.users.createUser(
      { username: "frank", displayName: "Frank", email: "frank@acme.test", roles: ["agent"], initialPassword: "Lantern-Ridge-7781!" },
      bearer(acmeAdmin),
    );
    await identity.clients.users.disableUser({ id: created.user!.id }, bearer(acmeAdmin));
    const error = await failure(identity.clients.auth.login({ organization: "acme", username: "frank", password: "Lantern-Ridge-7781!" }));
    expect(error.code).toBe(Code.Unauthenticated);
  });

  it("deletes a user by destroying their key: the stored ciphertext can no longer be read, a tombstone remains", async () => {
    const created = await identity.clients.users.createUser({ username: "gina", displayName: "Gina Erased", email: "gina@acme.test", roles: ["agent"] }, bearer(acmeAdmin));
    const id = created.user!.id;
    const before = await withTenant(identity.deps.db, accounts.acme.id, (trx) =>
      trx.selectFrom("app_user").select("email_enc").where("id", "=", id).executeTakeFirstOrThrow(),
    );
    await identity.clients.users.deleteUser({ id }, bearer(acmeAdmin));

    const tombstone = await withTenant(identity.deps.db, accounts.acme.id, (trx) => trx.selectFrom("app_user").selectAll().where("id", "=", id).executeTakeFirstOrThrow());
    expect(tombstone).toMatchObject({ state: "deleted", email_enc: null, display_name_enc: null, password_hash: null, roles: [] });
    // A copy of the ciphertext taken before (say, from a backup) is unreadable now.
    await expect(
      withTenant(identity.deps.db, accounts.acme.id, (trx) => identity.deps.cipher.decrypt(trx, accounts.acme.id, `user:${id}`, before.email_enc!, `identity.app_user.email:${id}`)),
    ).rejects.toThrow(/destroyed/);
    expect((await failure(identity.clients.users.getUser({ id }, bearer(acmeAdmin)))).code).toBe(Code.NotFound);
  });
});

describe("ChangePassword", () => {
  it("needs the current password, enforces the policy and ends the user's other sessions", async () => {
    const created = await identity.clients.users.createUser(
      { username: "hugo", displayName: "Hugo", email: "hugo@acme.test", roles: ["agent"], initialPassword: "Meadow-Lark-3141!" },
      bearer(acmeAdmin),
    );
    const setup = await identity.clients.auth.login({ organization: "acme", username: "hugo", password: "Meadow-Lark-3141!" });
    const setupToken = setup.result.case === "accountSetupRequired" ? setup.result.value.setupToken : "";
    const wrong = await failure(identity.clients.auth.changePassword({ currentPassword: "nope", newPassword: "Autumn-River-2718!" }, bearer(setupToken)));
    expect(wrong.code).toBe(Code.PermissionDenied);
    const weak = await failure(identity.clients.auth.changePassword({ currentPassword: "Meadow-Lark-3141!", newPassword: "hugo-Pass-1!" }, bearer(setupToken)));
    expect(weak.message).toContain("new_password: must not contain the username");
    await identity.clients.auth.changePassword({ currentPassword: "Meadow-Lark-3141!", newPassword: "Autumn-River-2718!" }, bearer(setupToken));

    const first = await tokensFor(identity, "acme", "hugo", "Autumn-River-2718!");
    const second = await tokensFor(identity, "acme", "hugo", "Autumn-River-2718!");
    await identity.clients.auth.changePassword({ currentPassword: "Autumn-River-2718!", newPassword: "Winter-Coast-1618!" }, bearer(second.accessToken));
    expect((await failure(identity.clients.auth.refreshToken({ refreshToken: first.refreshToken }))).code).toBe(Code.Unauthenticated);
    expect((await identity.clients.auth.refreshToken({ refreshToken: second.refreshToken })).tokens).toBeDefined();
    expect(created.user?.id).toBeTruthy();
  });
});

describe("OrganizationService", () => {
  it("is for staff with a second factor only", async () => {
    const error = await failure(identity.clients.organizations.listOrganizations({}, bearer(acmeAdmin)));
    expect(error.code).toBe(Code.PermissionDenied);
  });
});
