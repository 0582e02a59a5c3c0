import { randomUUID } from "node:crypto";
import { exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from "jose";

/** What identity puts into an access token; libs/authz verifies exactly this. */
export interface AccessTokenClaims {
  subject: string;
  tenantId: string;
  roles: readonly string[];
  amr: readonly string[];
  sessionId?: string;
  /** "user", "service", or "setup" (may only finish account set-up). */
  kind: "user" | "service" | "setup";
}

export const tokenIssuer = "switchboard-identity";
export const tokenAudience = "switchboard";

export interface SigningKey {
  kid: string;
  publicJwk: JWK;
  privateJwk: JWK;
}

export async function generateSigningKey(): Promise<SigningKey> {
  const { publicKey, privateKey } = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
  const kid = randomUUID();
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: "EdDSA", use: "sig" };
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: "EdDSA" };
  return { kid, publicJwk, privateJwk };
}

export async function signAccessToken(key: SigningKey, claims: AccessTokenClaims, ttlSeconds: number, now = Date.now()): Promise<{ token: string; expiresAt: Date }> {
  const issuedAt = Math.floor(now / 1000);
  const expiresAt = issuedAt + ttlSeconds;
  const privateKey = await importJWK(key.privateJwk, "EdDSA");
  const payload: Record<string, unknown> = { tid: claims.tenantId, roles: [...claims.roles], amr: [...claims.amr], typ: claims.kind };
  if (claims.sessionId) payload.sid = claims.sessionId;
  const token = await new SignJWT(payload)
    .setProtectedHeader({ alg: "EdDSA", kid: key.kid, typ: "at+jwt" })
    .setIssuer(tokenIssuer)
    .setAudience(tokenAudience)
    .setSubject(claims.subject)
    .setJti(randomUUID())
    .setIssuedAt(issuedAt)
    .setExpirationTime(expiresAt)
    .sign(privateKey);
  return { token, expiresAt: new Date(expiresAt * 1000) };
}
