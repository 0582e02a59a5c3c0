import { createHash, randomInt, timingSafeEqual } from "node:crypto";

// Unambiguous alphabet: no 0/O or 1/I/L confusion when read off paper.
const alphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";

/** Ten single-use codes like `7KQ4M-ZP2XH` (~50 bits each). */
export function generateRecoveryCodes(count = 10): string[] {
  return Array.from({ length: count }, () => {
    const chars = Array.from({ length: 10 }, () => alphabet[randomInt(alphabet.length)]).join("");
    return `${chars.slice(0, 5)}-${chars.slice(5)}`;
  });
}

function normalize(code: string): string {
  return code.toUpperCase().replace(/[^0-9A-Z]/g, "");
}

/**
 * Codes are random with ~50 bits of entropy, so a fast hash is enough (no
 * dictionary to guess from) and lets one attempt check all ten at once.
 */
export function hashRecoveryCode(code: string): string {
  return createHash("sha256").update(normalize(code)).digest("hex");
}

/** Index of the stored hash the code matches, or -1. */
export function matchRecoveryCode(code: string, storedHashes: readonly string[]): number {
  const candidate = Buffer.from(hashRecoveryCode(code), "hex");
  let found = -1;
  storedHashes.forEach((stored, index) => {
    const bytes = Buffer.from(stored, "hex");
    if (bytes.length === candidate.length && timingSafeEqual(bytes, candidate) && found === -1) found = index;
  });
  return found;
}
