import { randomUUID } from "node:crypto";
import { exportJWK, generateKeyPair, SignJWT, type JWK } from "jose";
import { createTokenVerifier, tokenAudience, tokenIssuer } from "@switchboard/authz";

/** Signs access tokens exactly as identity does (Ed25519, same claims), with a key of the test's own. */
export async function createTokenIssuer() {
  const { publicKey, privateKey } = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
  const kid = randomUUID();
  const publicJwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: "EdDSA", use: "sig" };
  return {
    verifier: () => createTokenVerifier({ fetchJwks: async () => [publicJwk] }),
    async token(claims: { sub: string; tid: string; roles: string[]; amr?: string[] }): Promise<string> {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ tid: claims.tid, roles: claims.roles, amr: claims.amr ?? ["pwd"], typ: "user", sid: randomUUID() })
        .setProtectedHeader({ alg: "EdDSA", kid })
        .setIssuer(tokenIssuer)
        .setAudience(tokenAudience)
        .setSubject(claims.sub)
        .setIssuedAt(now)
        .setExpirationTime(now + 600)
        .sign(privateKey);
    },
  };
}

export const bearer = (token: string, extra: Record<string, string> = {}) => ({ metadata: { authorization: `Bearer ${token}`, ...extra } });
