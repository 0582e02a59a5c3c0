import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { createTokenVerifier } from "@switchboard/authz";
import { verifyAtEdge } from "../src/edge-auth.js";
import { startEchoGateway, type EchoGateway } from "./fixtures/gateway.js";

const kid = randomUUID();
let signingKey: Awaited<ReturnType<typeof generateKeyPair>>["privateKey"];
let stack: EchoGateway;

async function token(key = signingKey, keyId = kid): Promise<string> {
  return new SignJWT({ tid: "00000000-0000-4000-8000-00000000000a", roles: ["agent"], amr: ["pwd"], typ: "user" })
    .setProtectedHeader({ alg: "EdDSA", kid: keyId })
    .setIssuer("switchboard-identity")
    .setAudience("switchboard")
    .setSubject("user-1")
    .setIssuedAt()
    .setExpirationTime("5m")
    .sign(key);
}

beforeAll(async () => {
  const pair = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
  signingKey = pair.privateKey;
  const jwk = { ...(await exportJWK(pair.publicKey)), kid, alg: "EdDSA", use: "sig" };
  stack = await startEchoGateway({ authenticate: verifyAtEdge(createTokenVerifier({ fetchJwks: async () => [jwk] })) });
});
afterAll(() => stack?.stop());

function echo(body: object, headers: Record<string, string> = {}) {
  return fetch(`${stack.gateway.url}/switchboard.diagnostics.v1.EchoService/Echo`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
}

describe("edge authentication", () => {
  it("forwards a call carrying a valid token", async () => {
    const bearer = `Bearer ${await token()}`;
    const response = await echo({ text: "hi" }, { authorization: bearer });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { caller: string }).caller).toBe(bearer);
  });

  it("stops a forged token at the edge: the upstream is never called", async () => {
    const forger = await generateKeyPair("EdDSA", { crv: "Ed25519" });
    const before = stack.upstream.calls();
    const response = await echo({ text: "hi" }, { authorization: `Bearer ${await token(forger.privateKey, randomUUID())}` });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ code: "unauthenticated", message: "access token is invalid: sign in again" });
    expect(stack.upstream.calls()).toBe(before);
  });

  it("sends the socket's address upstream, never the one a client claims", async () => {
    const response = await echo({ text: "who-connected" }, { authorization: `Bearer ${await token()}`, "x-client-address": "203.0.113.9" });
    const body = (await response.json()) as { traceId: string };
    expect(body.traceId).toMatch(/^(::ffff:)?127\.0\.0\.1$/);
  });
});
