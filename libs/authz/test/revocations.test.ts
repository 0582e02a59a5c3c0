import { randomBytes, randomUUID } from "node:crypto";
import { create, toBinary } from "@bufbuild/protobuf";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { SessionsRevokedSchema, UserDisabledSchema, OrganizationTerminatedSchema } from "@switchboard/proto/switchboard/identity/v1/events_pb";
import { Code, RpcError, silentLogger } from "@switchboard/rpc";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRevocationList, createTokenVerifier, watchRevocations, type AccessTokenClaims } from "../src/index.js";
import { newKey, sign } from "./keys.js";

const tenant = "00000000-0000-4000-8000-00000000000a";
const claims = (fields: Partial<AccessTokenClaims>): AccessTokenClaims => ({ sub: "user-1", tid: tenant, roles: ["agent"], amr: ["pwd"], typ: "user", exp: 2e9, iat: 1_000, sid: randomUUID(), ...fields });

describe("the revocation list", () => {
  it("refuses an ended session's tokens whenever they were issued, and no other session's", () => {
    const list = createRevocationList();
    const ended = randomUUID();
    list.add({ kind: "sessions", sessionIds: [ended] });
    expect(list.isRevoked(claims({ sid: ended, iat: 5_000_000 }))).toBe(true);
    expect(list.isRevoked(claims({ sid: randomUUID() }))).toBe(false);
  });

  it("refuses a disabled user's and a terminated tenant's tokens issued up to that moment, not later ones", () => {
    const list = createRevocationList();
    list.add({ kind: "user", tenantId: tenant, userId: "user-1", atMs: 2_000_500 });
    expect(list.isRevoked(claims({ iat: 2_000 }))).toBe(true);
    expect(list.isRevoked(claims({ iat: 2_001 }))).toBe(false);
    expect(list.isRevoked(claims({ sub: "user-2", iat: 1_000 }))).toBe(false);
    expect(list.isRevoked(claims({ tid: "other", iat: 1_000 }))).toBe(false);
    list.add({ kind: "tenant", tenantId: "other", atMs: 3_000_000 });
    expect(list.isRevoked(claims({ tid: "other", sub: "anyone", iat: 2_999 }))).toBe(true);
  });

  it("forgets entries once every token they could concern has expired", () => {
    let t = 0;
    const list = createRevocationList({ windowMs: 600_000, now: () => t });
    const ended = randomUUID();
    list.add({ kind: "sessions", sessionIds: [ended] });
    list.add({ kind: "user", tenantId: tenant, userId: "user-1", atMs: 0 });
    expect(list.size).toBe(2);
    t = 600_001;
    expect(list.isRevoked(claims({ sid: ended, iat: 0 }))).toBe(false);
    expect(list.size).toBe(0);
  });
});

describe("watching identity's stream", () => {
  let nc: NatsConnection;
  const tag = randomBytes(5).toString("hex");
  const prefix = `switchboard.t${tag}`;
  const stream = `T_${tag}_REVOKE`;

  beforeAll(async () => {
    nc = await connect({ servers: process.env.NATS_URL });
    await (await jetstreamManager(nc)).streams.add({ name: stream, subjects: [`${prefix}.>`], max_age: 10 * 60 * 1e9 });
  });
  afterAll(async () => {
    await (await jetstreamManager(nc)).streams.delete(stream).catch(() => {});
    await nc?.close();
  });

  it("refuses tokens of sessions, users and tenants ended before the watch started and while it runs", async () => {
    const js = jetstream(nc);
    const key = await newKey();
    const list = createRevocationList();
    const verifier = createTokenVerifier({ fetchJwks: async () => [key.publicJwk], revocations: list });
    const endedEarlier = randomUUID();
    const endedLater = randomUUID();
    const kept = randomUUID();
    const early = await sign(key, { extra: { sid: endedEarlier } });
    const late = await sign(key, { extra: { sid: endedLater } });
    const keptToken = await sign(key, { extra: { sid: kept } });
    const disabledUser = await sign(key, { sub: "user-9" });
    const terminated = await sign(key, { tid: "00000000-0000-4000-8000-0000000000ff", sub: "user-3" });
    // Verified (and cached) before anything was ended: the cache must not keep them alive.
    for (const token of [early, late, keptToken, disabledUser, terminated]) await verifier.verify(token);

    await js.publish(`${prefix}.session.revoked`, toBinary(SessionsRevokedSchema, create(SessionsRevokedSchema, { organizationId: tenant, userId: "user-1", reason: "logout", sessionIds: [endedEarlier] })));
    const watch = await watchRevocations({ js, list, log: silentLogger, stream, prefix });
    try {
      await js.publish(`${prefix}.session.revoked`, toBinary(SessionsRevokedSchema, create(SessionsRevokedSchema, { organizationId: tenant, userId: "user-1", reason: "password_changed", sessionIds: [endedLater] })));
      await js.publish(`${prefix}.user.disabled`, toBinary(UserDisabledSchema, create(UserDisabledSchema, { organizationId: tenant, userId: "user-9" })));
      await js.publish(`${prefix}.organization.terminated`, toBinary(OrganizationTerminatedSchema, create(OrganizationTerminatedSchema, { organizationId: "00000000-0000-4000-8000-0000000000ff" })));
      await expect.poll(() => list.size, { timeout: 10_000 }).toBe(4);

      for (const token of [early, late, disabledUser, terminated]) {
        const refused = await verifier.verify(token).then(() => undefined, (e: unknown) => e);
        expect(refused).toBeInstanceOf(RpcError);
        expect((refused as RpcError).code).toBe(Code.Unauthenticated);
        expect((refused as RpcError).message).toContain("sign in again");
      }
      expect((await verifier.verify(keptToken)).sid).toBe(kept);
    } finally {
      await watch.stop();
    }
  });
});
