import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * Service-account credentials. The client id names the tenant and the
 * account (`<tenant id>.<account id>`) so one lookup under row-level security
 * finds it; the secret is 256 random bits, stored as its SHA-256.
 */
export function formatClientId(tenantId: string, accountId: string): string {
  return `${tenantId}.${accountId}`;
}

export function parseClientId(clientId: string): { tenantId: string; accountId: string } | undefined {
  const match = /^([0-9a-f-]{36})\.([0-9a-f-]{36})$/.exec(clientId.trim());
  return match ? { tenantId: match[1]!, accountId: match[2]! } : undefined;
}

export function newClientSecret(): string {
  return randomBytes(32).toString("base64url");
}

export function hashClientSecret(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}

export function clientSecretMatches(secret: string, storedHash: string): boolean {
  const candidate = Buffer.from(hashClientSecret(secret), "hex");
  const stored = Buffer.from(storedHash, "hex");
  return candidate.length === stored.length && timingSafeEqual(candidate, stored);
}
