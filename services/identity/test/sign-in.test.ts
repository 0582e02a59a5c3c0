import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeJwt, decodeProtectedHeader } from "jose";
import { Code } from "@switchboard/rpc";
import { currentTotp } from "../src/domain/totp.js";
import { ensureOrganization, ensureUser } from "../src/provisioning.js";
import { failure } from "./support/rpc-failure.js";
import { bearer, startIdentity, type Identity } from "./support/identity-harness.js";
import { passwords, seedAccounts, tokensFor } from "./support/accounts.js";

let identity: Identity;
let accounts: Awaited<ReturnType<typeof seedAccounts>>;

beforeAll(async () => {
  identity = await startIdentity({ throttle: { accountFailures: 3, firstLockSeconds: 1, baseDelayMs: 1, maxDelayMs: 5 } });
  accounts = await seedAccounts(identity);
});
afterAll(() => identity?.stop());


describe("Login", () => {
  it("signs an agent in with an Ed25519 access token carrying tenant, roles, amr and session", async () => {
    const tokens = await tokensFor(identity, "acme", "alice", passwords.agent);
    const header = decodeProtectedHeader(tokens.accessToken);
    const claims = decodeJwt(tokens.accessToken);
    expect(header.alg).toBe("EdDSA");
    expect(header.kid).toBeTruthy();
    expect(claims).toMatchObject({ sub: accounts.acmeAgent.id, tid: accounts.acme.id, roles: ["agent"], amr: ["pwd"], iss: "switchboard-identity", aud: "switchboard" });
    expect(claims.exp! - claims.iat!).toBe(300);
    expect(typeof claims.sid).toBe("string");
  });

  it("accepts organisation and username in any case", async () => {
    const response = await identity.clients.auth.login({ organization: "ACME", username: "Alice", password: passwords.agent });
    expect(response.result.case).toBe("tokens");
  });

  it("answers a wrong password and an unknown user identically", async () => {
    const wrongPassword = await failure(identity.clients.auth.login({ organization: "acme", username: "ada", password: "Wrong-Password-1!" }));
    const unknownUser = await failure(identity.clients.auth.login({ organization: "acme", username: "nobody", password: "Wrong-Password-1!" }));
    const unknownOrg = await failure(identity.clients.auth.login({ organization: "nowhere", username: "ada", password: "Wrong-Password-1!" }));
    for (const error of [wrongPassword, unknownUser, unknownOrg]) {
      expect(error.code).toBe(Code.Unauthenticated);
      expect(error.message).toBe(wrongPassword.message);
    }
  });

  it("spends an Argon2id verification on unknown users too, so timing does not tell them apart", async () => {
    const time = async (username: string) => {
      const started = process.hrtime.bigint();
      await identity.clients.auth.login({ organization: "beta", username, password: "Wrong-Password-1!" }).catch(() => undefined);
      return Number(process.hrtime.bigint() - started) / 1e6;
    };
    // Fresh usernames each time so the throttle's delays stay out of it; the fastest of three is the cost of the path itself.
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 3; i++) {
      unknown.push(await time(`ghost-${i}`));
      known.push(await time("bert"));
    }
    expect(Math.min(...unknown)).toBeGreaterThan(Math.min(...known) * 0.5);
  });

  it("locks an account after repeated failures, answers the lock like a wrong password, and lifts it after the lock time", async () => {
    for (let i = 0; i < 3; i++) {
      await failure(identity.clients.auth.login({ organization: "acme", username: "ada", password: "Wrong-Password-1!" }));
    }
    const whileLocked = await failure(identity.clients.auth.login({ organization: "acme", username: "ada", password: passwords.admin }));
    expect(whileLocked.code).toBe(Code.Unauthenticated);
    await new Promise((r) => setTimeout(r, 1_200));
    const after = await identity.clients.auth.login({ organization: "acme", username: "ada", password: passwords.admin });
    expect(after.result.case).toBe("tokens");
  });

  it("refuses sign-in to a terminated organisation", async () => {
    await identity.deps.db.updateTable("organization").set({ state: "terminated" }).where("id", "=", accounts.beta.id).execute();
    try {
      const error = await failure(identity.clients.auth.login({ organization: "beta", username: "bert", password: passwords.admin }));
      expect(error.code).toBe(Code.Unauthenticated);
    } finally {
      await identity.deps.db.updateTable("organization").set({ state: "active" }).where("id", "=", accounts.beta.id).execute();
    }
  });
});

describe("second factor", () => {
  it("challenges a user with TOTP and issues tokens with amr otp for the current code, once", async () => {
    const first = await identity.clients.auth.login({ organization: "operator", username: "sam", password: passwords.staff });
    expect(first.result.case).toBe("mfaChallenge");
    const challengeId = first.result.case === "mfaChallenge" ? first.result.value.challengeId : "";
    const code = currentTotp(accounts.staffTotp);
    const verified = await identity.clients.auth.verifyMfa({ challengeId, code });
    expect(decodeJwt(verified.tokens!.accessToken).amr).toEqual(["pwd", "otp"]);

    // The same code again, in a fresh sign-in: refused (replay).
    const second = await identity.clients.auth.login({ organization: "operator", username: "sam", password: passwords.staff });
    const secondId = second.result.case === "mfaChallenge" ? second.result.value.challengeId : "";
    const replay = await failure(identity.clients.auth.verifyMfa({ challengeId: secondId, code }));
    expect(replay.code).toBe(Code.Unauthenticated);
  });

  it("gives staff without TOTP only a set-up token, good for enrolment and nothing else", async () => {
    const response = await identity.clients.auth.login({ organization: "operator", username: "sid", password: passwords.staff });
    expect(response.result.case).toBe("accountSetupRequired");
    const setup = response.result.case === "accountSetupRequired" ? response.result.value : undefined;
    expect(setup?.totpEnrollmentRequired).toBe(true);
    const refused = await failure(identity.clients.users.listUsers({}, bearer(setup!.setupToken)));
    expect(refused.code).toBe(Code.PermissionDenied);

    const enrolment = await identity.clients.auth.enrollTotp({}, bearer(setup!.setupToken));
    expect(enrolment.otpauthUri).toContain("otpauth://totp/");
    const confirmed = await identity.clients.auth.confirmTotp({ code: currentTotp(enrolment.secret) }, bearer(setup!.setupToken));
    expect(confirmed.recoveryCodes).toHaveLength(10);

    // Next sign-in asks for the second factor; a recovery code answers it, once.
    const next = await identity.clients.auth.login({ organization: "operator", username: "sid", password: passwords.staff });
    expect(next.result.case).toBe("mfaChallenge");
    const challengeId = next.result.case === "mfaChallenge" ? next.result.value.challengeId : "";
    const viaRecovery = await identity.clients.auth.verifyMfa({ challengeId, code: confirmed.recoveryCodes[0]! });
    expect(decodeJwt(viaRecovery.tokens!.accessToken).amr).toEqual(["pwd", "otp"]);
    const again = await identity.clients.auth.login({ organization: "operator", username: "sid", password: passwords.staff });
    const againId = again.result.case === "mfaChallenge" ? again.result.value.challengeId : "";
    expect((await failure(identity.clients.auth.verifyMfa({ challengeId: againId, code: confirmed.recoveryCodes[0]! }))).code).toBe(Code.Unauthenticated);
  });
});

describe("organisations that require a second factor", () => {
  it("send every user without TOTP to enrolment, not only staff", async () => {
    const gamma = await ensureOrganization(identity.deps, { name: "gamma", displayName: "Gamma", defaultRegion: "BE", residencyRegion: "eu-west", requireMfa: true });
    await ensureUser(identity.deps, gamma, { username: "gert", displayName: "Gert", email: "gert@gamma.test", roles: ["agent"], password: passwords.agent, passwordChangeRequired: false });
    const response = await identity.clients.auth.login({ organization: "gamma", username: "gert", password: passwords.agent });
    expect(response.result.case).toBe("accountSetupRequired");
    const setup = response.result.case === "accountSetupRequired" ? response.result.value : undefined;
    expect(setup).toMatchObject({ totpEnrollmentRequired: true, passwordChangeRequired: false });
    expect(decodeJwt(setup!.setupToken)).toMatchObject({ typ: "setup", roles: [] });
  });
});

describe("refresh tokens", () => {
  it("rotates on every use, and a reused token revokes the whole family", async () => {
    const first = await tokensFor(identity, "acme", "alice", passwords.agent);
    const second = (await identity.clients.auth.refreshToken({ refreshToken: first.refreshToken })).tokens!;
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(decodeJwt(second.accessToken).sid).toBe(decodeJwt(first.accessToken).sid);

    const reuse = await failure(identity.clients.auth.refreshToken({ refreshToken: first.refreshToken }));
    expect(reuse.code).toBe(Code.Unauthenticated);
    // The thief's replay also killed the legitimate holder's current token.
    expect((await failure(identity.clients.auth.refreshToken({ refreshToken: second.refreshToken }))).code).toBe(Code.Unauthenticated);
    const revoked = await identity.deps.db.selectFrom("event_outbox").select("subject").where("subject", "=", "switchboard.identity.session.revoked").execute();
    expect(revoked.length).toBeGreaterThan(0);
  });

  it("refuses garbage and forged refresh tokens", async () => {
    expect((await failure(identity.clients.auth.refreshToken({ refreshToken: "garbage" }))).code).toBe(Code.Unauthenticated);
    const real = await tokensFor(identity, "acme", "alice", passwords.agent);
    const forged = real.refreshToken.replace(/.{4}$/, "AAAA");
    expect((await failure(identity.clients.auth.refreshToken({ refreshToken: forged }))).code).toBe(Code.Unauthenticated);
  });

  it("ends the session on Logout", async () => {
    const tokens = await tokensFor(identity, "acme", "alice", passwords.agent);
    await identity.clients.auth.logout({}, bearer(tokens.accessToken));
    expect((await failure(identity.clients.auth.refreshToken({ refreshToken: tokens.refreshToken }))).code).toBe(Code.Unauthenticated);
  });
});

describe("signing keys", () => {
  it("publishes a new key before signing with it, and keeps the previous one until its tokens have expired", async () => {
    const before = await tokensFor(identity, "acme", "alice", passwords.agent);
    const oldKid = decodeProtectedHeader(before.accessToken).kid;
    const newKid = await identity.keys.rotate();
    // Published at once, but not signing yet: verifiers get time to fetch it.
    const published = await identity.clients.auth.getJwks({});
    expect(published.keys.map((k) => k.kid)).toEqual(expect.arrayContaining([oldKid, newKid]));
    expect(decodeProtectedHeader((await tokensFor(identity, "acme", "alice", passwords.agent)).accessToken).kid).toBe(oldKid);

    await new Promise((r) => setTimeout(r, 400));
    const after = await tokensFor(identity, "acme", "alice", passwords.agent);
    expect(decodeProtectedHeader(after.accessToken).kid).toBe(newKid);
    const jwks = await identity.clients.auth.getJwks({});
    expect(jwks.keys.map((k) => k.kid)).toEqual(expect.arrayContaining([oldKid, newKid]));
    for (const key of jwks.keys) expect(key).toMatchObject({ kty: "OKP", crv: "Ed25519", alg: "EdDSA", use: "sig" });
    // Tokens of both keys are accepted by a service verifying through the JWKS.
    await identity.clients.auth.logout({}, bearer(before.accessToken));
    await identity.clients.auth.logout({}, bearer(after.accessToken));
  });
});
