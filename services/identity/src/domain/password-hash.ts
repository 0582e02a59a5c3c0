import { hash, verify } from "@node-rs/argon2";

/**
 * Argon2id at OWASP's first recommended setting (19 MiB, 2 passes, 1 lane):
 * about 20-30 ms per hash on one core here, which keeps sign-in cheap for us
 * and guessing expensive for anyone holding a stolen hash. Parameters are
 * stored in each hash (PHC string), so raising them later only needs
 * `needsRehash` at the next successful sign-in.
 */
export const argon2Parameters = {
  // Algorithm.Argon2id; the package's const enum cannot be imported under verbatimModuleSyntax.
  algorithm: 2,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
} as const;

export function hashPassword(password: string): Promise<string> {
  return hash(password, argon2Parameters);
}

export async function verifyPassword(hashed: string, password: string): Promise<boolean> {
  try {
    return await verify(hashed, password);
  } catch {
    return false; // a malformed stored hash must not sign anyone in
  }
}

/** True when the stored hash was made with weaker parameters than today's. */
export function needsRehash(hashed: string): boolean {
  const match = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$/.exec(hashed);
  if (!match) return true;
  const [, m, t, p] = match.map(Number);
  return m! < argon2Parameters.memoryCost || t! < argon2Parameters.timeCost || p! < argon2Parameters.parallelism;
}

// A fixed hash to verify against when the user does not exist, so an unknown
// username costs the same time as a wrong password (no account enumeration).
let decoy: Promise<string> | undefined;
export function decoyHash(): Promise<string> {
  decoy ??= hashPassword("decoy-password-never-used-#1A");
  return decoy;
}
