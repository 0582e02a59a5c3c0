import { describe, expect, it } from "vitest";
import { SignJWT, UnsecuredJWT, base64url } from "jose";
import { createTokenVerifier } from "../src/index.js";
import { Code, RpcError } from "@switchboard/rpc";
import { newKey, sign, type TestKey } from "./keys.js";

function verifierFor(keys: () => TestKey[], options: { minRefetchIntervalMs?: number; now?: () => number } = {}) {
  return createTokenVerifier({ fetchJwks: async () => keys().map((k) => k.publicJwk), ...options });
}

async function refusal(promise: Promise<unknown>): Promise<RpcError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(RpcError);
  return error as RpcError;
}

describe("token verification", () => {
  it("accepts identity's token and reads its claims", async () => {
    const key = await newKey();
    const verifier = verifierFor(() => [key]);
    const claims = await verifier.verify(await sign(key, { roles: ["tenant-admin"], amr: ["pwd", "otp"] }));
    expect(claims).toMatchObject({ sub: "user-1", tid: "00000000-0000-4000-8000-00000000000a", roles: ["tenant-admin"], amr: ["pwd", "otp"], typ: "user" });
  });

  it("refuses expired, foreign-audience, foreign-issuer, tampered and unsigned tokens", async () => {
    const key = await newKey();
    const verifier = verifierFor(() => [key]);
    const expired = await refusal(verifier.verify(await sign(key, { ttlSeconds: -60 })));
    expect(expired.code).toBe(Code.Unauthenticated);
    expect(expired.message).toContain("expired: refresh it");
    for (const token of [await sign(key, { audience: "other" }), await sign(key, { issuer: "evil" })]) {
      expect((await refusal(verifier.verify(token))).message).toBe("access token is invalid: sign in again");
    }
    const [header, payload, signature] = (await sign(key)).split(".");
    const claims = JSON.parse(new TextDecoder().decode(base64url.decode(payload!)));
    const tampered = `${header}.${base64url.encode(JSON.stringify({ ...claims, tid: "00000000-0000-4000-8000-00000000000b" }))}.${signature}`;
    expect((await refusal(verifier.verify(tampered))).code).toBe(Code.Unauthenticated);
    const unsigned = new UnsecuredJWT({ tid: "t", roles: [], amr: [], typ: "user" }).setSubject("x").setExpirationTime("5m").encode();
    expect((await refusal(verifier.verify(unsigned))).code).toBe(Code.Unauthenticated);
    const hmac = await new SignJWT({ tid: "t", roles: [], amr: [], typ: "user" })
      .setProtectedHeader({ alg: "HS256", kid: key.kid })
      .setSubject("x")
      .setIssuedAt()
      .setExpirationTime("5m")
      .sign(new TextEncoder().encode("a-shared-secret-that-should-never-be-accepted"));
    expect((await refusal(verifier.verify(hmac))).code).toBe(Code.Unauthenticated);
    expect((await refusal(verifier.verify("not.a.token"))).code).toBe(Code.Unauthenticated);
  });

  it("refuses a token signed by a key outside the JWKS", async () => {
    const published = await newKey();
    const rogue = await newKey();
    const verifier = verifierFor(() => [published]);
    expect((await refusal(verifier.verify(await sign(rogue)))).message).toBe("access token is invalid: sign in again");
  });

  it("remembers a verified token until it expires, so repeat calls skip the signature check", async () => {
    const key = await newKey();
    let clock = Date.now();
    const verifier = verifierFor(() => [key], { now: () => clock });
    const token = await sign(key, { ttlSeconds: 60 });
    await verifier.verify(token);
    await verifier.verify(token);
    await verifier.verify(token);
    expect(verifier.stats.signatureChecks).toBe(1);
    expect(verifier.stats.cacheHits).toBe(2);
    clock += 61_000;
    expect((await refusal(verifier.verify(token))).message).toContain("expired");
  });

  it("picks up a rotated-in key with one refetch, keeps accepting the previous key, and rate-limits refetches", async () => {
    const first = await newKey();
    let published = [first];
    let clock = Date.now();
    const verifier = verifierFor(() => published, { minRefetchIntervalMs: 10_000, now: () => clock });
    await verifier.verify(await sign(first));
    expect(verifier.stats.jwksFetches).toBe(1);

    const second = await newKey();
    published = [second, first];
    clock += 10_000;
    await verifier.verify(await sign(second));
    await verifier.verify(await sign(first));
    expect(verifier.stats.jwksFetches).toBe(2);

    // Tokens naming unknown keys right after a fetch do not cause more fetches.
    const rogue = await newKey();
    for (let i = 0; i < 5; i++) await refusal(verifier.verify(await sign(rogue)));
    expect(verifier.stats.jwksFetches).toBe(2);
  });

  it("answers UNAVAILABLE, not UNAUTHENTICATED, when the keys cannot be fetched", async () => {
    const key = await newKey();
    const verifier = createTokenVerifier({ fetchJwks: () => Promise.reject(new Error("connect ECONNREFUSED")) });
    const error = await refusal(verifier.verify(await sign(key)));
    expect(error.code).toBe(Code.Unavailable);
  });
});
