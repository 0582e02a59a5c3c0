import { randomUUID } from "node:crypto";
import { exportJWK, generateKeyPair, SignJWT, type JWK } from "jose";

export interface TestKey {
  kid: string;
  publicJwk: JWK;
  privateKey: Awaited<ReturnType<typeof generateKeyPair>>["privateKey"];
}

export async function newKey(): Promise<TestKey> {
  const { publicKey, privateKey } = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
  const kid = randomUUID();
  return { kid, publicJwk: { ...(await exportJWK(publicKey)), kid, alg: "EdDSA", use: "sig" }, privateKey };
}

export interface TokenOptions {
  sub?: string;
  tid?: string;
  roles?: string[];
  amr?: string[];
  typ?: string;
  ttlSeconds?: number;
  issuer?: string;
  audience?: string;
  extra?: Record<string, unknown>;
}

/** Signs a token as identity does. */
export function sign(key: TestKey, options: TokenOptions = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    tid: options.tid ?? "00000000-0000-4000-8000-00000000000a",
    roles: options.roles ?? ["agent"],
    amr: options.amr ?? ["pwd"],
    typ: options.typ ?? "user",
    sid: randomUUID(),
    ...options.extra,
  })
    .setProtectedHeader({ alg: "EdDSA", kid: key.kid })
    .setIssuer(options.issuer ?? "switchboard-identity")
    .setAudience(options.audience ?? "switchboard")
    .setSubject(options.sub ?? "user-1")
    .setIssuedAt(now)
    .setExpirationTime(now + (options.ttlSeconds ?? 300))
    .sign(key.privateKey);
}
