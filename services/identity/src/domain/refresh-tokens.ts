import { createHash, randomBytes } from "node:crypto";

/**
 * Refresh tokens are opaque to clients: `<tenant id>.<session id>.<secret>`.
 * Only the SHA-256 of the secret is stored (256 bits of entropy: a stolen
 * table yields nothing to guess from). The tenant id routes the lookup under
 * row-level security and the session id names the family for reuse detection;
 * neither grants anything without the secret.
 */
export interface RefreshTokenParts {
  tenantId: string;
  sessionId: string;
  secret: string;
}

export function newRefreshSecret(): string {
  return randomBytes(32).toString("base64url");
}

export function formatRefreshToken(parts: RefreshTokenParts): string {
  return `${parts.tenantId}.${parts.sessionId}.${parts.secret}`;
}

export function parseRefreshToken(token: string): RefreshTokenParts | undefined {
  const match = /^([0-9a-f-]{36})\.([0-9a-f-]{36})\.([A-Za-z0-9_-]{43})$/.exec(token.trim());
  return match ? { tenantId: match[1]!, sessionId: match[2]!, secret: match[3]! } : undefined;
}

export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}
