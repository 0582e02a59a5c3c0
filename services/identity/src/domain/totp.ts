import { Secret, TOTP } from "otpauth";

/** RFC 6238 as every authenticator app expects it: SHA-1, 6 digits, 30-second steps. */
export const totpSettings = { algorithm: "SHA1", digits: 6, period: 30, window: 1, secretBytes: 20 } as const;

/** A new 160-bit secret, base32-encoded. */
export function generateTotpSecret(): string {
  return new Secret({ size: totpSettings.secretBytes }).base32;
}

export function totpUri(secret: string, issuer: string, account: string): string {
  return new TOTP({ issuer, label: account, secret: Secret.fromBase32(secret), ...pick() }).toString();
}

function pick() {
  return { algorithm: totpSettings.algorithm, digits: totpSettings.digits, period: totpSettings.period };
}

/**
 * Checks a code within ±1 step and returns the accepted time step, or
 * undefined. A step not later than `lastAcceptedStep` is refused, so a code
 * (or an older one still inside the window) can never be used twice.
 */
export function acceptTotp(secret: string, code: string, lastAcceptedStep: number | undefined, now = Date.now()): number | undefined {
  if (!/^\d{6}$/.test(code)) return undefined;
  const totp = new TOTP({ secret: Secret.fromBase32(secret), ...pick() });
  const delta = totp.validate({ token: code, timestamp: now, window: totpSettings.window });
  if (delta === null) return undefined;
  const step = Math.floor(now / 1000 / totpSettings.period) + delta;
  if (lastAcceptedStep !== undefined && step <= lastAcceptedStep) return undefined;
  return step;
}

/** The code an authenticator shows at `now` (tests, the demo seed). */
export function currentTotp(secret: string, now = Date.now()): string {
  return new TOTP({ secret: Secret.fromBase32(secret), ...pick() }).generate({ timestamp: now });
}
